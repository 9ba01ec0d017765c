// ssooidc-server: the AWS SSO OIDC authorization server and its operator commands.
//
//   ssooidc-server serve [--listen HOST:PORT] [--public-url URL] [--database URL] ...
//   ssooidc-server device approve USER-CODE --user NAME
//   ssooidc-server device deny USER-CODE [--user NAME]
//   ssooidc-server user add NAME --password-stdin | user list | user disable NAME | user enable NAME
//
// Every subcommand honours --database and SSOOIDC_DATABASE.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "server/commands.h"

int main(int argc, char** argv) {
  using namespace ssooidc::server;
  CLI::App app{"ssooidc-server: an AWS SSO OIDC (IAM Identity Center OIDC) authorization server"};
  app.require_subcommand(1);

  CommonOptions common;
  auto add_database = [&](CLI::App* cmd) {
    cmd->add_option("--database", common.database,
                    "Storage URL: sqlite:PATH (default sqlite:var/ssooidc.db) or memory:")
        ->envname("SSOOIDC_DATABASE");
  };

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  add_database(serve_cmd);
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->envname("SSOOIDC_LISTEN");
  serve_cmd->add_option("--public-url", serve.public_url,
                        "URL people and clients reach the server at (default http://LISTEN)")
      ->envname("SSOOIDC_PUBLIC_URL");
  serve_cmd->add_option("--device-code-ttl", serve.settings.device_code_ttl_seconds,
                        "Seconds a device code lives (expiresIn)")
      ->check(CLI::Range(10, 86400));
  serve_cmd->add_option("--poll-interval", serve.settings.poll_interval_seconds,
                        "Polling interval in seconds; 0 disables slow_down")
      ->check(CLI::Range(0, 60));
  serve_cmd->add_option("--registration-ttl", serve.settings.registration_ttl_seconds,
                        "Seconds a client registration lives")
      ->check(CLI::Range(60LL, 10LL * 365 * 86400));
  serve_cmd->add_option("--session-ttl", serve.settings.session_ttl_seconds,
                        "Seconds a login can be kept alive by refresh tokens")
      ->check(CLI::Range(900LL, 90LL * 86400));
  serve_cmd->add_option("--authorization-code-ttl", serve.settings.authorization_code_ttl_seconds,
                        "Seconds an authorization code (PKCE flow) lives")
      ->check(CLI::Range(1, 600));
  serve_cmd->add_option("--signing-key-rotation", serve.settings.signing_key_rotation_seconds,
                        "Seconds one ID token signing key signs before a new one takes over")
      ->check(CLI::Range(3600LL, 365LL * 86400));
  serve_cmd->add_option("--retry-grace", serve.settings.retry_grace_seconds,
                        "Seconds within which a retried refresh or device-code redemption gets "
                        "the first response again instead of reuse detection; 0 disables")
      ->check(CLI::Range(0, 30));
  serve_cmd->add_option("--register-client-rate", serve.settings.register_client_per_minute,
                        "RegisterClient calls a minute per client address before "
                        "SlowDownException; 0 = unlimited")
      ->envname("SSOOIDC_REGISTER_CLIENT_RATE")
      ->check(CLI::Range(0, 1'000'000));
  serve_cmd->add_option("--device-authorization-rate",
                        serve.settings.start_device_authorization_per_minute,
                        "StartDeviceAuthorization calls a minute per client address before "
                        "SlowDownException; 0 = unlimited")
      ->envname("SSOOIDC_DEVICE_AUTHORIZATION_RATE")
      ->check(CLI::Range(0, 1'000'000));
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: one per core)")
      ->check(CLI::Range(0, 256));
  serve_cmd->add_option("--max-connections", serve.max_connections,
                        "Open connections at most (lowered to what the descriptor limit allows)")
      ->envname("SSOOIDC_MAX_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  serve_cmd->add_option("--max-connections-per-address", serve.max_connections_per_address,
                        "Open connections at most from one client address (IPv6: one /64)")
      ->envname("SSOOIDC_MAX_CONNECTIONS_PER_ADDRESS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  serve_cmd->add_option("--trusted-proxies", serve.trusted_proxies,
                        "Comma-separated CIDRs of reverse proxies whose X-Forwarded-For and "
                        "X-Forwarded-Proto are believed (default: none)")
      ->envname("SSOOIDC_TRUSTED_PROXIES")
      ->delimiter(',');
  serve_cmd->add_option("--access-log", serve.access_log, "Access log: stderr or off")
      ->check(CLI::IsMember({"stderr", "off"}));
  serve_cmd->add_option("--key-file", serve.key_file,
                        "File of the key that encrypts the ID token signing keys (created 0600 on "
                        "first start; default: the SQLite file + .key; SSOOIDC_KEY overrides)")
      ->envname("SSOOIDC_KEY_FILE");
  serve_cmd->add_option("--bootstrap-password-file", serve.bootstrap_password_file,
                        "Where the first user's password is written, mode 0600 (default: the "
                        "SQLite file + .admin-password)")
      ->envname("SSOOIDC_BOOTSTRAP_PASSWORD_FILE");
  serve_cmd->add_flag("--no-bootstrap-user", serve.no_bootstrap_user,
                      "Do not create a first user on an empty database");

  auto* device_cmd = app.add_subcommand("device", "Allow or deny a pending device authorization");
  device_cmd->require_subcommand(1);
  DeviceOptions device;
  auto* approve = device_cmd->add_subcommand("approve", "Allow the device with this user code");
  approve->add_option("user-code", device.user_code, "The code shown on the device")->required();
  approve->add_option("--user", device.user, "The user who approves")->required();
  add_database(approve);
  auto* deny = device_cmd->add_subcommand("deny", "Deny the device with this user code");
  deny->add_option("user-code", device.user_code, "The code shown on the device")->required();
  deny->add_option("--user", device.user, "The user recorded as denying (default: admin)");
  add_database(deny);

  auto* user_cmd = app.add_subcommand("user", "Manage the user directory");
  user_cmd->require_subcommand(1);
  UserOptions user;
  auto* add = user_cmd->add_subcommand("add", "Add a user");
  add->add_option("name", user.name, "User name")->required();
  add->add_flag("--password-stdin", user.password_stdin, "Read the password from standard input")
      ->required();
  add->add_option("--email", user.email, "E-mail address (optional)");
  add_database(add);
  auto* list = user_cmd->add_subcommand("list", "List users");
  add_database(list);
  auto* disable = user_cmd->add_subcommand("disable", "Disable a user");
  disable->add_option("name", user.name, "User name")->required();
  add_database(disable);
  auto* enable = user_cmd->add_subcommand("enable", "Enable a user again");
  enable->add_option("name", user.name, "User name")->required();
  add_database(enable);

  CLI11_PARSE(app, argc, argv);
  // The database holds password and secret hashes: keep every file we create private.
  umask(077);

  try {
    if (serve_cmd->parsed()) return run_serve(common, serve);
    if (approve->parsed()) return run_device_decision(common, device, true);
    if (deny->parsed()) return run_device_decision(common, device, false);
    if (add->parsed()) return run_user_add(common, user);
    if (list->parsed()) return run_user_list(common);
    if (disable->parsed()) return run_user_set_disabled(common, user, true);
    if (enable->parsed()) return run_user_set_disabled(common, user, false);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssooidc-server: %s\n", e.what());
    return 1;
  }
  return 2;
}
