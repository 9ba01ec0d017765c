// The public login functions (ssooidc/sso_login.h): the logins of sso_login.h and pkce_login.h
// with the process environment, the system clock, real sleeps and the CSPRNG as their seams.
#include "ssooidc/sso_login.h"

#include "client/client_internal.h"
#include "client/loopback_listener.h"
#include "client/pkce_login.h"
#include "client/resolve.h"
#include "client/role_credentials.h"
#include "client/sso_login.h"
#include "crypto/crypto.h"

namespace ssooidc {

struct LoopbackRedirect::Impl {
  std::unique_ptr<client::LoopbackListener> listener;
};

LoopbackRedirect::LoopbackRedirect(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
LoopbackRedirect::LoopbackRedirect(LoopbackRedirect&&) noexcept = default;
LoopbackRedirect& LoopbackRedirect::operator=(LoopbackRedirect&&) noexcept = default;
LoopbackRedirect::~LoopbackRedirect() = default;

std::expected<LoopbackRedirect, Error> LoopbackRedirect::open(std::chrono::milliseconds timeout) {
  client::LoopbackOptions options;
  options.overall_timeout = timeout;
  auto listener = client::LoopbackListener::open(options);
  if (!listener) return std::unexpected(std::move(listener.error()));
  auto impl = std::make_unique<Impl>();
  impl->listener = std::move(*listener);
  return LoopbackRedirect(std::move(impl));
}

std::uint16_t LoopbackRedirect::port() const noexcept { return impl_->listener->port(); }

namespace {

// The logins write under the directory they are given; an empty one would mean the current
// directory, which is never what a caller meant (it is what a missing home gives).
std::expected<void, Error> require_dir(const std::string& cache_dir) {
  if (!cache_dir.empty()) return {};
  return std::unexpected(client::configuration_error("SSO cache: no cache directory"));
}

}  // namespace

std::expected<SsoLoginResult, Error> device_login(Client& client, const std::string& cache_dir,
                                                  const SsoLoginRequest& request,
                                                  DeviceLoginPrompt& prompt) {
  if (auto ok = require_dir(cache_dir); !ok) return std::unexpected(std::move(ok.error()));
  client::SsoCache cache(client::default_env(), cache_dir);
  client::SystemSleeper sleeper;
  return client::device_login(client, cache, request, prompt, client::default_clock(), sleeper);
}

std::expected<SsoLoginResult, Error> pkce_login(Client& client, const std::string& cache_dir,
                                                const SsoLoginRequest& request,
                                                LoopbackRedirect& redirect,
                                                BrowserLoginPrompt& prompt) {
  if (auto ok = require_dir(cache_dir); !ok) return std::unexpected(std::move(ok.error()));
  client::SsoCache cache(client::default_env(), cache_dir);
  crypto::SecureRandom random;
  return client::pkce_login(client, cache, request, *redirect.impl_->listener, prompt,
                            client::default_clock(), random);
}

std::expected<SsoTokenResult, Error> load_or_refresh_sso_token(const std::string& cache_dir,
                                                               const SsoTokenRequest& request,
                                                               const ClientFactory& clients) {
  client::SsoCache cache(client::default_env(), cache_dir);
  return client::load_or_refresh_token(cache, request, clients, client::default_clock());
}

std::expected<RoleCredentialsResult, Error> fetch_role_credentials(
    PortalClient& portal, const std::string& cache_dir, const RoleCredentialsRequest& request,
    const AccessTokenSource& tokens) {
  client::RoleCredentialsCache cache(client::default_env(), cache_dir);
  return client::fetch_role_credentials(portal, cache, request, tokens, client::default_clock());
}

}  // namespace ssooidc
