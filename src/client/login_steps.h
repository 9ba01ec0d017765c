// The steps the device login (sso_login.cc) and the PKCE login (pkce_login.cc) share: getting a
// client registration from the cache or from RegisterClient, and writing the token file. Private
// to the client library.
//
// Thread safety: as sso_login.h (one call at a time per SsoCache directory).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "client/sso_cache.h"
#include "client/sso_login.h"
#include "core/clock.h"
#include "ssooidc/client.h"

namespace ssooidc::client {

// Which grant a registration is made for. Both kinds share one cache file (the registration key
// does not depend on the grant), so each flow must recognise the other's registration.
enum class RegistrationKind {
  kDeviceCode,         // botocore SSOTokenFetcher: no grantTypes in the request or the cache
  kAuthorizationCode,  // botocore SSOTokenFetcherAuth: grantTypes authorization_code + refresh
};

// The RegisterClient `redirectUris` entry of a PKCE registration: no port, since the listener's
// port is only known at login time and the server matches loopback ports loosely (RFC 8252 7.3).
inline constexpr std::string_view kRegisteredRedirectUri = "http://127.0.0.1/oauth/callback";

// "ssooidc-client-<session>" (or "-<unix time>" without a session), botocore's naming scheme
// with this client's name so that the consent page says which tool asks.
[[nodiscard]] std::string registration_client_name(const LoginRequest& request,
                                                   const core::Clock& clock);

// Whether a cached registration may be used for `kind` at `now`: not within 15 minutes of
// expiring, and made for the same grant (AWS CLI >= 2.22: a registration whose grantTypes holds
// authorization_code is for PKCE only, one without it for the device flow only).
[[nodiscard]] bool registration_usable(const SsoRegistration& registration, RegistrationKind kind,
                                       std::int64_t now);

struct ObtainedRegistration {
  SsoRegistration registration;
  bool reused = false;
};

// The cached registration when usable, else a new one from RegisterClient (written to the cache,
// replacing any other). Errors: RegisterClient's Error; ErrorType::kUnknown for an answer without
// clientId, clientSecret or clientSecretExpiresAt; ErrorType::kConfiguration when the cache
// cannot be written.
[[nodiscard]] std::expected<ObtainedRegistration, Error> obtain_registration(
    Client& client, SsoCache& cache, const LoginRequest& request, RegistrationKind kind,
    const core::Clock& clock);

// Writes the token file for a successful CreateToken answer exactly as botocore does after a
// login (sha1 of the session name, else of the start URL). Errors: ErrorType::kUnknown when the
// answer has no accessToken or expiresIn; ErrorType::kConfiguration when the file cannot be
// written.
[[nodiscard]] std::expected<LoginResult, Error> save_login_token(
    SsoCache& cache, const LoginRequest& request, const ObtainedRegistration& registration,
    const CreateTokenResponse& answer, const core::Clock& clock);

// ExpiredTokenException in the AWS CLI's words (PendingAuthorizationExpiredError), keeping the
// service's own description in parentheses.
[[nodiscard]] Error pending_authorization_expired(Error error);

// A cache file error (kConfiguration, sso_cache.h) with "SSO cache: " before its description.
[[nodiscard]] Error cache_error(Error error);

// A success answer that lacks a member the login needs.
[[nodiscard]] Error malformed_answer(std::string_view operation, std::string_view member);

}  // namespace ssooidc::client
