// The subcommands of ssooidc-server. Each returns the process exit code; start-up problems are
// thrown as std::runtime_error and reported by main.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "domain/settings.h"

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
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_address = 256;
  std::vector<std::string> trusted_proxies;  // CIDRs allowed to set X-Forwarded-For/-Proto
  std::string key_file;                 // empty: the SQLite file + ".key" (secret_files.h)
  std::string bootstrap_password_file;  // empty: the SQLite file + ".admin-password"
};

struct DeviceOptions {
  std::string user_code;
  std::string user = "admin";
};

struct UserOptions {
  std::string name;
  bool password_stdin = false;
  std::string email;
};

int run_serve(const CommonOptions& common, const ServeOptions& options);
int run_device_decision(const CommonOptions& common, const DeviceOptions& options, bool allow);
int run_user_add(const CommonOptions& common, const UserOptions& options);
int run_user_list(const CommonOptions& common);
int run_user_set_disabled(const CommonOptions& common, const UserOptions& options, bool disabled);

}  // namespace ssooidc::server
