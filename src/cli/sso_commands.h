// `ssooidc login | token | sessions | logout`: the SSO login (PKCE for an sso-session, else the
// device flow) and the token cache shared with the AWS CLI and SDKs (~/.aws/sso/cache).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <expected>

#include "cli/api_commands.h"
#include "cli/options.h"
#include "cli/sso_target.h"
#include "ssooidc/shared_config.h"
#include "ssooidc/sso_login.h"

namespace ssooidc::cli {

// The process environment, the shared config file and the current profile (--profile, else
// AWS_PROFILE, else "default"), as the library resolves them.
struct CommandContext {
  SharedConfig config;
  std::string profile;
};

// Fails with the parser's message when the config file cannot be parsed.
[[nodiscard]] std::expected<CommandContext, Error> load_context(const GlobalOptions& global);

// How `ssooidc login` (and the commands that log in when needed) log in.
struct LoginOptions {
  bool no_browser = false;
  bool no_qr = false;
  bool use_device_code = false;
  double login_timeout_seconds = 600;  // botocore AuthCodeFetcher's _OVERALL_TIMEOUT
};

// Adds --use-device-code, --no-browser, --no-qr and --login-timeout to a subcommand.
void add_login_flags(CLI::App* sub, LoginOptions& options);

// Logs in for `target` (which must have a start URL and a region) and writes the token to
// ~/.aws/sso/cache: PKCE in a browser on this computer for an sso-session unless
// `use_device_code`, else the device flow. What the user must do is printed on `out` (stderr
// when stdout carries a command's result). Returns the service's or the login's Error;
// ErrorType::kConfiguration when the redirect listener cannot start or there is no home.
[[nodiscard]] std::expected<SsoLoginResult, Error> log_in(const GlobalOptions& global,
                                                          const SsoTarget& target,
                                                          const LoginOptions& options,
                                                          std::FILE* out);

// The clients a token refresh uses: the global options, in the region the token was issued in
// unless --region says otherwise.
[[nodiscard]] ClientFactory refresh_clients(const GlobalOptions& global);

void add_sso_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners);

}  // namespace ssooidc::cli
