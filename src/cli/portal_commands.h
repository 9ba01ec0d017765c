// `ssooidc accounts | roles | credentials`: the SSO portal API with the cached SSO token.
//
//   accounts                  ListAccounts, every page: {"accountList": [...]}
//   roles --account-id A      ListAccountRoles, every page: {"roleList": [...]}
//   credentials               GetRoleCredentials for --profile P's sso_account_id /
//                             sso_role_name (or --account-id / --role-name), printed for
//                             `credential_process` (default) or as shell exports
//                             (--format env), cached in ~/.aws/cli/cache as the AWS CLI does.
//
// Each takes its SSO login from --sso-session / --start-url or the profile, uses the cached token
// (refreshed when it has less than 15 minutes left) and logs in when there is none, it has
// expired or the portal refuses it; login prompts go to stderr, so that stdout carries only the
// result. --no-login makes those cases errors instead.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_commands.h"
#include "cli/options.h"

namespace ssooidc::cli {

void add_portal_commands(CLI::App& app, const GlobalOptions& global,
                         std::vector<std::pair<CLI::App*, CommandRunner>>& runners);

}  // namespace ssooidc::cli
