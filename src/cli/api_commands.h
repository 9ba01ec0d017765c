// `ssooidc register-client | start-device-authorization | create-token | create-token-with-iam`:
// one command per operation, flags named like `aws sso-oidc`, the response as JSON on stdout.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/options.h"

namespace ssooidc::cli {

// Adds the four subcommands to `app`. When one of them was parsed, the returned function runs it
// and returns the exit code.
using CommandRunner = std::function<int()>;
using CommandRunners = std::vector<std::pair<CLI::App*, CommandRunner>>;

// A subcommand and the flags its options are bound to.
template <typename Flags>
struct Command {
  CLI::App* sub;
  Flags& flags;  // owned by the runner, so it lives as long as the runner list
};

// The one way a command is added: subcommand `name` of `app` with a Flags of its own, run as
// `run(global, flags)` when it was parsed. The caller binds the options to `flags`.
template <typename Flags, typename Run>
Command<Flags> add_command(CLI::App& app, const GlobalOptions& global, CommandRunners& runners,
                           std::string name, std::string help, Run run) {
  auto flags = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand(std::move(name), std::move(help));
  runners.emplace_back(sub, [flags, run, &global] { return run(global, *flags); });
  return {sub, *flags};
}
void add_api_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners);

}  // namespace ssooidc::cli
