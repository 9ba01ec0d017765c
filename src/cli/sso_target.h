// Which SSO login the `login`, `token` and `logout` commands mean: the flags first, then the
// `[sso-session NAME]` section, then the current profile's `sso_session` or legacy
// `sso_start_url` / `sso_region`, as `aws sso login` reads them; and which flow logs in.
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "ssooidc/shared_config.h"
#include "ssooidc/error.h"

namespace ssooidc::cli {

struct SsoFlags {
  std::string start_url;            // --start-url
  std::string region;               // --region
  std::string session;              // --sso-session
  std::vector<std::string> scopes;  // --scopes
};

struct SsoTarget {
  std::string start_url;
  std::string region;  // may be empty when `require_region` is false
  std::optional<std::string> session;
  std::optional<std::vector<std::string>> scopes;  // registration scopes
};

// The default registration scope of an sso-session (`aws configure sso` writes the same).
inline constexpr const char* kDefaultSsoScope = "sso:account:access";

// `profile` is the current profile (--profile, AWS_PROFILE or "default"). `for_login` requires a
// start URL and a region; otherwise (token, logout) an sso-session name alone is enough, since
// the cache key is sha1(session name). Fails with a message naming what is missing.
[[nodiscard]] std::expected<SsoTarget, Error> resolve_sso_target(
    const SharedConfig& config, const std::string& profile, const SsoFlags& flags,
    bool for_login);

enum class LoginFlow {
  kDeviceCode,         // RFC 8628: a code typed or confirmed on any device
  kAuthorizationCode,  // PKCE with a loopback redirect: the browser must run on this computer
};

// AWS CLI >= 2.22 (reference 6.2): PKCE for an sso-session unless --use-device-code; a legacy
// profile (no session) always uses the device flow.
[[nodiscard]] LoginFlow login_flow_for(const SsoTarget& target, bool use_device_code);

// "a, b,c" -> {"a", "b", "c"} (the format of `sso_registration_scopes`).
[[nodiscard]] std::vector<std::string> split_scopes(const std::string& text);

}  // namespace ssooidc::cli
