#include "server/world_file.h"

#include <toml++/toml.h>

#include <set>
#include <sstream>

#include "domain/directory_service.h"
#include "domain/user_service.h"
#include "server/application.h"

namespace ssooidc::server {
namespace {

std::string where_of(const std::string& path, const toml::source_region& region) {
  return path + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

[[noreturn]] void refuse(const std::string& where, const std::string& field,
                         const std::string& problem) {
  throw WorldFileError(where + ": " + field + ": " + problem);
}

// Reads the keys of one table, refusing unknown ones and wrong types.
class Entry {
 public:
  Entry(const std::string& path, const toml::node& node, std::string field)
      : path_(path), field_(std::move(field)) {
    table_ = node.as_table();
    where_ = where_of(path, node.source());
    if (table_ == nullptr) refuse(where_, field_, "must be a table");
  }

  const std::string& where() const { return where_; }

  std::string string(const char* key, bool required, std::string fallback = {}) {
    seen_.insert(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) {
      if (required) refuse(where_, field_ + "." + key, "is required");
      return fallback;
    }
    const auto* value = node->as_string();
    if (value == nullptr) refuse(at(*node), field_ + "." + key, "must be a string");
    return value->get();
  }

  std::int64_t integer(const char* key, std::int64_t fallback) {
    seen_.insert(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) return fallback;
    const auto* value = node->as_integer();
    if (value == nullptr) refuse(at(*node), field_ + "." + key, "must be an integer");
    return value->get();
  }

  bool boolean(const char* key, bool fallback) {
    seen_.insert(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) return fallback;
    const auto* value = node->as_boolean();
    if (value == nullptr) refuse(at(*node), field_ + "." + key, "must be true or false");
    return value->get();
  }

  std::vector<std::string> strings(const char* key) {
    seen_.insert(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) return {};
    const auto* array = node->as_array();
    if (array == nullptr) refuse(at(*node), field_ + "." + key, "must be a list of strings");
    std::vector<std::string> out;
    for (const auto& item : *array) {
      const auto* s = item.as_string();
      if (s == nullptr) refuse(at(item), field_ + "." + key, "must be a list of strings");
      out.push_back(s->get());
    }
    return out;
  }

  // The array of tables under `key` (each a node), empty when absent.
  const toml::array* tables(const char* key) {
    seen_.insert(key);
    const toml::node* node = table_->get(key);
    if (node == nullptr) return nullptr;
    const auto* array = node->as_array();
    if (array == nullptr) refuse(at(*node), field_ + "." + key, "must be an array of tables ([[...]])");
    return array;
  }

  bool has(const char* key) const { return table_->get(key) != nullptr; }

  std::string at(const toml::node& node) const { return where_of(path_, node.source()); }

  // Call after reading every key.
  void no_other_keys() const {
    for (const auto& [key, node] : *table_) {
      if (!seen_.contains(std::string(key.str())))
        refuse(at(node), field_ + "." + std::string(key.str()), "is not a known key");
    }
  }

 private:
  const std::string& path_;
  std::string field_;
  const toml::table* table_ = nullptr;
  std::string where_;
  std::set<std::string> seen_;
};

template <typename Each>
void for_each_table(const std::string& path, const toml::table& root, const char* key, Each each) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr)
    refuse(where_of(path, node->source()), key, "must be an array of tables ([[" + std::string(key) + "]])");
  for (std::size_t i = 0; i < array->size(); ++i) {
    Entry entry(path, (*array)[i], std::string(key) + "[" + std::to_string(i) + "]");
    each(entry);
    entry.no_other_keys();
  }
}

template <typename Key>
void unique(std::set<Key>& seen, const Key& key, const std::string& where,
            const std::string& field, const std::string& what) {
  if (!seen.insert(key).second) refuse(where, field, what + " appears twice in the file");
}

}  // namespace

World load_world_file(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream text;
    text << path << ":" << e.source().begin.line << ":" << e.source().begin.column
         << ": syntax: " << e.description();
    throw WorldFileError(text.str());
  }
  for (const auto& [key, node] : root) {
    const std::string_view k = key.str();
    if (k != "users" && k != "groups" && k != "accounts" && k != "assignments")
      refuse(where_of(path, node.source()), std::string(k),
             "is not a known section (users, groups, accounts, assignments)");
  }

  World world;
  std::set<std::string> user_names, group_names, account_ids;
  std::set<std::pair<std::string, std::string>> role_keys;
  for_each_table(path, root, "users", [&](Entry& e) {
    WorldUser user;
    user.where = e.where();
    user.name = e.string("name", true);
    user.password = e.string("password", true);
    user.email = e.string("email", false);
    user.disabled = e.boolean("disabled", false);
    if (!domain::UserService::valid_name(user.name))
      refuse(e.where(), "name", "user names are 1 to 64 characters of letters, digits and . _ @ -");
    if (user.password.size() < 8 || user.password.size() > 1024)
      refuse(e.where(), "password", "passwords are 8 to 1024 characters long");
    unique(user_names, user.name, e.where(), "name", "user " + user.name);
    world.users.push_back(std::move(user));
  });
  for_each_table(path, root, "groups", [&](Entry& e) {
    WorldGroup group;
    group.where = e.where();
    group.group.name = e.string("name", true);
    group.group.description = e.string("description", false);
    group.members = e.strings("members");
    if (auto problem = domain::DirectoryService::check_group(group.group))
      refuse(e.where(), "name", *problem);
    unique(group_names, group.group.name, e.where(), "name", "group " + group.group.name);
    world.groups.push_back(std::move(group));
  });
  for_each_table(path, root, "accounts", [&](Entry& e) {
    storage::AccountRecord account;
    account.account_id = e.string("id", true);
    account.name = e.string("name", true);
    account.email = e.string("email", false);
    if (auto problem = domain::DirectoryService::check_account(account))
      refuse(e.where(), "id/name/email", *problem);
    unique(account_ids, account.account_id, e.where(), "id", "account " + account.account_id);
    if (const toml::array* roles = e.tables("roles")) {
      for (std::size_t i = 0; i < roles->size(); ++i) {
        Entry r(path, (*roles)[i], "roles[" + std::to_string(i) + "]");
        storage::RoleRecord role;
        role.account_id = account.account_id;
        role.role_name = r.string("name", true);
        const std::int64_t duration =
            r.integer("session_duration", domain::DirectoryService::kDefaultSessionSeconds);
        if (duration < domain::DirectoryService::kMinSessionSeconds ||
            duration > domain::DirectoryService::kMaxSessionSeconds)
          refuse(r.where(), "session_duration", "must be 900 to 43200 seconds (15 minutes to 12 hours)");
        role.session_duration_seconds = static_cast<std::int32_t>(duration);
        const std::string source = r.string("source", false, "minted");
        const auto parsed = domain::parse_credential_source(source);
        if (!parsed) refuse(r.where(), "source", "must be minted, static or command");
        role.source = *parsed;
        role.static_access_key_id = r.string("access_key_id", false);
        role.static_secret_access_key = r.string("secret_access_key", false);
        role.static_session_token = r.string("session_token", false);
        role.command = r.strings("command");
        if (role.source != storage::CredentialSource::kStatic &&
            (r.has("access_key_id") || r.has("secret_access_key") || r.has("session_token")))
          refuse(r.where(), "access_key_id", "only a static role has fixed credentials");
        if (role.source != storage::CredentialSource::kCommand && r.has("command"))
          refuse(r.where(), "command", "only a command role runs a command");
        if (auto problem = domain::DirectoryService::check_role(role))
          refuse(r.where(), "name/source", *problem);
        unique(role_keys, std::pair(role.account_id, role.role_name), r.where(), "name",
               "role " + role.role_name + " of account " + role.account_id);
        r.no_other_keys();
        world.roles.push_back(std::move(role));
      }
    }
    world.accounts.push_back(std::move(account));
  });
  for_each_table(path, root, "assignments", [&](Entry& e) {
    WorldAssignment a;
    a.where = e.where();
    const std::string user = e.string("user", false);
    const std::string group = e.string("group", false);
    if (user.empty() == group.empty()) refuse(e.where(), "user/group", "give exactly one of user and group");
    a.assignment.principal_type =
        user.empty() ? storage::PrincipalType::kGroup : storage::PrincipalType::kUser;
    a.assignment.principal_name = user.empty() ? group : user;
    a.assignment.account_id = e.string("account", true);
    a.assignment.role_name = e.string("role", true);
    world.assignments.push_back(std::move(a));
  });
  return world;
}

std::int64_t apply_world(Application& app, const World& world) {
  storage::Storage& db = app.storage();
  auto check = [](auto result) {
    if (!result) throw std::runtime_error("world: " + result.error().error_description);
    return std::move(*result);
  };
  std::set<std::string> users, groups;
  std::set<std::pair<std::string, std::string>> roles;
  for (const auto& u : world.users) users.insert(u.name);
  for (const auto& g : world.groups) groups.insert(g.group.name);
  for (const auto& r : world.roles) roles.insert({r.account_id, r.role_name});
  auto user_exists = [&](const std::string& name) {
    return users.contains(name) || check(db.users().find(name)).has_value();
  };
  // References first, so that a file that names something nobody has is refused before any write.
  for (const auto& g : world.groups)
    for (const auto& m : g.members)
      if (!user_exists(m)) refuse(g.where, "members", "no user " + m + " in the file or the database");
  for (const auto& a : world.assignments) {
    const auto& as = a.assignment;
    if (as.principal_type == storage::PrincipalType::kUser ? !user_exists(as.principal_name)
                                                           : !groups.contains(as.principal_name) &&
                                                                 !check(db.groups().find(as.principal_name)))
      refuse(a.where, as.principal_type == storage::PrincipalType::kUser ? "user" : "group",
             "no " + std::string(as.principal_type == storage::PrincipalType::kUser ? "user " : "group ") +
                 as.principal_name + " in the file or the database");
    if (!roles.contains({as.account_id, as.role_name}) &&
        !check(db.accounts().find_role(as.account_id, as.role_name)))
      refuse(a.where, "role", "no role " + as.role_name + " in account " + as.account_id +
                                  " in the file or the database");
  }

  std::int64_t changes = 0;
  for (const auto& u : world.users) {
    auto existing = check(db.users().find(u.name));
    if (!existing) {
      check(app.users().add(u.name, u.password, u.email));
      ++changes;
      existing = check(db.users().find(u.name));
    }
    if (existing && existing->disabled != u.disabled) {
      if (auto set = app.users().set_disabled(u.name, u.disabled); !set)
        throw std::runtime_error("world: " + set.error().error_description);
      ++changes;
    }
  }
  for (const auto& g : world.groups) {
    changes += check(app.directory().put_group(g.group)) ? 1 : 0;
    for (const auto& m : g.members) changes += check(app.directory().add_member(g.group.name, m)) ? 1 : 0;
  }
  for (const auto& a : world.accounts) changes += check(app.directory().put_account(a)) ? 1 : 0;
  for (const auto& r : world.roles) changes += check(app.directory().put_role(r)) ? 1 : 0;
  for (const auto& a : world.assignments) {
    const auto& as = a.assignment;
    changes += check(app.directory().assign(as.principal_type, as.principal_name, as.account_id,
                                            as.role_name))
                   ? 1
                   : 0;
  }
  return changes;
}

}  // namespace ssooidc::server
