// Operator commands: approve or deny devices, manage users. They open the same database as the
// server (SQLite in WAL mode lets them run while it serves).
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "core/time_format.h"
#include "domain/user_code.h"
#include "server/application.h"
#include "server/commands.h"
#include "storage/storage.h"

namespace ssooidc::server {

int report(const Error& e) {
  std::fprintf(stderr, "ssooidc-server: %s (%s)\n", e.error_description.c_str(),
               std::string(e.shape()).c_str());
  return 1;
}

int run_device_decision(const CommonOptions& common, const DeviceOptions& options, bool allow) {
  Application app(common.database, domain::Settings{});
  auto decided = app.devices().decide(options.user_code, allow, options.user);
  if (!decided) return report(decided.error());
  std::printf("%s device %s for user %s\n", allow ? "Allowed" : "Denied",
              domain::display_user_code(decided->user_code).c_str(), options.user.c_str());
  return 0;
}

int run_storage_copy(const CommonOptions& common, const std::string& to_url) {
  auto copied = storage::copy_storage(common.database, to_url);
  if (!copied) return report(copied.error());
  std::int64_t rows = 0;
  for (const auto& table : *copied) {
    std::printf("%-24s %lld rows\n", table.table.c_str(), static_cast<long long>(table.rows));
    rows += table.rows;
  }
  // The signing keys moved sealed: the servers on the new database need the same key (the
  // SQLite file's .key, or SSOOIDC_KEY).
  std::printf("Copied %zu tables, %lld rows. Start the servers on the new database with the key "
              "of the old one (--key-file %s.key or SSOOIDC_KEY).\n",
              copied->size(), static_cast<long long>(rows),
              common.database.substr(common.database.find(':') + 1).c_str());
  return 0;
}

int run_user_add(const CommonOptions& common, const UserOptions& options) {
  std::string password;
  if (!std::getline(std::cin, password)) {
    std::fprintf(stderr, "ssooidc-server: no password on standard input\n");
    return 1;
  }
  // A password piped from a file written on Windows ends with CRLF; the CR is not part of it.
  if (!password.empty() && password.back() == '\r') password.pop_back();
  Application app(common.database, domain::Settings{});
  auto added = app.users().add(options.name, password, options.email);
  if (!added) return report(added.error());
  std::printf("Added user %s\n", added->name.c_str());
  return 0;
}

int run_user_list(const CommonOptions& common) {
  Application app(common.database, domain::Settings{});
  auto users = app.users().list();
  if (!users) return report(users.error());
  std::printf("%-32s %-9s %s\n", "NAME", "STATUS", "CREATED");
  for (const auto& u : *users)
    std::printf("%-32s %-9s %s\n", u.name.c_str(), u.disabled ? "disabled" : "enabled",
                core::format_iso8601_utc(u.created_at).c_str());
  return 0;
}

int run_user_set_disabled(const CommonOptions& common, const UserOptions& options, bool disabled) {
  Application app(common.database, domain::Settings{});
  auto r = app.users().set_disabled(options.name, disabled);
  if (!r) return report(r.error());
  std::printf("%s user %s\n", disabled ? "Disabled" : "Enabled", options.name.c_str());
  return 0;
}

}  // namespace ssooidc::server
