// The SSO device-authorization login and the cached-token refresh, as the AWS CLI does them
// (reference 6.3, 6.5), writing the same cache files so that `aws` and the SDKs use the result:
// the functions behind ssooidc/sso_login.h, with the Clock, Sleeper and cache as seams.
// The authorization-code login with PKCE is in pkce_login.h; both share login_steps.h.
//
// Time comes from the injected Clock and waits go through the injected Sleeper, so tests drive
// the poll loop with a fake clock and never sleep.
//
// Thread safety: one call at a time per SsoCache directory (the AWS CLI has the same race).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/retry.h"
#include "client/sso_cache.h"
#include "core/clock.h"
#include "ssooidc/client.h"
#include "ssooidc/sso_login.h"

namespace ssooidc::client {

// A registration is reused until this long before it expires; a token is refreshed when it has
// less than this left (botocore's _EXPIRY_WINDOW and _REFRESH_WINDOW).
inline constexpr std::int64_t kExpiryWindowSeconds = kSsoExpiryWindowSeconds;
// RFC 8628 section 3.5: add 5 s to the interval for this and every later poll after slow_down.
inline constexpr std::int64_t kSlowDownSeconds = 5;
// RFC 8628 section 3.2: the interval when the server gives none.
inline constexpr std::int64_t kDefaultIntervalSeconds = 5;

// The public types of the login (ssooidc/sso_login.h) under the names this library's code uses.
using LoginRequest = SsoLoginRequest;
using LoginResult = SsoLoginResult;
using LoginPrompt = DeviceLoginPrompt;
using TokenRequest = SsoTokenRequest;
using TokenResult = SsoTokenResult;
using ::ssooidc::ClientFactory;

// Registers (or reuses the cached registration), starts device authorization, polls CreateToken
// with the device-code grant and writes the token file. The first poll is immediate; later polls
// wait `interval` (5 s when absent), +5 s per SlowDownException. Returns the service Error for
// AccessDeniedException (denied), ExpiredTokenException (also when `expiresIn` passes without an
// answer, with a clear description), and any other error; ErrorType::kConfiguration when a cache
// file cannot be written.
[[nodiscard]] std::expected<LoginResult, Error> device_login(Client& client, SsoCache& cache,
                                                             const LoginRequest& request,
                                                             LoginPrompt& prompt,
                                                             const core::Clock& clock,
                                                             Sleeper& sleeper);

// Loads the cached token; when it has less than 15 minutes left (or force_refresh) and holds a
// refresh token and an unexpired registration, refreshes it with the refresh_token grant and
// writes it back as botocore does. Errors: ErrorType::kConfiguration when there is no cached
// token or it cannot be read, ErrorType::kExpiredToken when it has expired and cannot be
// refreshed (the description says to log in again; a failed refresh's Error is returned instead
// when there was one).
[[nodiscard]] std::expected<TokenResult, Error> load_or_refresh_token(SsoCache& cache,
                                                                      const TokenRequest& request,
                                                                      const ClientFactory& clients,
                                                                      const core::Clock& clock);

}  // namespace ssooidc::client
