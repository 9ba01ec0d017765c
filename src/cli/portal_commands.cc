#include "cli/portal_commands.h"

#include <cstdio>
#include <memory>

#include "cli/credential_output.h"
#include "cli/output.h"
#include "cli/role_target.h"
#include "cli/sso_commands.h"
#include "ssooidc/json.h"
#include "ssooidc/portal_client.h"
#include "ssooidc/sso_cache.h"
#include "ssooidc/sso_login.h"

namespace ssooidc::cli {
namespace {

struct PortalFlags {
  RoleFlags role;  // --account-id, --role-name (credentials), --sso-session, --start-url
  LoginOptions login;
  bool no_login = false;
  int page_size = 0;  // 0: the service's default
  std::string format = "process";
  bool force_refresh = false;
};

// The SSO access token for `target`: the cached one (refreshed when it has less than 15 minutes
// left), else (or when the portal refused it) a new login with its prompts on stderr.
std::expected<std::string, Error> access_token(const GlobalOptions& global, const SsoTarget& target,
                                               const PortalFlags& flags, bool after_unauthorized) {
  if (!after_unauthorized) {
    auto token = load_or_refresh_sso_token(
        default_sso_cache_dir(),
        SsoTokenRequest{target.session, target.start_url, target.region, false},
        refresh_clients(global));
    if (token) {
      if (token->refresh_error) {
        std::fprintf(stderr, "ssooidc: warning: refreshing the SSO token failed (%s)\n",
                     describe_error(*token->refresh_error, "CreateToken").c_str());
      }
      return std::move(token->token.access_token);
    }
    if (flags.no_login) return std::unexpected(std::move(token.error()));
    std::fprintf(
        stderr, "%s\nssooidc: logging in\n",
        describe_error(token.error(), token.error().http_status ? "CreateToken" : "").c_str());
  } else {
    if (flags.no_login) {
      return std::unexpected(Error::make(
          ErrorType::kUnauthorized,
          "The SSO portal refused the cached SSO token (it was revoked or logged out); run "
          "`ssooidc login`"));
    }
    std::fprintf(stderr, "ssooidc: the SSO portal refused the cached SSO token; logging in\n");
  }
  auto login = log_in(global, target, flags.login, stderr);
  if (!login) return std::unexpected(std::move(login.error()));
  return std::move(login->token.access_token);
}

// Runs `call(token)`, and once more with a new login when the portal says UnauthorizedException.
template <typename Call>
auto with_token(const GlobalOptions& global, const SsoTarget& target, const PortalFlags& flags,
                Call call) -> decltype(call(std::string())) {
  auto token = access_token(global, target, flags, false);
  if (!token) return std::unexpected(std::move(token.error()));
  auto result = call(*token);
  if (result || result.error().type != ErrorType::kUnauthorized) return result;
  token = access_token(global, target, flags, true);
  if (!token) return std::unexpected(std::move(token.error()));
  return call(*token);
}

std::expected<PortalClient, Error> portal_for(const GlobalOptions& global,
                                              const std::string& sso_region) {
  Config config = global.to_portal_config();
  config.region = sso_region;  // the portal lives in the SSO region, as in botocore
  return PortalClient::create(config);
}

std::optional<std::int32_t> page_size(const PortalFlags& flags) {
  if (flags.page_size == 0) return std::nullopt;
  return flags.page_size;
}

void print_json(const json::Value& value) {
  std::printf("%s\n", json::serialize(value, json::Style::kPretty).c_str());
}

void add_if(json::Object& o, const char* key, const std::optional<std::string>& v) {
  if (v) o.emplace_back(key, json::Value(*v));
}

std::expected<SsoTarget, Error> sso_target_of(const CommandContext& ctx,
                                              const GlobalOptions& global,
                                              const PortalFlags& flags) {
  SsoFlags sso = flags.role.sso;
  sso.region = global.region;
  return resolve_sso_target(ctx.config, ctx.profile, sso, /*for_login=*/true);
}

// ListAccounts and ListAccountRoles: every page of `list(portal, token)`, printed as
// {"<key>": [the members of each item that are present]}.
template <typename List, typename ToObject>
int run_listing(const GlobalOptions& global, const PortalFlags& flags, const char* operation,
                const char* key, List list, ToObject to_object) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  auto target = sso_target_of(*ctx, global, flags);
  if (!target) return fail(target.error());
  auto portal = portal_for(global, target->region);
  if (!portal) return report_error(portal.error(), operation);
  auto items = with_token(global, *target, flags,
                          [&](const std::string& token) { return list(*portal, token); });
  if (!items) return report_error(items.error(), operation);
  json::Array array;
  for (const auto& item : *items) array.emplace_back(to_object(item));
  json::Object out;
  out.emplace_back(key, json::Value(std::move(array)));
  print_json(std::move(out));
  return kExitOk;
}

int run_accounts(const GlobalOptions& global, const PortalFlags& flags) {
  return run_listing(
      global, flags, "ListAccounts", "accountList",
      [&](PortalClient& portal, const std::string& token) {
        return portal.list_all_accounts(token, page_size(flags));
      },
      [](const auto& a) {
        json::Object o;
        add_if(o, "accountId", a.accountId);
        add_if(o, "accountName", a.accountName);
        add_if(o, "emailAddress", a.emailAddress);
        return o;
      });
}

int run_roles(const GlobalOptions& global, const PortalFlags& flags) {
  return run_listing(
      global, flags, "ListAccountRoles", "roleList",
      [&](PortalClient& portal, const std::string& token) {
        return portal.list_all_account_roles(token, flags.role.account_id, page_size(flags));
      },
      [](const auto& r) {
        json::Object o;
        add_if(o, "roleName", r.roleName);
        add_if(o, "accountId", r.accountId);
        return o;
      });
}

int run_credentials(const GlobalOptions& global, const PortalFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  RoleFlags role = flags.role;
  role.sso.region = global.region;
  auto target = resolve_role_target(ctx->config, ctx->profile, role);
  if (!target) return fail(target.error());
  auto portal = portal_for(global, target->sso.region);
  if (!portal) return report_error(portal.error(), "GetRoleCredentials");

  auto result =
      fetch_role_credentials(*portal, default_role_credentials_cache_dir(),
                             RoleCredentialsRequest{target->cache_key(), flags.force_refresh},
                             [&](bool after_unauthorized) {
                               return access_token(global, target->sso, flags, after_unauthorized);
                             });
  if (!result) {
    return report_error(result.error(), result.error().http_status ? "GetRoleCredentials" : "");
  }
  if (result->cache_error) {
    std::fprintf(stderr, "ssooidc: warning: %s\n", result->cache_error->error_description.c_str());
  }
  const std::string text = flags.format == "env" ? credential_env_exports(result->credentials)
                                                 : credential_process_json(result->credentials);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

void add_common_flags(CLI::App* sub, PortalFlags& f) {
  sub->add_option("--sso-session", f.role.sso.session,
                  "Name of the sso-session (default: the profile's sso_session)");
  sub->add_option("--start-url", f.role.sso.start_url,
                  "AWS access portal URL of a legacy login (default: the profile's)");
  sub->add_flag("--no-login", f.no_login,
                "Fail instead of logging in when there is no usable SSO token");
  add_login_flags(sub, f.login);
}

}  // namespace

void add_portal_commands(CLI::App& app, const GlobalOptions& global,
                         std::vector<std::pair<CLI::App*, CommandRunner>>& runners) {
  {
    auto [sub, f] = add_command<PortalFlags>(
        app, global, runners, "accounts",
        "List the AWS accounts of the SSO user (ListAccounts, every page)", run_accounts);
    add_common_flags(sub, f);
    sub->add_option("--page-size", f.page_size, "maxResults of each page (1 to 100)")
        ->check(CLI::Range(1, 100));
  }
  {
    auto [sub, f] = add_command<PortalFlags>(
        app, global, runners, "roles",
        "List the SSO user's roles in an account (ListAccountRoles, every page)", run_roles);
    sub->add_option("--account-id", f.role.account_id, "The AWS account id")->required();
    add_common_flags(sub, f);
    sub->add_option("--page-size", f.page_size, "maxResults of each page (1 to 100)")
        ->check(CLI::Range(1, 100));
  }
  {
    auto [sub, f] = add_command<PortalFlags>(
        app, global, runners, "credentials",
        "Print AWS credentials of an SSO role for credential_process (GetRoleCredentials, "
        "cached in ~/.aws/cli/cache like the AWS CLI), logging in when needed; e.g. "
        "`credential_process = ssooidc credentials --profile dev` in ~/.aws/config",
        run_credentials);
    sub->add_option("--account-id", f.role.account_id,
                    "The AWS account id (default: the profile's sso_account_id)");
    sub->add_option("--role-name", f.role.role_name,
                    "The role name (default: the profile's sso_role_name)");
    add_common_flags(sub, f);
    sub->add_option("--format", f.format,
                    "process: credential_process JSON (default); env: shell exports")
        ->check(CLI::IsMember({"process", "env"}));
    sub->add_flag("--force-refresh", f.force_refresh,
                  "Get new credentials even when the cached ones are still valid");
  }
}

}  // namespace ssooidc::cli
