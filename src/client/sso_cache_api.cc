// The public cache functions (ssooidc/sso_cache.h): SsoCache and RoleCredentialsCache over the
// process environment.
#include "client/client_internal.h"
#include "client/role_credentials_cache.h"
#include "client/sso_cache.h"
#include "core/time_format.h"
#include "crypto/crypto.h"

namespace ssooidc {

std::string default_sso_cache_dir() { return client::SsoCache::default_dir(client::default_env()); }

std::string default_role_credentials_cache_dir() {
  return client::RoleCredentialsCache::default_dir(client::default_env());
}

std::string sso_token_cache_key(const std::optional<std::string>& session_name,
                                std::string_view start_url) {
  return client::token_cache_key(session_name, start_url);
}

std::string role_credentials_cache_key(const RoleCredentialsKey& key) {
  // botocore then replaces ':' and '/' by '_' (_make_file_safe); a hex digest has neither.
  return crypto::sha1_hex(client::role_credentials_key_material(key));
}

std::string format_cache_time(std::int64_t epoch_seconds) {
  return core::format_iso8601_utc(epoch_seconds);
}

std::expected<std::optional<SsoToken>, Error> read_sso_token(const std::string& dir,
                                                             std::string_view key) {
  return client::SsoCache(client::default_env(), dir).load_token(key);
}

std::expected<void, Error> write_sso_token(const std::string& dir, std::string_view key,
                                           const SsoToken& token) {
  return client::SsoCache(client::default_env(), dir).save_token(key, token);
}

std::vector<SsoTokenCacheEntry> list_sso_tokens(const std::string& dir) {
  const client::SsoCache cache(client::default_env(), dir);
  std::vector<SsoTokenCacheEntry> out;
  for (auto& entry : cache.list_tokens()) {
    std::string path = cache.path_for(entry.key);
    out.push_back({std::move(entry.key), std::move(path), std::move(entry.token)});
  }
  return out;
}

std::expected<void, Error> remove_sso_token(const std::string& dir, std::string_view key) {
  return client::SsoCache(client::default_env(), dir).remove(key);
}

std::expected<std::optional<CachedRoleCredentials>, Error> read_role_credentials(
    const std::string& dir, std::string_view key) {
  return client::RoleCredentialsCache(client::default_env(), dir).load(key);
}

std::expected<void, Error> write_role_credentials(const std::string& dir, std::string_view key,
                                                  const CachedRoleCredentials& credentials) {
  return client::RoleCredentialsCache(client::default_env(), dir).save(key, credentials);
}

bool role_credentials_fresh(const CachedRoleCredentials& credentials, std::int64_t now) noexcept {
  return credentials.expiration - now >= kRoleCredentialsExpiryWindowSeconds;
}

std::expected<int, Error> remove_sso_role_credentials(const std::string& dir) {
  return client::RoleCredentialsCache(client::default_env(), dir).remove_sso_credentials();
}

}  // namespace ssooidc
