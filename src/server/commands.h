// The subcommands of ssooidc-server. Each returns the process exit code; start-up problems are
// thrown as std::runtime_error and reported by main.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <vector>

#include "domain/settings.h"
#include "ssooidc/error.h"

namespace CLI {
class App;
}

namespace ssooidc::server {

struct CommonOptions {
  std::string database = "sqlite:var/ssooidc.db";
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;  // empty: http://<bound address>
  domain::Settings settings;
  int threads = 0;
  std::string access_log = "stderr";
  bool no_bootstrap_user = false;
  std::string world_file;  // applied at start-up when set (world_file.h)
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_address = 256;
  std::vector<std::string> trusted_proxies;  // CIDRs allowed to set X-Forwarded-For/-Proto
  std::string key_file;                 // empty: the SQLite file + ".key" (secret_files.h)
  std::string bootstrap_password_file;  // empty: the SQLite file + ".admin-password"
  std::int64_t purge_interval_seconds = 3600;  // how often the purge runs (on one process)
  // Operating it (issue 13, serve_command.cc add_operations_options): TLS, metrics, and the
  // handler pool of issue 12.
  std::string tls_certificate_file;  // PEM, leaf then chain; with tls_private_key_file: HTTPS
  std::string tls_private_key_file;
  std::string metrics_listen;  // HOST:PORT serving /metrics (and /healthz) instead of the main one
  // 0: handlers run on the I/O threads. 32: a group commit (storage/sqlite/group_commit.h) holds
  // as many inserts as handler threads wait on it, and a waiting thread costs only its stack.
  int handler_threads = 32;
  // False when neither the command line nor the config file set --handler-threads: PostgreSQL
  // then gets one handler per pooled connection (run_serve).
  bool handler_threads_given = false;
  std::size_t handler_queue = 1024;
  // Issue 15 item 4: the poll's index of every pending login, read at start-up
  // (domain/pending_index.h); --no-pending-index leaves it out (its memory, its start-up scan).
  bool no_pending_index = false;
  // Issue 13 (settings.test_mode and settings.auto_approve_user are in `settings`).
  std::string config_file;     // applied by main before run_serve (config_file.h)
  std::string log_format = "json";  // json | text: the access log and the security events
  bool test_mode_allow_remote = false;
  std::string test_admin_token;  // empty: a random one, printed at start
};

// Adds the flags of the ServeOptions block above to `serve` (keeps main.cc's list short).
void add_operations_options(CLI::App& serve, ServeOptions& options);

// Throws std::runtime_error when the options do not go together: test-mode flags without
// --test-mode, test mode on a non-loopback address, TTLs below the production minimums outside
// test mode, a malformed --listen. Used by serve and by `config check`.
void check_serve_options(const CommonOptions& common, const ServeOptions& options);

// How an operator command reports a failed call: "ssooidc-server: <description> (<shape>)" on
// standard error. Returns the exit code, 1 (admin_commands.cc).
int report(const Error& e);

struct DeviceOptions {
  std::string user_code;
  std::string user = "admin";
};

struct UserOptions {
  std::string name;
  bool password_stdin = false;
  std::string email;
};

// SSO portal directory (portal_commands.cc).
struct DirectoryOptions {
  std::string account_id;
  std::string name;  // account name, role name, group name
  std::string email;
  std::string description;
  std::string user;   // --user (assignments, membership, credential listing)
  std::string group;  // --group (assignments), or the group of a membership
  std::int32_t session_duration = 3600;
  std::string source = "minted";
  std::string access_key_id;
  bool secret_stdin = false;  // static source: secret (and session token) on standard input
  std::vector<std::string> command;
  std::int64_t limit = 100;
};

// The standard face's long-lived clients (client_commands.cc).
struct ClientOptions {
  std::string client_id;
  std::string name;  // empty: the client id
  bool public_client = false;  // --public: no secret (PKCE or the device grant)
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::vector<std::string> scopes;
};
int run_client_add(const CommonOptions& common, const ClientOptions& options);
int run_client_list(const CommonOptions& common);
int run_client_remove(const CommonOptions& common, const ClientOptions& options);
int run_account_add(const CommonOptions& common, const DirectoryOptions& options);
int run_account_list(const CommonOptions& common);
int run_account_remove(const CommonOptions& common, const DirectoryOptions& options);
int run_role_add(const CommonOptions& common, const DirectoryOptions& options);
int run_role_list(const CommonOptions& common, const DirectoryOptions& options);
int run_role_remove(const CommonOptions& common, const DirectoryOptions& options);
int run_group_add(const CommonOptions& common, const DirectoryOptions& options);
int run_group_list(const CommonOptions& common);
int run_group_remove(const CommonOptions& common, const DirectoryOptions& options);
int run_group_member(const CommonOptions& common, const DirectoryOptions& options, bool add);
int run_group_members(const CommonOptions& common, const DirectoryOptions& options);
int run_assign(const CommonOptions& common, const DirectoryOptions& options, bool assign);
int run_assignment_list(const CommonOptions& common);
int run_credentials_list(const CommonOptions& common, const DirectoryOptions& options);

int run_world_apply(const CommonOptions& common, const std::string& path);

int run_serve(const CommonOptions& common, const ServeOptions& options);
// `storage copy --to URL`: every table of --database (SQLite) into an empty PostgreSQL (issue 12).
int run_storage_copy(const CommonOptions& common, const std::string& to_url);
int run_device_decision(const CommonOptions& common, const DeviceOptions& options, bool allow);
int run_user_add(const CommonOptions& common, const UserOptions& options);
int run_user_list(const CommonOptions& common);
int run_user_set_disabled(const CommonOptions& common, const UserOptions& options, bool disabled);

}  // namespace ssooidc::server
