// The AWS CLI's cache of SSO role credentials (`~/.aws/cli/cache`), shared with the AWS CLI and
// any botocore session that uses a JSONFileCache there, so that one GetRoleCredentials answer
// serves every tool until it is about to expire.
//
// As botocore's SSOCredentialFetcher (credentials.py) does it:
//   key       sha1 hex of json.dumps({"accountId", "roleName", and "sessionName" for a profile
//             with an sso-session, else "startUrl"}, sort_keys=True, separators=(",", ":"));
//   file      <dir>/<key>.json, Python json.dumps defaults:
//             {"ProviderType": "sso", "Credentials": {"AccessKeyId": ..., "SecretAccessKey": ...,
//              "SessionToken": ..., "Expiration": "2026-12-01T10:00:00Z", "AccountId": ...}}
//             (`Expiration` is the service's epoch milliseconds truncated to seconds, UTC);
//   reuse     while more than 15 minutes are left (CachedCredentialFetcher's expiry window).
// Written atomically with mode 0600 through the Env (botocore writes the same way, tmp + rename).
//
// Thread safety: a thin view over an Env, like SsoCache; concurrent writers race (last one wins)
// as with the AWS CLI.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "client/env.h"
#include "ssooidc/sso_cache.h"

namespace ssooidc::client {

// The public names of the cache file (ssooidc/sso_cache.h), used here as they are.
using ::ssooidc::CachedRoleCredentials;
using ::ssooidc::kRoleCredentialsExpiryWindowSeconds;
using ::ssooidc::role_credentials_cache_key;
using ::ssooidc::role_credentials_fresh;
using ::ssooidc::RoleCredentialsKey;

// The JSON that botocore hashes (for tests and diagnostics) and the key itself.
[[nodiscard]] std::string role_credentials_key_material(const RoleCredentialsKey& key);

[[nodiscard]] std::string serialize_role_credentials(const CachedRoleCredentials& credentials);
// Requires `Credentials` with AccessKeyId, SecretAccessKey, SessionToken and a parsable
// Expiration (any form parse_cache_time accepts). `ProviderType` is not checked: botocore reads
// the file named by its key whatever it says. Every error of this file is ErrorType::kConfiguration
// (file_error in env.h) whose description says what is wrong.
[[nodiscard]] std::expected<CachedRoleCredentials, Error> parse_role_credentials(
    std::string_view text);

class RoleCredentialsCache {
 public:
  RoleCredentialsCache(Env& env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  // <home>/.aws/cli/cache (the AWS CLI's AWS_CREDS_CACHE_DIR); empty when no home is known.
  [[nodiscard]] static std::string default_dir(const Env& env);

  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }
  [[nodiscard]] std::string path_for(std::string_view key) const;

  // nullopt when there is no such file; an error naming the path when it cannot be read or
  // parsed.
  [[nodiscard]] std::expected<std::optional<CachedRoleCredentials>, Error> load(
      std::string_view key) const;
  [[nodiscard]] std::expected<void, Error> save(std::string_view key,
                                                const CachedRoleCredentials& credentials);

  // Removes every file of the directory whose JSON has "ProviderType": "sso", as `aws sso
  // logout` does (SSOCredentialSweeper); files of other providers (assume-role) and unreadable
  // files stay. Returns how many were removed, or the first removal's error.
  [[nodiscard]] std::expected<int, Error> remove_sso_credentials();

 private:
  Env& env_;
  std::string dir_;
};

}  // namespace ssooidc::client
