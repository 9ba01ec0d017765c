// Operator commands for the SSO portal's directory: accounts, roles, groups, assignments, and the
// record of issued credentials. Like the user commands they open the server's database (SQLite
// in WAL mode lets them run while it serves).
#include <cstdio>
#include <iostream>
#include <string>

#include "core/time_format.h"
#include "server/application.h"
#include "server/commands.h"
#include "server/world_file.h"

namespace ssooidc::server {
namespace {

int complain(const std::string& text) {
  std::fprintf(stderr, "ssooidc-server: %s\n", text.c_str());
  return 1;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

}  // namespace

int run_account_add(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  auto existing = app.storage().accounts().find(o.account_id);
  if (!existing) return report(existing.error());
  if (*existing) return complain("account " + o.account_id + " already exists");
  auto put = app.directory().put_account({o.account_id, o.name, o.email, 0});
  if (!put) return report(put.error());
  std::printf("Added account %s (%s)\n", o.account_id.c_str(), o.name.c_str());
  return 0;
}

int run_account_list(const CommonOptions& common) {
  Application app(common.database, domain::Settings{});
  auto accounts = app.storage().accounts().list();
  if (!accounts) return report(accounts.error());
  std::printf("%-12s  %-32s %s\n", "ACCOUNT", "NAME", "EMAIL");
  for (const auto& a : *accounts)
    std::printf("%-12s  %-32s %s\n", a.account_id.c_str(), a.name.c_str(), a.email.c_str());
  return 0;
}

int run_account_remove(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  if (auto r = app.directory().remove_account(o.account_id); !r) return report(r.error());
  std::printf("Removed account %s with its roles and assignments\n", o.account_id.c_str());
  return 0;
}

int run_role_add(const CommonOptions& common, const DirectoryOptions& o) {
  storage::RoleRecord role;
  role.account_id = o.account_id;
  role.role_name = o.name;
  role.session_duration_seconds = o.session_duration;
  const auto source = domain::parse_credential_source(o.source);
  if (!source) return complain("--source must be minted, static or command");
  role.source = *source;
  if (role.source == storage::CredentialSource::kStatic) {
    if (!o.secret_stdin)
      return complain("a static role reads its secret access key from standard input "
                      "(--secret-access-key-stdin)");
    role.static_access_key_id = o.access_key_id;
    std::getline(std::cin, role.static_secret_access_key);
    std::getline(std::cin, role.static_session_token);  // optional second line
    for (auto* s : {&role.static_secret_access_key, &role.static_session_token})
      if (!s->empty() && s->back() == '\r') s->pop_back();
  }
  if (role.source == storage::CredentialSource::kCommand) role.command = o.command;
  Application app(common.database, domain::Settings{});
  auto existing = app.storage().accounts().find_role(o.account_id, o.name);
  if (!existing) return report(existing.error());
  if (*existing)
    return complain("role " + o.name + " already exists in account " + o.account_id);
  auto put = app.directory().put_role(std::move(role));
  if (!put) return report(put.error());
  std::printf("Added role %s to account %s (%s credentials, %d s sessions)\n", o.name.c_str(),
              o.account_id.c_str(), o.source.c_str(), o.session_duration);
  return 0;
}

int run_role_list(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  auto roles = app.storage().accounts().list_roles(o.account_id);
  if (!roles) return report(roles.error());
  std::printf("%-12s  %-32s %-8s %-8s %s\n", "ACCOUNT", "ROLE", "SOURCE", "SESSION", "DETAIL");
  for (const auto& r : *roles) {
    // Never the static secret: only which key it is.
    const std::string detail = r.source == storage::CredentialSource::kStatic
                                   ? r.static_access_key_id
                                   : join(r.command);
    std::printf("%-12s  %-32s %-8s %-8d %s\n", r.account_id.c_str(), r.role_name.c_str(),
                std::string(domain::credential_source_name(r.source)).c_str(),
                r.session_duration_seconds, detail.c_str());
  }
  return 0;
}

int run_role_remove(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  if (auto r = app.directory().remove_role(o.account_id, o.name); !r) return report(r.error());
  std::printf("Removed role %s from account %s with its assignments\n", o.name.c_str(),
              o.account_id.c_str());
  return 0;
}

int run_group_add(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  auto existing = app.storage().groups().find(o.name);
  if (!existing) return report(existing.error());
  if (*existing) return complain("group " + o.name + " already exists");
  auto put = app.directory().put_group({o.name, o.description, 0});
  if (!put) return report(put.error());
  std::printf("Added group %s\n", o.name.c_str());
  return 0;
}

int run_group_list(const CommonOptions& common) {
  Application app(common.database, domain::Settings{});
  auto groups = app.storage().groups().list();
  if (!groups) return report(groups.error());
  std::printf("%-32s %s\n", "GROUP", "DESCRIPTION");
  for (const auto& g : *groups) std::printf("%-32s %s\n", g.name.c_str(), g.description.c_str());
  return 0;
}

int run_group_remove(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  if (auto r = app.directory().remove_group(o.name); !r) return report(r.error());
  std::printf("Removed group %s with its memberships and assignments\n", o.name.c_str());
  return 0;
}

int run_group_member(const CommonOptions& common, const DirectoryOptions& o, bool add) {
  Application app(common.database, domain::Settings{});
  if (add) {
    auto added = app.directory().add_member(o.group, o.user);
    if (!added) return report(added.error());
    std::printf(*added ? "Added %s to group %s\n" : "%s is already in group %s\n", o.user.c_str(),
                o.group.c_str());
  } else {
    if (auto r = app.directory().remove_member(o.group, o.user); !r) return report(r.error());
    std::printf("Removed %s from group %s\n", o.user.c_str(), o.group.c_str());
  }
  return 0;
}

int run_group_members(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  auto members = app.storage().groups().members(o.group);
  if (!members) return report(members.error());
  for (const auto& m : *members) std::printf("%s\n", m.c_str());
  return 0;
}

int run_assign(const CommonOptions& common, const DirectoryOptions& o, bool assign) {
  if (o.user.empty() == o.group.empty()) return complain("give exactly one of --user and --group");
  const auto type = o.user.empty() ? storage::PrincipalType::kGroup : storage::PrincipalType::kUser;
  const std::string& principal = o.user.empty() ? o.group : o.user;
  const std::string who = (o.user.empty() ? "group " : "user ") + principal;
  Application app(common.database, domain::Settings{});
  if (assign) {
    auto added = app.directory().assign(type, principal, o.account_id, o.name);
    if (!added) return report(added.error());
    std::printf(*added ? "Assigned role %s in account %s to %s\n"
                       : "Role %s in account %s was already assigned to %s\n",
                o.name.c_str(), o.account_id.c_str(), who.c_str());
  } else {
    if (auto r = app.directory().unassign(type, principal, o.account_id, o.name); !r)
      return report(r.error());
    std::printf("Unassigned role %s in account %s from %s\n", o.name.c_str(),
                o.account_id.c_str(), who.c_str());
  }
  return 0;
}

int run_assignment_list(const CommonOptions& common) {
  Application app(common.database, domain::Settings{});
  auto assignments = app.storage().assignments().list();
  if (!assignments) return report(assignments.error());
  std::printf("%-12s  %-32s %-6s %s\n", "ACCOUNT", "ROLE", "TYPE", "PRINCIPAL");
  for (const auto& a : *assignments)
    std::printf("%-12s  %-32s %-6s %s\n", a.account_id.c_str(), a.role_name.c_str(),
                a.principal_type == storage::PrincipalType::kGroup ? "group" : "user",
                a.principal_name.c_str());
  return 0;
}

int run_credentials_list(const CommonOptions& common, const DirectoryOptions& o) {
  Application app(common.database, domain::Settings{});
  auto records = app.storage().credential_records().list(o.user, o.limit);
  if (!records) return report(records.error());
  std::printf("%-20s  %-24s %-12s  %-24s %-20s %-8s %s\n", "ISSUED", "USER", "ACCOUNT", "ROLE",
              "ACCESS KEY ID", "SOURCE", "EXPIRES");
  for (const auto& r : *records)
    std::printf("%-20s  %-24s %-12s  %-24s %-20s %-8s %s\n",
                core::format_iso8601_utc(r.issued_at).c_str(), r.user_name.c_str(),
                r.account_id.c_str(), r.role_name.c_str(), r.access_key_id.c_str(),
                std::string(domain::credential_source_name(r.source)).c_str(),
                core::format_iso8601_utc(r.expires_at).c_str());
  return 0;
}

int run_world_apply(const CommonOptions& common, const std::string& path) {
  const World world = load_world_file(path);  // refuses a malformed file before opening the database
  Application app(common.database, domain::Settings{});
  const std::int64_t changes = apply_world(app, world);
  std::printf("Applied %s: %zu users, %zu groups, %zu accounts, %zu roles, %zu assignments; %lld "
              "changes\n",
              path.c_str(), world.users.size(), world.groups.size(), world.accounts.size(),
              world.roles.size(), world.assignments.size(), static_cast<long long>(changes));
  return 0;
}

}  // namespace ssooidc::server
