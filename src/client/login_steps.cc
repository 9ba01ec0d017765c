#include "client/login_steps.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "client/resolve.h"

namespace ssooidc::client {
namespace {

bool has_grant(const SsoRegistration& r, std::string_view grant) {
  return r.grant_types &&
         std::find(r.grant_types->begin(), r.grant_types->end(), grant) != r.grant_types->end();
}

// The registration request botocore sends for each flow (reference 6.3 step 1, 6.4 step 2).
RegisterClientRequest registration_request(const LoginRequest& request, RegistrationKind kind,
                                           const core::Clock& clock) {
  RegisterClientRequest reg;
  reg.clientName = registration_client_name(request, clock);
  reg.clientType = "public";
  reg.scopes = request.scopes;
  if (kind == RegistrationKind::kAuthorizationCode) {
    reg.grantTypes = std::vector<std::string>{std::string(kGrantAuthorizationCode),
                                              std::string(kGrantRefreshToken)};
    reg.redirectUris = std::vector<std::string>{std::string(kRegisteredRedirectUri)};
    reg.issuerUrl = request.start_url;  // the CLI sends the start URL as the issuer
  }
  return reg;
}

}  // namespace

Error cache_error(Error error) {
  error.error_description = "SSO cache: " + error.error_description;
  return error;
}

Error malformed_answer(std::string_view operation, std::string_view member) {
  return Error::make(ErrorType::kUnknown,
                     std::string(operation) + " answer has no " + std::string(member));
}

std::string registration_client_name(const LoginRequest& request, const core::Clock& clock) {
  return "ssooidc-client-" +
         (request.session_name ? *request.session_name : std::to_string(clock.now_epoch_seconds()));
}

bool registration_usable(const SsoRegistration& r, RegistrationKind kind, std::int64_t now) {
  if (r.expires_at - now < kExpiryWindowSeconds) return false;
  const bool for_pkce = has_grant(r, kGrantAuthorizationCode);
  return kind == RegistrationKind::kAuthorizationCode ? for_pkce : !for_pkce;
}

std::expected<ObtainedRegistration, Error> obtain_registration(Client& client, SsoCache& cache,
                                                               const LoginRequest& request,
                                                               RegistrationKind kind,
                                                               const core::Clock& clock) {
  const std::string key = registration_cache_key(request.start_url, request.region, request.scopes,
                                                 request.session_name);
  auto cached = cache.load_registration(key);
  // An unreadable registration file is replaced, as botocore does with a cache miss.
  if (cached && *cached && registration_usable(**cached, kind, clock.now_epoch_seconds())) {
    return ObtainedRegistration{std::move(**cached), true};
  }

  const RegisterClientRequest reg = registration_request(request, kind, clock);
  auto answer = client.register_client(reg);
  if (!answer) return std::unexpected(std::move(answer.error()));
  if (!answer->clientId) return std::unexpected(malformed_answer("RegisterClient", "clientId"));
  if (!answer->clientSecret) {
    return std::unexpected(malformed_answer("RegisterClient", "clientSecret"));
  }
  if (!answer->clientSecretExpiresAt) {
    return std::unexpected(malformed_answer("RegisterClient", "clientSecretExpiresAt"));
  }
  SsoRegistration fresh{*answer->clientId, *answer->clientSecret, *answer->clientSecretExpiresAt,
                        request.scopes, reg.grantTypes};
  if (auto saved = cache.save_registration(key, fresh); !saved) {
    return std::unexpected(cache_error(std::move(saved.error())));
  }
  return ObtainedRegistration{std::move(fresh), false};
}

std::expected<LoginResult, Error> save_login_token(SsoCache& cache, const LoginRequest& request,
                                                   const ObtainedRegistration& registration,
                                                   const CreateTokenResponse& answer,
                                                   const core::Clock& clock) {
  if (!answer.accessToken) return std::unexpected(malformed_answer("CreateToken", "accessToken"));
  if (!answer.expiresIn) return std::unexpected(malformed_answer("CreateToken", "expiresIn"));
  const SsoRegistration& reg = registration.registration;
  SsoToken token;
  token.start_url = request.start_url;
  token.region = request.region;
  token.access_token = *answer.accessToken;
  token.expires_at = clock.now_epoch_seconds() + *answer.expiresIn;
  token.client_id = reg.client_id;
  token.client_secret = reg.client_secret;
  token.registration_expires_at = reg.expires_at;
  token.refresh_token = answer.refreshToken;
  const std::string key = token_cache_key(request.session_name, request.start_url);
  if (auto saved = cache.save_token(key, token); !saved) {
    return std::unexpected(cache_error(std::move(saved.error())));
  }
  return LoginResult{std::move(token), cache.path_for(key), registration.reused};
}

Error pending_authorization_expired(Error e) {
  e.error_description =
      "The pending authorization to retrieve an SSO token has expired. The login flow to "
      "retrieve an SSO token must be restarted." +
      (e.error_description.empty() ? "" : " (" + e.error_description + ")");
  return e;
}

}  // namespace ssooidc::client
