// The SSO token and client-registration cache shared with the AWS CLI and SDKs
// (`~/.aws/sso/cache`, reference section 6.6): the Env-based view that the public functions of
// ssooidc/sso_cache.h and the logins use, and the registration files, which are not public.
//
// Files are written exactly as botocore writes them: `<sha1 key>.json`, mode 0600, Python
// `json.dumps` separators (", " and ": "), members in botocore's order and dates as
// `%Y-%m-%dT%H:%M:%SZ`. Reading also accepts the JavaScript SDK's pretty JSON with millisecond
// dates and ignores unknown members.
//
// Thread safety: an SsoCache is a thin view over an Env; writes are atomic (temp file + rename)
// so concurrent readers never see a partial file, but concurrent writers race (last one wins),
// as with the AWS CLI.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/env.h"
#include "ssooidc/sso_cache.h"

namespace ssooidc::client {

// The public names of the token file (ssooidc/sso_cache.h), used here as they are.
using ::ssooidc::format_cache_time;
using ::ssooidc::SsoToken;
// Accepts `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds and a `Z`, `+HH:MM`, `-HH:MM`
// or `+0000` zone (none means UTC); nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_cache_time(std::string_view text);

struct SsoRegistration {
  std::string client_id;
  std::string client_secret;
  std::int64_t expires_at = 0;  // clientSecretExpiresAt
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<std::string>> grant_types;
};

// Token file key: sha1(session name) for an sso-session, else sha1(start URL).
[[nodiscard]] std::string token_cache_key(const std::optional<std::string>& session_name,
                                          std::string_view start_url);
// The string botocore hashes for the registration key: json.dumps({"tool": "botocore",
// "startUrl", "region", "scopes", "session_name"}, sort_keys=True).
[[nodiscard]] std::string registration_key_material(
    std::string_view start_url, std::string_view region,
    const std::optional<std::vector<std::string>>& scopes,
    const std::optional<std::string>& session_name);
[[nodiscard]] std::string registration_cache_key(
    std::string_view start_url, std::string_view region,
    const std::optional<std::vector<std::string>>& scopes,
    const std::optional<std::string>& session_name);

[[nodiscard]] std::string serialize_token(const SsoToken& token);
// Requires `accessToken` and a parsable `expiresAt`; the other members are optional. Every error
// of this file (parsing, reading, writing, removing) is ErrorType::kConfiguration (file_error in
// env.h) whose description says what is wrong and, for the SsoCache methods, names the path.
[[nodiscard]] std::expected<SsoToken, Error> parse_token(std::string_view text);
[[nodiscard]] std::string serialize_registration(const SsoRegistration& registration);
// Requires `clientId`, `clientSecret` and a parsable `expiresAt`.
[[nodiscard]] std::expected<SsoRegistration, Error> parse_registration(std::string_view text);

class SsoCache {
 public:
  // `dir` is the cache directory; see default_dir().
  SsoCache(Env& env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  // <home>/.aws/sso/cache (botocore expands "~" at import time the same way); empty when no
  // home directory is known.
  [[nodiscard]] static std::string default_dir(const Env& env);

  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }
  [[nodiscard]] std::string path_for(std::string_view key) const;

  // nullopt when there is no such file; an error when it exists but cannot be read or parsed
  // ("cannot use <path>: ..."). save_* and remove fail with the Env's write or remove error.
  [[nodiscard]] std::expected<std::optional<SsoToken>, Error> load_token(
      std::string_view key) const;
  [[nodiscard]] std::expected<void, Error> save_token(std::string_view key, const SsoToken& token);
  [[nodiscard]] std::expected<std::optional<SsoRegistration>, Error> load_registration(
      std::string_view key) const;
  [[nodiscard]] std::expected<void, Error> save_registration(std::string_view key,
                                                             const SsoRegistration& registration);

  struct Entry {
    std::string key;  // file name without ".json"
    SsoToken token;
  };
  // Every cache file that holds an access token (registration files and unreadable files are
  // skipped), sorted by key.
  [[nodiscard]] std::vector<Entry> list_tokens() const;
  [[nodiscard]] std::expected<void, Error> remove(std::string_view key);

 private:
  Env& env_;
  std::string dir_;
};

}  // namespace ssooidc::client
