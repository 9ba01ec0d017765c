// `ssooidc register-client | start-device-authorization | create-token | create-token-with-iam`:
// one command per operation, flags named like `aws sso-oidc`, the response as JSON on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/options.h"

namespace ssooidc::cli {

// Adds the four subcommands to `app`. When one of them was parsed, the returned function runs it
// and returns the exit code.
using CommandRunner = std::function<int()>;
void add_api_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners);

}  // namespace ssooidc::cli
