#include "cli/portal_commands.h"

#include <cstdio>
#include <memory>

#include "cli/credential_output.h"
#include "cli/output.h"
#include "cli/role_target.h"
#include "cli/sso_commands.h"
#include "client/json.h"
#include "client/resolve.h"
#include "client/role_credentials.h"
#include "client/sso_cache.h"
#include "ssooidc/portal_client.h"

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
std::expected<std::string, Error> access_token(const GlobalOptions& global, CommandContext& ctx,
                                               const SsoTarget& target, const PortalFlags& flags,
                                               bool after_unauthorized) {
  if (!after_unauthorized) {
    client::SsoCache cache(ctx.env, client::SsoCache::default_dir(ctx.env));
    client::ClientFactory clients = [&](const std::string& token_region) {
      Config config = global.to_config();
      config.region = global.region.empty() ? token_region : global.region;
      return Client::create(config);
    };
    core::SystemClock clock;
    auto token = client::load_or_refresh_token(
        cache, client::TokenRequest{target.session, target.start_url, target.region, false},
        clients, clock);
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
  auto login = log_in(global, ctx.env, target, flags.login, stderr);
  if (!login) return std::unexpected(std::move(login.error()));
  return std::move(login->token.access_token);
}

// Runs `call(token)`, and once more with a new login when the portal says UnauthorizedException.
template <typename Call>
auto with_token(const GlobalOptions& global, CommandContext& ctx, const SsoTarget& target,
                const PortalFlags& flags, Call call) -> decltype(call(std::string())) {
  auto token = access_token(global, ctx, target, flags, false);
  if (!token) return std::unexpected(std::move(token.error()));
  auto result = call(*token);
  if (result || result.error().type != ErrorType::kUnauthorized) return result;
  token = access_token(global, ctx, target, flags, true);
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

void print_json(const client::json::Value& value) {
  std::printf("%s\n", client::json::serialize(value, client::json::Style::kPretty).c_str());
}

void add_if(client::json::Object& o, const char* key, const std::optional<std::string>& v) {
  if (v) o.emplace_back(key, client::json::Value(*v));
}

std::expected<SsoTarget, Error> sso_target_of(const CommandContext& ctx,
                                                    const GlobalOptions& global,
                                                    const PortalFlags& flags) {
  SsoFlags sso = flags.role.sso;
  sso.region = global.region;
  return resolve_sso_target(ctx.config, ctx.profile, sso, /*for_login=*/true);
}

int run_accounts(const GlobalOptions& global, const PortalFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  auto target = sso_target_of(*ctx, global, flags);
  if (!target) return fail(target.error());
  auto portal = portal_for(global, target->region);
  if (!portal) return report_error(portal.error(), "ListAccounts");
  auto accounts = with_token(global, *ctx, *target, flags, [&](const std::string& token) {
    return portal->list_all_accounts(token, page_size(flags));
  });
  if (!accounts) return report_error(accounts.error(), "ListAccounts");
  client::json::Array list;
  for (const auto& a : *accounts) {
    client::json::Object o;
    add_if(o, "accountId", a.accountId);
    add_if(o, "accountName", a.accountName);
    add_if(o, "emailAddress", a.emailAddress);
    list.emplace_back(std::move(o));
  }
  client::json::Object out;
  out.emplace_back("accountList", client::json::Value(std::move(list)));
  print_json(std::move(out));
  return kExitOk;
}

int run_roles(const GlobalOptions& global, const PortalFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  auto target = sso_target_of(*ctx, global, flags);
  if (!target) return fail(target.error());
  auto portal = portal_for(global, target->region);
  if (!portal) return report_error(portal.error(), "ListAccountRoles");
  auto roles = with_token(global, *ctx, *target, flags, [&](const std::string& token) {
    return portal->list_all_account_roles(token, flags.role.account_id, page_size(flags));
  });
  if (!roles) return report_error(roles.error(), "ListAccountRoles");
  client::json::Array list;
  for (const auto& r : *roles) {
    client::json::Object o;
    add_if(o, "roleName", r.roleName);
    add_if(o, "accountId", r.accountId);
    list.emplace_back(std::move(o));
  }
  client::json::Object out;
  out.emplace_back("roleList", client::json::Value(std::move(list)));
  print_json(std::move(out));
  return kExitOk;
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

  client::RoleCredentialsCache cache(ctx->env, client::RoleCredentialsCache::default_dir(ctx->env));
  core::SystemClock clock;
  auto result = client::fetch_role_credentials(
      *portal, cache, client::RoleCredentialsRequest{target->cache_key(), flags.force_refresh},
      [&](bool after_unauthorized) {
        return access_token(global, *ctx, target->sso, flags, after_unauthorized);
      },
      clock);
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
    auto f = std::make_shared<PortalFlags>();
    CLI::App* sub = app.add_subcommand(
        "accounts", "List the AWS accounts of the SSO user (ListAccounts, every page)");
    add_common_flags(sub, *f);
    sub->add_option("--page-size", f->page_size, "maxResults of each page (1 to 100)")
        ->check(CLI::Range(1, 100));
    runners.emplace_back(sub, [f, &global] { return run_accounts(global, *f); });
  }
  {
    auto f = std::make_shared<PortalFlags>();
    CLI::App* sub = app.add_subcommand(
        "roles", "List the SSO user's roles in an account (ListAccountRoles, every page)");
    sub->add_option("--account-id", f->role.account_id, "The AWS account id")->required();
    add_common_flags(sub, *f);
    sub->add_option("--page-size", f->page_size, "maxResults of each page (1 to 100)")
        ->check(CLI::Range(1, 100));
    runners.emplace_back(sub, [f, &global] { return run_roles(global, *f); });
  }
  {
    auto f = std::make_shared<PortalFlags>();
    CLI::App* sub = app.add_subcommand(
        "credentials",
        "Print AWS credentials of an SSO role for credential_process (GetRoleCredentials, "
        "cached in ~/.aws/cli/cache like the AWS CLI), logging in when needed; e.g. "
        "`credential_process = ssooidc credentials --profile dev` in ~/.aws/config");
    sub->add_option("--account-id", f->role.account_id,
                    "The AWS account id (default: the profile's sso_account_id)");
    sub->add_option("--role-name", f->role.role_name,
                    "The role name (default: the profile's sso_role_name)");
    add_common_flags(sub, *f);
    sub->add_option("--format", f->format,
                    "process: credential_process JSON (default); env: shell exports")
        ->check(CLI::IsMember({"process", "env"}));
    sub->add_flag("--force-refresh", f->force_refresh,
                  "Get new credentials even when the cached ones are still valid");
    runners.emplace_back(sub, [f, &global] { return run_credentials(global, *f); });
  }
}

}  // namespace ssooidc::cli
