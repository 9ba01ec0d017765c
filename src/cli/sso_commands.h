// `ssooidc login | token | sessions | logout`: the SSO login (PKCE for an sso-session, else the
// device flow) and the token cache shared with the AWS CLI and SDKs (~/.aws/sso/cache).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/api_commands.h"
#include "cli/options.h"

namespace ssooidc::cli {

void add_sso_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners);

}  // namespace ssooidc::cli
