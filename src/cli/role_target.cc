#include "cli/role_target.h"

#include "cli/output.h"
namespace ssooidc::cli {

std::expected<RoleTarget, Error> resolve_role_target(const SharedConfig& config,
                                                     const std::string& profile,
                                                     const RoleFlags& flags) {
  RoleTarget t;
  t.account_id = flags.account_id;
  t.role_name = flags.role_name;
  if (t.account_id.empty())
    t.account_id = config.profile_value(profile, "sso_account_id").value_or("");
  if (t.role_name.empty())
    t.role_name = config.profile_value(profile, "sso_role_name").value_or("");
  auto missing = [&](const char* flag, const char* key) {
    return std::string("No ") + key + " for the credentials: pass " + flag + " or set " + key +
           " in profile \"" + profile + "\"";
  };
  if (t.account_id.empty())
    return std::unexpected(configuration_error(missing("--account-id", "sso_account_id")));
  if (t.role_name.empty())
    return std::unexpected(configuration_error(missing("--role-name", "sso_role_name")));

  // The SSO login of the profile, unless the command line names one.
  auto sso = resolve_sso_target(config, profile, flags.sso, /*for_login=*/true);
  if (!sso) return std::unexpected(sso.error());
  t.sso = std::move(*sso);
  return t;
}

}  // namespace ssooidc::cli
