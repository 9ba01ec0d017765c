// The SSO device-authorization login and the cached-token refresh, as the AWS CLI does them
// (reference 6.3, 6.5), writing the same cache files so that `aws` and the SDKs use the result.
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

namespace ssooidc::client {

// A registration is reused until this long before it expires; a token is refreshed when it has
// less than this left (botocore's _EXPIRY_WINDOW and _REFRESH_WINDOW).
inline constexpr std::int64_t kExpiryWindowSeconds = 15 * 60;
// RFC 8628 section 3.5: add 5 s to the interval for this and every later poll after slow_down.
inline constexpr std::int64_t kSlowDownSeconds = 5;
// RFC 8628 section 3.2: the interval when the server gives none.
inline constexpr std::int64_t kDefaultIntervalSeconds = 5;

struct LoginRequest {
  std::string start_url;
  std::string region;  // sso_region: written to the cache and part of the registration key
  std::optional<std::string> session_name;
  std::optional<std::vector<std::string>> scopes;  // RegisterClient `scopes`, nullopt = none
};

// What the user sees. Called once, after the first poll came back pending.
class LoginPrompt {
 public:
  virtual ~LoginPrompt() = default;
  virtual void show(const StartDeviceAuthorizationResponse& authorization) = 0;
};

struct LoginResult {
  SsoToken token;
  std::string token_path;
  bool reused_registration = false;
};

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

// Makes a Client for an sso_region (the token refresh needs one only when it refreshes).
using ClientFactory = std::function<std::expected<Client, Error>(const std::string& region)>;

struct TokenRequest {
  std::optional<std::string> session_name;
  std::string start_url;  // the cache key for legacy logins; a fallback `startUrl` when writing
  std::string region;     // a fallback `region` when the file has none
  bool force_refresh = false;
};

struct TokenResult {
  SsoToken token;
  bool refreshed = false;
  // Set when a refresh was attempted and failed but the cached token is still valid.
  std::optional<Error> refresh_error;
};

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
