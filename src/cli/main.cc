// `ssooidc`: the command-line client of libssooidc.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/api_commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/portal_commands.h"
#include "cli/sso_commands.h"

namespace ssooidc::cli {
namespace {

int run(int argc, char** argv) {
  CLI::App app{"ssooidc: a client for the AWS SSO OIDC and SSO portal APIs and ssooidc-server",
               "ssooidc"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command, as with `aws`
  app.set_version_flag("--version", "ssooidc 0.1.0");
  GlobalOptions global;
  global.add_to(app);
  std::vector<std::pair<CLI::App*, CommandRunner>> runners;
  add_api_commands(app, global, runners);
  add_sso_commands(app, global, runners);
  add_portal_commands(app, global, runners);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (const auto& [sub, runner] : runners) {
    if (sub->parsed()) return runner();
  }
  return kExitUsage;
}

}  // namespace
}  // namespace ssooidc::cli

int main(int argc, char** argv) {
  try {
    return ssooidc::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssooidc: %s\n", e.what());
    return ssooidc::cli::kExitOtherError;
  }
}
