// ssooidc-server: the AWS SSO OIDC authorization server and its operator commands.
//
//   ssooidc-server serve [--listen HOST:PORT] [--public-url URL] [--database URL] ...
//   ssooidc-server device approve USER-CODE --user NAME
//   ssooidc-server device deny USER-CODE [--user NAME]
//   ssooidc-server user add NAME --password-stdin | user list | user disable NAME | user enable NAME
//   ssooidc-server account add ID --name NAME [--email E] | account list | account remove ID
//   ssooidc-server role add ACCOUNT ROLE [--session-duration S] [--source minted|static|command]
//                  [--access-key-id K --secret-access-key-stdin] [--command PROG ARG...]
//   ssooidc-server role list [ACCOUNT] | role remove ACCOUNT ROLE
//   ssooidc-server group add NAME | list | remove NAME | add-member GROUP USER |
//                  remove-member GROUP USER | members GROUP
//   ssooidc-server assign|unassign (--user U | --group G) ACCOUNT ROLE | assignment list
//   ssooidc-server credentials list [--user U] [--limit N]
//   ssooidc-server world apply FILE   (and serve --world FILE)
//   ssooidc-server config check FILE | config example   (and serve --config FILE)
//   ssooidc-server client add ID [--name N] [--public] [--redirect-uri U]... [--grant G]...
//                  [--scope S]... | client list | client remove ID
//
// Every subcommand honours --database and SSOOIDC_DATABASE.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "server/commands.h"
#include "server/config_file.h"

// A function-try-block: building the command table can throw (CLI11 refuses a malformed option
// table), and nothing may escape main.
int main(int argc, char** argv) try {
  using namespace ssooidc::server;
  CLI::App app{"ssooidc-server: an AWS SSO OIDC (IAM Identity Center OIDC) authorization server"};
  app.require_subcommand(1);

  CommonOptions common;
  auto add_database = [&](CLI::App* cmd) {
    cmd->add_option("--database", common.database,
                    "Storage URL: sqlite:PATH (default sqlite:var/ssooidc.db), "
                    "postgresql://USER@HOST/DB (libpq URI) or memory:")
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
      ->check(CLI::Range(1, 86400));  // below 10 only in test mode (serve_command.cc)
  serve_cmd->add_option("--poll-interval", serve.settings.poll_interval_seconds,
                        "Polling interval in seconds; 0 disables slow_down")
      ->check(CLI::Range(0, 60));
  serve_cmd->add_option("--registration-ttl", serve.settings.registration_ttl_seconds,
                        "Seconds a client registration lives")
      ->check(CLI::Range(1LL, 10LL * 365 * 86400));  // below 60 only in test mode
  serve_cmd->add_option("--session-ttl", serve.settings.session_ttl_seconds,
                        "Seconds a login can be kept alive by refresh tokens")
      ->check(CLI::Range(1LL, 90LL * 86400));  // below 900 only in test mode
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
  serve_cmd->add_option("--purge-interval", serve.purge_interval_seconds,
                        "Seconds between purges of expired rows (default 3600; one process at a "
                        "time purges)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{7 * 24 * 3600}));
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
  add_operations_options(*serve_cmd, serve);

  serve_cmd->add_option("--portal-requests-per-second", serve.settings.portal_requests_per_second,
                        "SSO portal calls per access token per second (0: no limit)")
      ->check(CLI::Range(0, 1'000'000));
  serve_cmd->add_option("--portal-burst", serve.settings.portal_burst,
                        "SSO portal calls one access token may make at once")
      ->check(CLI::Range(1, 1'000'000));
  serve_cmd->add_option("--portal-cache-ms", serve.settings.portal_cache_ms,
                        "How long an accepted SSO token and a user's assignments are kept in "
                        "memory; changes from other processes show within this time (0: off)")
      ->check(CLI::Range(0, 60'000));
  serve_cmd->add_option("--credential-command-timeout-ms",
                        serve.settings.credential_command_timeout_ms,
                        "How long a role's credential command may run")
      ->check(CLI::Range(10, 120'000));
  serve_cmd->add_option("--credential-record-retention", serve.settings.credential_record_retention_seconds,
                        "Seconds credential records are kept (default 90 days)")
      ->check(CLI::Range(3600LL, 10LL * 365 * 86400));

  serve_cmd->add_option("--world", serve.world_file,
                        "A test-world TOML file (users, groups, accounts, roles, assignments) to "
                        "apply at start")
      ->envname("SSOOIDC_WORLD");

  // Issue 13: the configuration file (config_file.h: every serve flag is a key), the log format
  // and the CI test mode. serve_command.cc checks how they combine (check_serve_options).
  serve_cmd->add_option("--config", serve.config_file,
                        "A TOML file setting serve's flags (keys are the flag names without "
                        "dashes; flags and environment variables override it)")
      ->envname("SSOOIDC_CONFIG");
  serve_cmd->add_option("--log-format", serve.log_format,
                        "Access and security log lines: json (one object a line) or text")
      ->envname("SSOOIDC_LOG_FORMAT")
      ->check(CLI::IsMember({"json", "text"}));
  serve_cmd->add_option("--access-token-ttl", serve.settings.access_token_ttl_seconds,
                        "Seconds an access token of a refreshable registration lives")
      ->check(CLI::Range(1, 43200));  // below 300 only in test mode
  serve_cmd
      ->add_flag("--test-mode", serve.settings.test_mode,
                 "CI test mode: the scripted admin API, --auto-approve, short TTLs. Only on "
                 "a loopback address unless --test-mode-allow-remote. Never in production")
      ->envname("SSOOIDC_TEST_MODE");
  serve_cmd->add_flag("--test-mode-allow-remote", serve.test_mode_allow_remote,
                      "Allow --test-mode on an address that is not loopback");
  serve_cmd
      ->add_option("--auto-approve", serve.settings.auto_approve_user,
                   "Test mode: approve every device authorization and PKCE request as this "
                   "user, with no page")
      ->envname("SSOOIDC_AUTO_APPROVE");
  serve_cmd
      ->add_option("--test-admin-token", serve.test_admin_token,
                   "Test mode: the bearer token of the admin API (default: a random one, "
                   "printed at start)")
      ->envname("SSOOIDC_TEST_ADMIN_TOKEN");

  // Every operator command: a subcommand of `parent`, what runs it, and (added once all its
  // own options are, so that help lists it last) the database option. One list, one dispatch.
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  auto add_command = [&](CLI::App* parent, const char* name, const char* help,
                         std::function<int()> run) {
    auto* cmd = parent->add_subcommand(name, help);
    runners.emplace_back(cmd, std::move(run));
    return cmd;
  };
  // A command that only groups others (`user add`, `user list`, ...).
  auto add_group = [&](const char* name, const char* help) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->require_subcommand(1);
    return cmd;
  };

  auto* device_cmd = add_group("device", "Allow or deny a pending device authorization");
  DeviceOptions device;
  auto* approve = add_command(device_cmd, "approve", "Allow the device with this user code",
                              [&] { return run_device_decision(common, device, true); });
  approve->add_option("user-code", device.user_code, "The code shown on the device")->required();
  approve->add_option("--user", device.user, "The user who approves")->required();
  auto* deny = add_command(device_cmd, "deny", "Deny the device with this user code",
                           [&] { return run_device_decision(common, device, false); });
  deny->add_option("user-code", device.user_code, "The code shown on the device")->required();
  deny->add_option("--user", device.user, "The user recorded as denying (default: admin)");

  auto* user_cmd = add_group("user", "Manage the user directory");
  UserOptions user;
  auto* add =
      add_command(user_cmd, "add", "Add a user", [&] { return run_user_add(common, user); });
  add->add_option("name", user.name, "User name")->required();
  add->add_flag("--password-stdin", user.password_stdin, "Read the password from standard input")
      ->required();
  add->add_option("--email", user.email, "E-mail address (optional)");
  add_command(user_cmd, "list", "List users", [&] { return run_user_list(common); });
  add_command(user_cmd, "disable", "Disable a user",
              [&] { return run_user_set_disabled(common, user, true); })
      ->add_option("name", user.name, "User name")
      ->required();
  add_command(user_cmd, "enable", "Enable a user again",
              [&] { return run_user_set_disabled(common, user, false); })
      ->add_option("name", user.name, "User name")
      ->required();

  std::string world_path;
  auto* world_cmd = add_group("world", "The declarative test-world file");
  add_command(world_cmd, "apply",
              "Create or update what the file describes; nothing if it is malformed",
              [&] { return run_world_apply(common, world_path); })
      ->add_option("file", world_path, "The TOML file")
      ->required();

  DirectoryOptions dir;
  auto* account_cmd = add_group("account", "Manage the AWS accounts of the SSO portal");
  auto* account_add = add_command(account_cmd, "add", "Add an account",
                                  [&] { return run_account_add(common, dir); });
  account_add->add_option("account-id", dir.account_id, "12-digit account id")->required();
  account_add->add_option("--name", dir.name, "Account name")->required();
  account_add->add_option("--email", dir.email, "Account e-mail address");
  add_command(account_cmd, "list", "List accounts", [&] { return run_account_list(common); });
  add_command(account_cmd, "remove", "Remove an account, its roles and assignments",
              [&] { return run_account_remove(common, dir); })
      ->add_option("account-id", dir.account_id, "12-digit account id")
      ->required();

  auto* role_cmd = add_group("role", "Manage the roles of accounts");
  auto* role_add = add_command(role_cmd, "add", "Add a role to an account",
                               [&] { return run_role_add(common, dir); });
  role_add->add_option("account-id", dir.account_id, "12-digit account id")->required();
  role_add->add_option("role-name", dir.name, "Role name, e.g. AdministratorAccess")->required();
  role_add->add_option("--session-duration", dir.session_duration,
                       "Seconds the role's credentials last (900 to 43200, default 3600)");
  role_add->add_option("--source", dir.source, "Where credentials come from")
      ->check(CLI::IsMember({"minted", "static", "command"}));
  role_add->add_option("--access-key-id", dir.access_key_id, "static: the access key id");
  role_add->add_flag("--secret-access-key-stdin", dir.secret_stdin,
                     "static: read the secret (and an optional session token line) from stdin");
  role_add
      ->add_option("--command", dir.command,
                   "command: the program and its arguments ({account_id}, {role_name}, "
                   "{user_name} are replaced)")
      ->expected(1, -1);
  add_command(role_cmd, "list", "List roles", [&] {
    return run_role_list(common, dir);
  })->add_option("account-id", dir.account_id, "Only this account");
  auto* role_remove = add_command(role_cmd, "remove", "Remove a role and its assignments",
                                  [&] { return run_role_remove(common, dir); });
  role_remove->add_option("account-id", dir.account_id, "12-digit account id")->required();
  role_remove->add_option("role-name", dir.name, "Role name")->required();

  auto* group_cmd = add_group("group", "Manage groups of users");
  auto* group_add =
      add_command(group_cmd, "add", "Add a group", [&] { return run_group_add(common, dir); });
  group_add->add_option("name", dir.name, "Group name")->required();
  group_add->add_option("--description", dir.description, "What the group is for");
  add_command(group_cmd, "list", "List groups", [&] { return run_group_list(common); });
  add_command(group_cmd, "remove", "Remove a group, its memberships and assignments",
              [&] { return run_group_remove(common, dir); })
      ->add_option("name", dir.name, "Group name")
      ->required();
  // add-member and remove-member take the same two positionals.
  for (const bool adding : {true, false}) {
    auto* member = add_command(group_cmd, adding ? "add-member" : "remove-member",
                               adding ? "Add a user to a group" : "Remove a user from a group",
                               [&, adding] { return run_group_member(common, dir, adding); });
    member->add_option("group", dir.group, "Group name")->required();
    member->add_option("user", dir.user, "User name")->required();
  }
  add_command(group_cmd, "members", "List the members of a group",
              [&] { return run_group_members(common, dir); })
      ->add_option("group", dir.group, "Group name")
      ->required();

  // assign and unassign take the same options.
  for (const bool assigning : {true, false}) {
    auto* cmd = add_command(
        &app, assigning ? "assign" : "unassign",
        assigning ? "Assign a role of an account to a user or group" : "Remove an assignment",
        [&, assigning] { return run_assign(common, dir, assigning); });
    cmd->add_option("--user", dir.user, "The user");
    cmd->add_option("--group", dir.group, "The group");
    cmd->add_option("account-id", dir.account_id, "12-digit account id")->required();
    cmd->add_option("role-name", dir.name, "Role name")->required();
  }
  add_command(add_group("assignment", "List assignments"), "list", "List every assignment",
              [&] { return run_assignment_list(common); });

  auto* credentials_list = add_command(add_group("credentials", "The record of issued credentials"),
                                       "list", "List issued credentials, newest first (no secrets)",
                                       [&] { return run_credentials_list(common, dir); });
  credentials_list->add_option("--user", dir.user, "Only this user's");
  credentials_list->add_option("--limit", dir.limit, "At most this many (default 100)")
      ->check(CLI::Range(1LL, 100'000LL));

  std::string copy_to;
  add_command(add_group("storage", "Move the database"), "copy",
              "Copy every table of --database (SQLite) into an empty PostgreSQL database",
              [&] { return run_storage_copy(common, copy_to); })
      ->add_option("--to", copy_to, "The target: postgresql://USER@HOST/DB (libpq URI)")
      ->required();

  // The serve configuration file's commands (no database).
  std::string config_path;
  auto* config_cmd = add_group("config", "The serve configuration file");
  auto* config_check = config_cmd->add_subcommand(
      "check", "Check a configuration file as serve would read it, without serving");
  config_check->add_option("file", config_path, "The TOML file")->required();
  auto* config_example_cmd =
      config_cmd->add_subcommand("example", "Print a configuration file listing every key");

  auto* client_cmd =
      add_group("client", "Long-lived clients of the standard OAuth face (fixed ids)");
  ClientOptions client;
  auto* client_add = add_command(client_cmd, "add",
                                 "Add a client; its secret is printed once (none with --public)",
                                 [&] { return run_client_add(common, client); });
  client_add->add_option("client-id", client.client_id, "The fixed client_id")->required();
  client_add->add_option("--name", client.name, "Shown on the pages (default: the id)");
  client_add->add_flag("--public", client.public_client,
                       "No secret: a public client (PKCE or the device grant)");
  client_add->add_option("--redirect-uri", client.redirect_uris,
                         "Where /authorize may return (repeatable)");
  client_add->add_option("--grant", client.grant_types,
                         "authorization_code, refresh_token, "
                         "urn:ietf:params:oauth:grant-type:device_code (repeatable; default: "
                         "device_code and refresh_token)");
  client_add->add_option(
      "--scope", client.scopes,
      "A scope it may ask for (repeatable; default: openid, sso:account:access)");
  add_command(client_cmd, "list", "List the operator's clients",
              [&] { return run_client_list(common); });
  add_command(client_cmd, "remove", "Remove a client with its tokens and logins",
              [&] { return run_client_remove(common, client); })
      ->add_option("client-id", client.client_id, "The client_id")
      ->required();
  for (const auto& [cmd, unused] : runners) add_database(cmd);

  CLI11_PARSE(app, argc, argv);
  // The database holds password and secret hashes: keep every file we create private.
  umask(077);

  try {
    if (serve_cmd->parsed()) {
      if (!serve.config_file.empty()) apply_config_file(*serve_cmd, serve.config_file);
      serve.handler_threads_given = serve_cmd->get_option("--handler-threads")->count() > 0;
      return run_serve(common, serve);
    }
    if (config_check->parsed()) {
      const int keys = apply_config_file(*serve_cmd, config_path);
      // The options came from the file: the message names it.
      try {
        check_serve_options(common, serve);
      } catch (const std::exception& e) {
        throw std::runtime_error(config_path + ": " + e.what());
      }
      std::printf("%s: OK (%d keys)\n", config_path.c_str(), keys);
      return 0;
    }
    if (config_example_cmd->parsed()) {
      std::fputs(config_example(*serve_cmd).c_str(), stdout);
      return 0;
    }
    for (const auto& [cmd, run] : runners) {
      if (cmd->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssooidc-server: %s\n", e.what());
    return 1;
  }
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ssooidc-server: %s\n", e.what());
  return 1;
} catch (...) {
  std::fputs("ssooidc-server: unknown error\n", stderr);
  return 1;
}
