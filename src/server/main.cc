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
#include <iostream>
#include <stdexcept>
#include <string>

#include "server/commands.h"
#include "server/config_file.h"

int main(int argc, char** argv) {
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
  // The operator commands that name one thing (remove X, list the members of X): a subcommand
  // of `parent` with one required positional and the database option.
  auto add_naming = [&](CLI::App* parent, const char* name, const char* help, const char* what,
                        std::string& into, const char* what_help) {
    auto* cmd = parent->add_subcommand(name, help);
    cmd->add_option(what, into, what_help)->required();
    add_database(cmd);
    return cmd;
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
  serve_cmd->add_flag("--test-mode", serve.settings.test_mode,
                      "CI test mode: the scripted admin API, --auto-approve, short TTLs. Only on "
                      "a loopback address unless --test-mode-allow-remote. Never in production")
      ->envname("SSOOIDC_TEST_MODE");
  serve_cmd->add_flag("--test-mode-allow-remote", serve.test_mode_allow_remote,
                      "Allow --test-mode on an address that is not loopback");
  serve_cmd->add_option("--auto-approve", serve.settings.auto_approve_user,
                        "Test mode: approve every device authorization and PKCE request as this "
                        "user, with no page")
      ->envname("SSOOIDC_AUTO_APPROVE");
  serve_cmd->add_option("--test-admin-token", serve.test_admin_token,
                        "Test mode: the bearer token of the admin API (default: a random one, "
                        "printed at start)")
      ->envname("SSOOIDC_TEST_ADMIN_TOKEN");

  std::string world_path;
  auto* world_cmd = app.add_subcommand("world", "The declarative test-world file");
  world_cmd->require_subcommand(1);
  auto* world_apply = world_cmd->add_subcommand(
      "apply", "Create or update what the file describes; nothing if it is malformed");
  world_apply->add_option("file", world_path, "The TOML file")->required();
  add_database(world_apply);

  DirectoryOptions dir;
  auto* account_cmd = app.add_subcommand("account", "Manage the AWS accounts of the SSO portal");
  account_cmd->require_subcommand(1);
  auto* account_add = account_cmd->add_subcommand("add", "Add an account");
  account_add->add_option("account-id", dir.account_id, "12-digit account id")->required();
  account_add->add_option("--name", dir.name, "Account name")->required();
  account_add->add_option("--email", dir.email, "Account e-mail address");
  add_database(account_add);
  auto* account_list = account_cmd->add_subcommand("list", "List accounts");
  add_database(account_list);
  auto* account_remove =
      add_naming(account_cmd, "remove", "Remove an account, its roles and assignments",
                 "account-id", dir.account_id, "12-digit account id");

  auto* role_cmd = app.add_subcommand("role", "Manage the roles of accounts");
  role_cmd->require_subcommand(1);
  auto* role_add = role_cmd->add_subcommand("add", "Add a role to an account");
  role_add->add_option("account-id", dir.account_id, "12-digit account id")->required();
  role_add->add_option("role-name", dir.name, "Role name, e.g. AdministratorAccess")->required();
  role_add->add_option("--session-duration", dir.session_duration,
                       "Seconds the role's credentials last (900 to 43200, default 3600)");
  role_add->add_option("--source", dir.source, "Where credentials come from")
      ->check(CLI::IsMember({"minted", "static", "command"}));
  role_add->add_option("--access-key-id", dir.access_key_id, "static: the access key id");
  role_add->add_flag("--secret-access-key-stdin", dir.secret_stdin,
                     "static: read the secret (and an optional session token line) from stdin");
  role_add->add_option("--command", dir.command,
                       "command: the program and its arguments ({account_id}, {role_name}, "
                       "{user_name} are replaced)")
      ->expected(1, -1);
  add_database(role_add);
  auto* role_list = role_cmd->add_subcommand("list", "List roles");
  role_list->add_option("account-id", dir.account_id, "Only this account");
  add_database(role_list);
  auto* role_remove = role_cmd->add_subcommand("remove", "Remove a role and its assignments");
  role_remove->add_option("account-id", dir.account_id, "12-digit account id")->required();
  role_remove->add_option("role-name", dir.name, "Role name")->required();
  add_database(role_remove);

  auto* group_cmd = app.add_subcommand("group", "Manage groups of users");
  group_cmd->require_subcommand(1);
  auto* group_add = group_cmd->add_subcommand("add", "Add a group");
  group_add->add_option("name", dir.name, "Group name")->required();
  group_add->add_option("--description", dir.description, "What the group is for");
  add_database(group_add);
  auto* group_list = group_cmd->add_subcommand("list", "List groups");
  add_database(group_list);
  auto* group_remove = add_naming(group_cmd, "remove",
                                  "Remove a group, its memberships and assignments", "name",
                                  dir.name, "Group name");
  auto* group_add_member = group_cmd->add_subcommand("add-member", "Add a user to a group");
  group_add_member->add_option("group", dir.group, "Group name")->required();
  group_add_member->add_option("user", dir.user, "User name")->required();
  add_database(group_add_member);
  auto* group_remove_member =
      group_cmd->add_subcommand("remove-member", "Remove a user from a group");
  group_remove_member->add_option("group", dir.group, "Group name")->required();
  group_remove_member->add_option("user", dir.user, "User name")->required();
  add_database(group_remove_member);
  auto* group_members = add_naming(group_cmd, "members", "List the members of a group", "group",
                                   dir.group, "Group name");

  auto add_assignment_options = [&](CLI::App* cmd) {
    cmd->add_option("--user", dir.user, "The user");
    cmd->add_option("--group", dir.group, "The group");
    cmd->add_option("account-id", dir.account_id, "12-digit account id")->required();
    cmd->add_option("role-name", dir.name, "Role name")->required();
    add_database(cmd);
  };
  auto* assign_cmd = app.add_subcommand("assign", "Assign a role of an account to a user or group");
  add_assignment_options(assign_cmd);
  auto* unassign_cmd = app.add_subcommand("unassign", "Remove an assignment");
  add_assignment_options(unassign_cmd);
  auto* assignment_cmd = app.add_subcommand("assignment", "List assignments");
  assignment_cmd->require_subcommand(1);
  auto* assignment_list = assignment_cmd->add_subcommand("list", "List every assignment");
  add_database(assignment_list);

  auto* credentials_cmd = app.add_subcommand("credentials", "The record of issued credentials");
  credentials_cmd->require_subcommand(1);
  auto* credentials_list =
      credentials_cmd->add_subcommand("list", "List issued credentials, newest first (no secrets)");
  credentials_list->add_option("--user", dir.user, "Only this user's");
  credentials_list->add_option("--limit", dir.limit, "At most this many (default 100)")
      ->check(CLI::Range(1LL, 100'000LL));
  add_database(credentials_list);

  auto* storage_cmd = app.add_subcommand("storage", "Move the database");
  storage_cmd->require_subcommand(1);
  std::string copy_to;
  auto* storage_copy = storage_cmd->add_subcommand(
      "copy", "Copy every table of --database (SQLite) into an empty PostgreSQL database");
  storage_copy->add_option("--to", copy_to, "The target: postgresql://USER@HOST/DB (libpq URI)")
      ->required();
  add_database(storage_copy);
  std::string config_path;
  auto* config_cmd = app.add_subcommand("config", "The serve configuration file");
  config_cmd->require_subcommand(1);
  auto* config_check = config_cmd->add_subcommand(
      "check", "Check a configuration file as serve would read it, without serving");
  config_check->add_option("file", config_path, "The TOML file")->required();
  auto* config_example_cmd =
      config_cmd->add_subcommand("example", "Print a configuration file listing every key");
  auto* client_cmd =
      app.add_subcommand("client", "Long-lived clients of the standard OAuth face (fixed ids)");
  client_cmd->require_subcommand(1);
  ClientOptions client;
  auto* client_add = client_cmd->add_subcommand(
      "add", "Add a client; its secret is printed once (none with --public)");
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
  client_add->add_option("--scope", client.scopes,
                         "A scope it may ask for (repeatable; default: openid, sso:account:access)");
  add_database(client_add);
  auto* client_list = client_cmd->add_subcommand("list", "List the operator's clients");
  add_database(client_list);
  auto* client_remove =
      client_cmd->add_subcommand("remove", "Remove a client with its tokens and logins");
  client_remove->add_option("client-id", client.client_id, "The client_id")->required();
  add_database(client_remove);

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
    if (approve->parsed()) return run_device_decision(common, device, true);
    if (deny->parsed()) return run_device_decision(common, device, false);
    if (add->parsed()) return run_user_add(common, user);
    if (list->parsed()) return run_user_list(common);
    if (disable->parsed()) return run_user_set_disabled(common, user, true);
    if (enable->parsed()) return run_user_set_disabled(common, user, false);
    if (world_apply->parsed()) return run_world_apply(common, world_path);
    if (account_add->parsed()) return run_account_add(common, dir);
    if (account_list->parsed()) return run_account_list(common);
    if (account_remove->parsed()) return run_account_remove(common, dir);
    if (role_add->parsed()) return run_role_add(common, dir);
    if (role_list->parsed()) return run_role_list(common, dir);
    if (role_remove->parsed()) return run_role_remove(common, dir);
    if (group_add->parsed()) return run_group_add(common, dir);
    if (group_list->parsed()) return run_group_list(common);
    if (group_remove->parsed()) return run_group_remove(common, dir);
    if (group_add_member->parsed()) return run_group_member(common, dir, true);
    if (group_remove_member->parsed()) return run_group_member(common, dir, false);
    if (group_members->parsed()) return run_group_members(common, dir);
    if (assign_cmd->parsed()) return run_assign(common, dir, true);
    if (unassign_cmd->parsed()) return run_assign(common, dir, false);
    if (assignment_list->parsed()) return run_assignment_list(common);
    if (credentials_list->parsed()) return run_credentials_list(common, dir);
    if (storage_copy->parsed()) return run_storage_copy(common, copy_to);
    if (client_add->parsed()) return run_client_add(common, client);
    if (client_list->parsed()) return run_client_list(common);
    if (client_remove->parsed()) return run_client_remove(common, client);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssooidc-server: %s\n", e.what());
    return 1;
  }
  return 2;
}
