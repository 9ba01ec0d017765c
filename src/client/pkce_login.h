// The SSO login with the Authorization Code Flow and PKCE, as AWS CLI >= 2.22 does it for an
// sso-session (botocore SSOTokenFetcherAuth, reference 6.4): register (or reuse the cached PKCE
// registration), send the browser to `/authorize`, receive the code on a loopback redirect, check
// `state`, exchange the code with its verifier, and write the same token file as the device login.
//
// The browser and the loopback listener are seams (AuthorizePrompt, AuthorizationCodeReceiver),
// so the unit tests run the whole flow against a scripted transport without a socket or a browser.
//
// Thread safety: one call at a time per SsoCache directory, as device_login.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "client/sso_login.h"
#include "core/clock.h"
#include "core/random.h"
#include "ssooidc/client.h"

namespace ssooidc::client {

// Where the browser brings the authorization response back to.
class AuthorizationCodeReceiver {
 public:
  virtual ~AuthorizationCodeReceiver() = default;
  // The 127.0.0.1 port of the redirect URI.
  [[nodiscard]] virtual std::uint16_t port() const = 0;
  // Waits for the authorization response of the login whose state is `expected_state`
  // (handle_callback_request in oauth_callback.h decides about each request). Returns the code,
  // or that function's Error, ErrorType::kExpiredToken (http_status 0) when no response came in
  // time, ErrorType::kTransport when the listener fails.
  [[nodiscard]] virtual std::expected<std::string, Error> wait_for_code(
      std::string_view expected_state) = 0;
};

// What the user sees (ssooidc/sso_login.h).
using AuthorizePrompt = BrowserLoginPrompt;

// The default registration scope of the PKCE flow when the session configures none (the CLI
// always registers a PKCE client with scopes).
inline constexpr std::string_view kDefaultPkceScope = "sso:account:access";

// `request.session_name` is required (the CLI uses PKCE only for sso-sessions); `request.scopes`
// nullopt means kDefaultPkceScope. Registers with grantTypes [authorization_code, refresh_token],
// redirectUris [http://127.0.0.1/oauth/callback] and issuerUrl = start URL unless the cached
// registration under the botocore registration key is unexpired and was made for PKCE (a
// device-flow registration is replaced). Sends the browser to
// <endpoint scheme://host>/authorize (pkce.h), then CreateToken with grantType
// authorization_code, the code, the verifier and redirectUri
// http://127.0.0.1:<port>/oauth/callback. Errors: ErrorType::kConfiguration without a session name
// or when a cache file cannot be written; the receiver's errors (denial, state mismatch, timeout)
// before any CreateToken; CreateToken's Error (ExpiredTokenException in the AWS CLI's words). No
// token file is written on any error.
[[nodiscard]] std::expected<LoginResult, Error> pkce_login(Client& client, SsoCache& cache,
                                                           const LoginRequest& request,
                                                           AuthorizationCodeReceiver& receiver,
                                                           AuthorizePrompt& prompt,
                                                           const core::Clock& clock,
                                                           core::Random& random);

}  // namespace ssooidc::client
