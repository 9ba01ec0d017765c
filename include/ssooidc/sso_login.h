// The SSO login as the AWS CLI does it, writing the same cache files (ssooidc/sso_cache.h) so
// that `aws`, the SDKs and this library use each other's logins:
//
//   device_login               RegisterClient (or the cached registration),
//                              StartDeviceAuthorization, then CreateToken with the device-code
//                              grant until the person approved (RFC 8628; reference 6.3);
//   pkce_login                 the authorization code flow with PKCE in a browser on this
//                              computer, the code coming back to a LoopbackRedirect (RFC 7636,
//                              RFC 8252; AWS CLI >= 2.22 for an sso-session, reference 6.4);
//   load_or_refresh_sso_token  the cached token, refreshed with the refresh_token grant when it
//                              has less than 15 minutes left (reference 6.5);
//   fetch_role_credentials     a role's AWS credentials from the role credentials cache while
//                              fresh, else from the portal's GetRoleCredentials.
//
//   auto client = ssooidc::Client::create({.region = "eu-west-1"});
//   MyPrompt prompt;  // a DeviceLoginPrompt that prints the URL and the code
//   auto login = ssooidc::device_login(*client, ssooidc::default_sso_cache_dir(),
//                                      {.start_url = "https://my.awsapps.com/start",
//                                       .region = "eu-west-1", .session_name = "my-sso",
//                                       .scopes = std::vector<std::string>{"sso:account:access"}},
//                                      prompt);
//
// Every function uses the system clock; waits between polls are real sleeps on the calling
// thread. Cache file errors are ErrorType::kConfiguration whose description names the path (in
// the logins it starts with "SSO cache: ").
//
// Thread safety: one call at a time per cache directory (the AWS CLI has the same race); the
// Client or PortalClient passed in is used from the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssooidc/client.h"
#include "ssooidc/error.h"
#include "ssooidc/portal_client.h"
#include "ssooidc/sso_cache.h"
#include "ssooidc/types.h"

namespace ssooidc {

// Which login, as a profile or an `[sso-session]` names it.
struct SsoLoginRequest {
  std::string start_url;  // sso_start_url: the AWS access portal URL; required
  std::string region;     // sso_region: written to the token file, part of the registration key
  std::optional<std::string> session_name;  // the sso-session's name; nullopt for a legacy login
  std::optional<std::vector<std::string>> scopes;  // RegisterClient `scopes`; nullopt: none
};

// What a successful login wrote.
struct SsoLoginResult {
  SsoToken token;                    // the token as written to the cache
  std::string token_path;            // <cache dir>/<sso_token_cache_key>.json
  bool reused_registration = false;  // the cached client registration was still usable
};

// What the person sees during device_login: called once, after the first poll came back
// pending, with the service's answer (verificationUri, verificationUriComplete, userCode).
class DeviceLoginPrompt {
 public:
  virtual ~DeviceLoginPrompt() = default;
  virtual void show(const StartDeviceAuthorizationResponse& authorization) = 0;
};

// What the person sees during pkce_login: called once with the complete /authorize URL, before
// waiting for the browser to come back.
class BrowserLoginPrompt {
 public:
  virtual ~BrowserLoginPrompt() = default;
  virtual void show(const std::string& authorize_url) = 0;
};

// The PKCE login's redirect target: an HTTP listener on 127.0.0.1 with a port the kernel picks
// (RFC 8252 section 7.3) that answers the one request carrying the authorization response and
// gives up after `timeout`. Open it before anything else, as the AWS CLI does: without it there
// is no point in registering.
//
// Thread safety: used by one pkce_login at a time.
class LoopbackRedirect {
 public:
  struct Impl;  // defined by the library

  // Binds 127.0.0.1:0. `timeout` bounds the whole wait for the browser (botocore's 600 s).
  // Errors: ErrorType::kTransport naming the socket call that failed.
  [[nodiscard]] static std::expected<LoopbackRedirect, Error> open(
      std::chrono::milliseconds timeout = std::chrono::seconds(600));

  // What open() returns; not for callers (Impl is the library's).
  explicit LoopbackRedirect(std::unique_ptr<Impl> impl) noexcept;
  // Movable, not copyable (it owns the listening socket).
  LoopbackRedirect(LoopbackRedirect&&) noexcept;
  LoopbackRedirect& operator=(LoopbackRedirect&&) noexcept;
  ~LoopbackRedirect();  // closes the socket

  // The port of the redirect URI http://127.0.0.1:<port>/oauth/callback.
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  friend std::expected<SsoLoginResult, Error> pkce_login(Client&, const std::string&,
                                                         const SsoLoginRequest&,
                                                         LoopbackRedirect&, BrowserLoginPrompt&);
  std::unique_ptr<Impl> impl_;
};

// The device authorization login. Registers (or reuses the cached registration while it has
// more than 15 minutes left and was made for the device flow), starts device authorization,
// polls CreateToken with the device-code grant and writes the token file under `cache_dir`. The
// first poll is immediate; later polls wait `interval` (5 s when absent, RFC 8628 section 3.2),
// 5 s more after each SlowDownException (section 3.5). Errors: the service's Error for
// AccessDeniedException (the person denied) and any other failure of the three operations;
// ErrorType::kExpiredToken when the code expired (also when `expiresIn` passes without an
// answer), in the AWS CLI's words; ErrorType::kUnknown for an answer that lacks a member the
// login needs; ErrorType::kConfiguration when `cache_dir` is empty or a cache file cannot be
// written.
[[nodiscard]] std::expected<SsoLoginResult, Error> device_login(Client& client,
                                                                const std::string& cache_dir,
                                                                const SsoLoginRequest& request,
                                                                DeviceLoginPrompt& prompt);

// The PKCE login of an sso-session (`request.session_name` is required; `request.scopes`
// nullopt means "sso:account:access"). Registers with grantTypes [authorization_code,
// refresh_token] and redirectUris [http://127.0.0.1/oauth/callback] unless the cached
// registration is unexpired and was made for PKCE, sends the browser to <endpoint>/authorize
// with an S256 challenge and a random `state`, checks `state` on the redirect, exchanges the code
// with its verifier and writes the token file. Errors: ErrorType::kConfiguration without a
// session name, with an empty `cache_dir` or when a cache file cannot be written;
// the modeled Error the browser comes back with (`error=access_denied` is
// ErrorType::kAccessDenied; an unknown code is ErrorType::kUnknown with the code in `error`);
// ErrorType::kInvalidRequest for a redirect whose `state` does not match; ErrorType::kExpiredToken
// (http_status 0) when the browser did not come back within the redirect's timeout;
// ErrorType::kTransport when the listener fails; CreateToken's Error. No token file is written
// on any error.
[[nodiscard]] std::expected<SsoLoginResult, Error> pkce_login(Client& client,
                                                              const std::string& cache_dir,
                                                              const SsoLoginRequest& request,
                                                              LoopbackRedirect& redirect,
                                                              BrowserLoginPrompt& prompt);

// Makes a Client for an SSO region; load_or_refresh_sso_token calls it only when it refreshes.
using ClientFactory = std::function<std::expected<Client, Error>(const std::string& region)>;

// Which cached token load_or_refresh_sso_token reads.
struct SsoTokenRequest {
  std::optional<std::string> session_name;  // names the cache file of an sso-session
  std::string start_url;  // the cache key for legacy logins; a fallback `startUrl` when writing
  std::string region;     // a fallback `region` when the file has none
  bool force_refresh = false;  // refresh even when the token has more than 15 minutes left
};

// A usable token.
struct SsoTokenResult {
  SsoToken token;          // the token, as now cached
  bool refreshed = false;  // it was refreshed (and written back) by this call
  // Set when a refresh was attempted and failed but the cached token is still valid: the
  // refresh's Error (CreateToken's, or the factory's).
  std::optional<Error> refresh_error;
};

// Loads the cached token from `cache_dir`; when it has less than 15 minutes left (or
// force_refresh) and holds a refresh token and an unexpired registration, refreshes it with the
// refresh_token grant and writes it back as botocore does. Errors: ErrorType::kConfiguration
// when there is no cached token or it cannot be read (the description says to log in);
// ErrorType::kExpiredToken when it has expired and cannot be refreshed, or the failed refresh's
// Error when there was one.
[[nodiscard]] std::expected<SsoTokenResult, Error> load_or_refresh_sso_token(
    const std::string& cache_dir, const SsoTokenRequest& request, const ClientFactory& clients);

// Which role's credentials fetch_role_credentials gets.
struct RoleCredentialsRequest {
  RoleCredentialsKey key;     // account, role and what names the SSO login
  bool ignore_cache = false;  // fetch new credentials even when cached ones are fresh
};

// Returns an SSO access token. `after_unauthorized` is true when GetRoleCredentials refused the
// token it returned before with UnauthorizedException (revoked, or logged out elsewhere): a
// source that can log in should do so then.
using AccessTokenSource = std::function<std::expected<std::string, Error>(bool after_unauthorized)>;

// The credentials and where they came from.
struct RoleCredentialsResult {
  CachedRoleCredentials credentials;  // as cached (the portal's milliseconds cut to seconds)
  bool from_cache = false;            // no GetRoleCredentials call was made
  // Set when the credentials could not be written to the cache (they are still returned): the
  // kConfiguration Error "cannot write <path>: <reason>".
  std::optional<Error> cache_error;
};

// The cached credentials in `cache_dir` when fresh (a cache file that cannot be read or parsed
// counts as absent and is overwritten). Otherwise calls `tokens(false)` and GetRoleCredentials;
// on UnauthorizedException calls `tokens(true)` and tries once more. Errors: the token source's
// Error; GetRoleCredentials' Error (ResourceNotFoundException for a role that is not assigned,
// UnauthorizedException when the second token is refused too); ErrorType::kUnknown for an
// answer without roleCredentials or one of its four members.
[[nodiscard]] std::expected<RoleCredentialsResult, Error> fetch_role_credentials(
    PortalClient& portal, const std::string& cache_dir, const RoleCredentialsRequest& request,
    const AccessTokenSource& tokens);

}  // namespace ssooidc
