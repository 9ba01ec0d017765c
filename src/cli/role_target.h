// Which role `ssooidc credentials` means: --account-id / --role-name / --sso-session (or
// --start-url) on the command line first, then the profile's `sso_account_id`, `sso_role_name`
// and its `sso_session` (or legacy `sso_start_url` / `sso_region`), as botocore's SSOProvider
// reads a profile.
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <string>

#include "cli/sso_target.h"
#include "ssooidc/shared_config.h"
#include "ssooidc/sso_cache.h"

namespace ssooidc::cli {

struct RoleFlags {
  std::string account_id;  // --account-id
  std::string role_name;   // --role-name
  SsoFlags sso;            // --sso-session, --start-url, --region
};

struct RoleTarget {
  std::string account_id;
  std::string role_name;
  SsoTarget sso;  // with start URL and region: the credentials may need a login

  // The name of these credentials in ~/.aws/cli/cache (botocore's key).
  [[nodiscard]] RoleCredentialsKey cache_key() const {
    return {account_id, role_name, sso.session, sso.start_url};
  }
};

// Fails with a message naming what is missing and where it may be set.
[[nodiscard]] std::expected<RoleTarget, Error> resolve_role_target(
    const SharedConfig& config, const std::string& profile, const RoleFlags& flags);

}  // namespace ssooidc::cli
