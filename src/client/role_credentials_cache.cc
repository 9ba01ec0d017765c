#include "client/role_credentials_cache.h"

#include "client/json.h"
#include "client/sso_cache.h"
#include "crypto/crypto.h"

namespace ssooidc::client {

std::string role_credentials_key_material(const RoleCredentialsKey& key) {
  // Members in sort_keys order: accountId < roleName < sessionName / startUrl.
  json::Object o;
  o.emplace_back("accountId", json::Value(key.account_id));
  o.emplace_back("roleName", json::Value(key.role_name));
  if (key.session_name && !key.session_name->empty()) {
    o.emplace_back("sessionName", json::Value(*key.session_name));
  } else {
    o.emplace_back("startUrl", json::Value(key.start_url));
  }
  return json::serialize(json::Value(std::move(o)), json::Style::kPythonCompact);
}

std::string serialize_role_credentials(const CachedRoleCredentials& c) {
  json::Object credentials;
  credentials.emplace_back("AccessKeyId", json::Value(c.access_key_id));
  credentials.emplace_back("SecretAccessKey", json::Value(c.secret_access_key));
  credentials.emplace_back("SessionToken", json::Value(c.session_token));
  credentials.emplace_back("Expiration", json::Value(format_cache_time(c.expiration)));
  if (c.account_id) credentials.emplace_back("AccountId", json::Value(*c.account_id));
  json::Object o;
  o.emplace_back("ProviderType", json::Value("sso"));
  o.emplace_back("Credentials", json::Value(std::move(credentials)));
  return json::serialize(json::Value(std::move(o)), json::Style::kPython);
}

std::expected<CachedRoleCredentials, Error> parse_role_credentials(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return std::unexpected(file_error("not JSON: " + doc.error().error_description));
  const json::Value* credentials = doc->find("Credentials");
  if (credentials == nullptr || !credentials->is_object()) {
    return std::unexpected(file_error("no Credentials object"));
  }
  CachedRoleCredentials c;
  auto akid = credentials->string_member("AccessKeyId");
  auto secret = credentials->string_member("SecretAccessKey");
  auto session = credentials->string_member("SessionToken");
  auto expiration = credentials->string_member("Expiration");
  if (!akid || !secret || !session || !expiration) {
    return std::unexpected(
        file_error("Credentials needs AccessKeyId, SecretAccessKey, SessionToken and Expiration"));
  }
  auto expires = parse_cache_time(*expiration);
  if (!expires)
    return std::unexpected(file_error("Expiration \"" + *expiration + "\" is not a date"));
  c.access_key_id = std::move(*akid);
  c.secret_access_key = std::move(*secret);
  c.session_token = std::move(*session);
  c.expiration = *expires;
  c.account_id = credentials->string_member("AccountId");
  return c;
}

std::string RoleCredentialsCache::default_dir(const Env& env) {
  auto home = env.home_dir();
  return home ? join_path(*home, ".aws/cli/cache") : std::string();
}

std::string RoleCredentialsCache::path_for(std::string_view key) const {
  return join_path(dir_, std::string(key) + ".json");
}

std::expected<std::optional<CachedRoleCredentials>, Error> RoleCredentialsCache::load(
    std::string_view key) const {
  const std::string path = path_for(key);
  auto text = env_.read_file(path);
  if (!text) {
    if (is_file_not_found(text.error())) return std::optional<CachedRoleCredentials>();
    return std::unexpected(std::move(text.error()));
  }
  auto credentials = parse_role_credentials(*text);
  if (!credentials)
    return std::unexpected(
        file_error("cannot use " + path + ": " + credentials.error().error_description));
  return std::optional<CachedRoleCredentials>(std::move(*credentials));
}

std::expected<void, Error> RoleCredentialsCache::save(std::string_view key,
                                                      const CachedRoleCredentials& credentials) {
  return env_.write_file_private(path_for(key), serialize_role_credentials(credentials));
}

std::expected<int, Error> RoleCredentialsCache::remove_sso_credentials() {
  int removed = 0;
  for (const auto& name : env_.list_files(dir_)) {
    const std::string path = join_path(dir_, name);
    auto text = env_.read_file(path);
    if (!text) continue;
    auto doc = json::parse(*text);
    if (!doc || doc->string_member("ProviderType") != "sso") continue;
    if (auto r = env_.remove_file(path); !r) return std::unexpected(r.error());
    ++removed;
  }
  return removed;
}

}  // namespace ssooidc::client
