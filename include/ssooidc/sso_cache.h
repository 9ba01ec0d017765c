// The SSO login's files, shared with the AWS CLI and SDKs: the token cache (`~/.aws/sso/cache`,
// what `aws sso login` and `ssooidc login` write) and the role credentials cache
// (`~/.aws/cli/cache`, what the AWS CLI's SSO credential provider and `ssooidc credentials`
// write).
//
//   const std::string dir = ssooidc::default_sso_cache_dir();
//   auto token = ssooidc::read_sso_token(dir, ssooidc::sso_token_cache_key("my-sso", ""));
//   if (token && *token) { /* (*token)->access_token, valid until (*token)->expires_at */ }
//
// Files are read and written exactly as botocore does (reference section 6.6): `<sha1 key>.json`,
// mode 0600 in a directory created with mode 0700, written atomically (temporary file, fsync,
// rename), Python `json.dumps` separators and dates as `%Y-%m-%dT%H:%M:%SZ`. Reading also accepts
// the JavaScript SDK's pretty JSON with millisecond dates and ignores unknown members.
//
// Errors: every function that reads, writes or removes a file fails with
// ErrorType::kConfiguration whose `error_description` names the path and the reason ("cannot
// use <path>: no accessToken", "cannot write <path>: <errno text>"). A missing file is not an
// error: the read functions return nullopt.
//
// Thread safety: the functions hold no state and may be called from any thread. Concurrent
// readers never see a partial file; concurrent writers of one file race (the last one wins), as
// with the AWS CLI.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc {

// One cached SSO token: the members of botocore's token file.
struct SsoToken {
  std::string start_url;        // `startUrl`: the AWS access portal URL logged in to
  std::string region;           // `region`: the SSO region (where to refresh and call the portal)
  std::string access_token;     // `accessToken`: the bearer token of the SSO portal; a secret
  std::int64_t expires_at = 0;  // `expiresAt`, epoch seconds
  std::optional<std::string> client_id;      // `clientId` of the registration, for refreshes
  std::optional<std::string> client_secret;  // `clientSecret` of the registration; a secret
  std::optional<std::int64_t> registration_expires_at;  // `registrationExpiresAt`, epoch seconds
  std::optional<std::string> refresh_token;  // `refreshToken`, when one was issued; a secret
};

// One file of the token cache, as list_sso_tokens finds it.
struct SsoTokenCacheEntry {
  std::string key;   // the file name without ".json" (sso_token_cache_key of the login)
  std::string path;  // the file: <dir>/<key>.json
  SsoToken token;    // what the file holds
};

// Role credentials as the AWS CLI caches them (`Credentials` of the cache file).
struct CachedRoleCredentials {
  std::string access_key_id;              // `AccessKeyId`
  std::string secret_access_key;          // `SecretAccessKey`; a secret
  std::string session_token;              // `SessionToken`; a secret
  std::int64_t expiration = 0;            // `Expiration`, epoch seconds
  std::optional<std::string> account_id;  // `AccountId`, when the writer recorded it
};

// What names one role's credentials in the role credentials cache.
struct RoleCredentialsKey {
  std::string account_id;                   // the 12-digit AWS account id
  std::string role_name;                    // the role's name in that account
  std::optional<std::string> session_name;  // set for profiles with an sso-session
  std::string start_url;                    // used only without a session name (legacy)
};

// How long before `expires_at` botocore stops using a cached token (and refreshes it) and a
// cached registration (and registers again): its _EXPIRY_WINDOW and _REFRESH_WINDOW.
inline constexpr std::int64_t kSsoExpiryWindowSeconds = 15 * 60;
// CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS: role credentials with less left are
// fetched again.
inline constexpr std::int64_t kRoleCredentialsExpiryWindowSeconds = 15 * 60;

// <home>/.aws/sso/cache, the home being $HOME, else the password database's entry; empty when
// no home directory is known.
[[nodiscard]] std::string default_sso_cache_dir();
// <home>/.aws/cli/cache (the AWS CLI's AWS_CREDS_CACHE_DIR); empty when no home is known.
[[nodiscard]] std::string default_role_credentials_cache_dir();

// The token file's key: sha1 hex of the session name for an sso-session, else of the start URL
// (a legacy profile).
[[nodiscard]] std::string sso_token_cache_key(const std::optional<std::string>& session_name,
                                              std::string_view start_url);
// botocore's key of a role's credentials: sha1 hex of json.dumps({"accountId", "roleName", and
// "sessionName", else "startUrl"}, sort_keys=True, separators=(",", ":")).
[[nodiscard]] std::string role_credentials_cache_key(const RoleCredentialsKey& key);

// `2025-07-21T06:54:05Z`, the form of every date in the cache files.
[[nodiscard]] std::string format_cache_time(std::int64_t epoch_seconds);

// The token in <dir>/<key>.json; nullopt when there is no such file. Errors (kConfiguration): the
// file cannot be read, is not JSON, or lacks `accessToken` or a parsable `expiresAt`.
[[nodiscard]] std::expected<std::optional<SsoToken>, Error> read_sso_token(
    const std::string& dir, std::string_view key);
// Writes <dir>/<key>.json as botocore does, creating the directory when missing. Errors
// (kConfiguration): a directory or the file cannot be created, written or renamed; the previous
// file is then untouched.
[[nodiscard]] std::expected<void, Error> write_sso_token(const std::string& dir,
                                                         std::string_view key,
                                                         const SsoToken& token);
// Every file of `dir` that holds an access token, sorted by key; registration files and files
// that cannot be read or parsed are skipped. Empty when `dir` does not exist. Never fails.
[[nodiscard]] std::vector<SsoTokenCacheEntry> list_sso_tokens(const std::string& dir);
// Removes <dir>/<key>.json; a missing file is no error. Errors (kConfiguration): unlink failed.
[[nodiscard]] std::expected<void, Error> remove_sso_token(const std::string& dir,
                                                          std::string_view key);

// The credentials in <dir>/<key>.json; nullopt when there is no such file. Errors
// (kConfiguration): the file cannot be read, or lacks `Credentials` with AccessKeyId,
// SecretAccessKey, SessionToken and a parsable Expiration.
[[nodiscard]] std::expected<std::optional<CachedRoleCredentials>, Error> read_role_credentials(
    const std::string& dir, std::string_view key);
// Writes <dir>/<key>.json as botocore's SSO provider does ({"ProviderType": "sso",
// "Credentials": {...}}). Errors as write_sso_token.
[[nodiscard]] std::expected<void, Error> write_role_credentials(
    const std::string& dir, std::string_view key, const CachedRoleCredentials& credentials);
// Whether botocore would still use cached credentials at `now` (epoch seconds): at least
// kRoleCredentialsExpiryWindowSeconds left.
[[nodiscard]] bool role_credentials_fresh(const CachedRoleCredentials& credentials,
                                          std::int64_t now) noexcept;
// Removes every file of `dir` whose JSON has "ProviderType": "sso", as `aws sso logout` does
// (SSOCredentialSweeper); files of other providers (assume-role) and unreadable files stay.
// Returns how many were removed. Errors (kConfiguration): the first removal that failed.
[[nodiscard]] std::expected<int, Error> remove_sso_role_credentials(const std::string& dir);

}  // namespace ssooidc
