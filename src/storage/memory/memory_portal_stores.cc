#include "storage/memory/memory_portal_stores.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

namespace ssooidc::storage {
namespace {

using RoleKey = std::pair<std::string, std::string>;  // (account_id, role_name)
// (account_id, role_name, principal type, principal name): the order list() promises.
using AssignmentKey = std::tuple<std::string, std::string, int, std::string>;

bool same(const AccountRecord& a, const AccountRecord& b) {
  return a.name == b.name && a.email == b.email;
}

bool same(const RoleRecord& a, const RoleRecord& b) {
  return a.session_duration_seconds == b.session_duration_seconds && a.source == b.source &&
         a.static_access_key_id == b.static_access_key_id &&
         a.static_secret_access_key == b.static_secret_access_key &&
         a.static_session_token == b.static_session_token && a.command == b.command;
}

}  // namespace

struct MemoryPortalStores::Impl {
  std::mutex mutex;
  std::map<std::string, AccountRecord, std::less<>> accounts;
  std::map<RoleKey, RoleRecord> roles;
  std::map<std::string, GroupRecord, std::less<>> groups;
  std::set<std::pair<std::string, std::string>> members;  // (group, user)
  std::map<AssignmentKey, AssignmentRecord> assignments;
  std::deque<CredentialIssueRecord> records;  // in insertion order

  // True when `user` holds (account, role) directly or through a group. Caller holds the mutex.
  bool holds_locked(std::string_view user, const std::string& account, const std::string& role) {
    const auto lo = assignments.lower_bound({account, role, 0, ""});
    for (auto it = lo; it != assignments.end(); ++it) {
      const auto& [a, r, type, principal] = it->first;
      if (a != account || r != role) break;
      if (type == static_cast<int>(PrincipalType::kUser) && principal == user) return true;
      if (type == static_cast<int>(PrincipalType::kGroup) && members.contains({principal, std::string(user)}))
        return true;
    }
    return false;
  }

  void erase_assignments_locked(const std::string& account, const std::string* role) {
    std::erase_if(assignments, [&](const auto& entry) {
      return std::get<0>(entry.first) == account && (role == nullptr || std::get<1>(entry.first) == *role);
    });
  }

  class Accounts;
  class Groups;
  class Assignments;
  class Records;
};

class MemoryPortalStores::Impl::Accounts final : public AccountStore {
 public:
  explicit Accounts(Impl& impl) : s_(impl) {}

  Result<bool> put(const AccountRecord& account) override {
    std::lock_guard lock(s_.mutex);
    auto [it, inserted] = s_.accounts.try_emplace(account.account_id, account);
    if (inserted) return true;
    if (same(it->second, account)) return false;
    it->second.name = account.name;
    it->second.email = account.email;
    return true;
  }
  Result<std::optional<AccountRecord>> find(std::string_view account_id) override {
    std::lock_guard lock(s_.mutex);
    const auto it = s_.accounts.find(account_id);
    if (it == s_.accounts.end()) return std::nullopt;
    return it->second;
  }
  Result<std::vector<AccountRecord>> list() override {
    std::lock_guard lock(s_.mutex);
    std::vector<AccountRecord> out;
    out.reserve(s_.accounts.size());
    for (const auto& [id, account] : s_.accounts) out.push_back(account);
    return out;
  }
  Result<bool> remove(std::string_view account_id) override {
    std::lock_guard lock(s_.mutex);
    const auto it = s_.accounts.find(account_id);
    if (it == s_.accounts.end()) return false;
    const std::string id = it->first;
    s_.accounts.erase(it);
    std::erase_if(s_.roles, [&](const auto& entry) { return entry.first.first == id; });
    s_.erase_assignments_locked(id, nullptr);
    return true;
  }
  Result<bool> put_role(const RoleRecord& role) override {
    std::lock_guard lock(s_.mutex);
    auto [it, inserted] = s_.roles.try_emplace({role.account_id, role.role_name}, role);
    if (inserted) return true;
    if (same(it->second, role)) return false;
    const std::int64_t created_at = it->second.created_at;
    it->second = role;
    it->second.created_at = created_at;
    return true;
  }
  Result<std::optional<RoleRecord>> find_role(std::string_view account_id,
                                              std::string_view role_name) override {
    std::lock_guard lock(s_.mutex);
    const auto it = s_.roles.find({std::string(account_id), std::string(role_name)});
    if (it == s_.roles.end()) return std::nullopt;
    return it->second;
  }
  Result<std::vector<RoleRecord>> list_roles(std::string_view account_id) override {
    std::lock_guard lock(s_.mutex);
    std::vector<RoleRecord> out;
    for (const auto& [key, role] : s_.roles)
      if (account_id.empty() || key.first == account_id) out.push_back(role);
    return out;
  }
  Result<bool> remove_role(std::string_view account_id, std::string_view role_name) override {
    std::lock_guard lock(s_.mutex);
    const RoleKey key{std::string(account_id), std::string(role_name)};
    if (s_.roles.erase(key) == 0) return false;
    s_.erase_assignments_locked(key.first, &key.second);
    return true;
  }

 private:
  Impl& s_;
};

class MemoryPortalStores::Impl::Groups final : public GroupStore {
 public:
  explicit Groups(Impl& impl) : s_(impl) {}

  Result<bool> put(const GroupRecord& group) override {
    std::lock_guard lock(s_.mutex);
    auto [it, inserted] = s_.groups.try_emplace(group.name, group);
    if (inserted) return true;
    if (it->second.description == group.description) return false;
    it->second.description = group.description;
    return true;
  }
  Result<std::optional<GroupRecord>> find(std::string_view name) override {
    std::lock_guard lock(s_.mutex);
    const auto it = s_.groups.find(name);
    if (it == s_.groups.end()) return std::nullopt;
    return it->second;
  }
  Result<std::vector<GroupRecord>> list() override {
    std::lock_guard lock(s_.mutex);
    std::vector<GroupRecord> out;
    out.reserve(s_.groups.size());
    for (const auto& [name, group] : s_.groups) out.push_back(group);
    return out;
  }
  Result<bool> remove(std::string_view name) override {
    std::lock_guard lock(s_.mutex);
    const auto it = s_.groups.find(name);
    if (it == s_.groups.end()) return false;
    const std::string group = it->first;
    s_.groups.erase(it);
    std::erase_if(s_.members, [&](const auto& m) { return m.first == group; });
    std::erase_if(s_.assignments, [&](const auto& entry) {
      return std::get<2>(entry.first) == static_cast<int>(PrincipalType::kGroup) &&
             std::get<3>(entry.first) == group;
    });
    return true;
  }
  Result<bool> add_member(std::string_view group, std::string_view user_name) override {
    std::lock_guard lock(s_.mutex);
    return s_.members.emplace(std::string(group), std::string(user_name)).second;
  }
  Result<bool> remove_member(std::string_view group, std::string_view user_name) override {
    std::lock_guard lock(s_.mutex);
    return s_.members.erase({std::string(group), std::string(user_name)}) == 1;
  }
  Result<std::vector<std::string>> members(std::string_view group) override {
    std::lock_guard lock(s_.mutex);
    std::vector<std::string> out;
    for (const auto& [g, user] : s_.members)
      if (g == group) out.push_back(user);
    return out;
  }

 private:
  Impl& s_;
};

class MemoryPortalStores::Impl::Assignments final : public AssignmentStore {
 public:
  explicit Assignments(Impl& impl) : s_(impl) {}

  Result<bool> add(const AssignmentRecord& a) override {
    std::lock_guard lock(s_.mutex);
    return s_.assignments
        .try_emplace({a.account_id, a.role_name, static_cast<int>(a.principal_type),
                      a.principal_name},
                     a)
        .second;
  }
  Result<bool> remove(PrincipalType type, std::string_view principal_name,
                      std::string_view account_id, std::string_view role_name) override {
    std::lock_guard lock(s_.mutex);
    return s_.assignments.erase({std::string(account_id), std::string(role_name),
                                 static_cast<int>(type), std::string(principal_name)}) == 1;
  }
  Result<std::vector<AssignmentRecord>> list() override {
    std::lock_guard lock(s_.mutex);
    std::vector<AssignmentRecord> out;
    out.reserve(s_.assignments.size());
    for (const auto& [key, a] : s_.assignments) out.push_back(a);
    return out;
  }
  Result<std::vector<AccountRecord>> accounts_for_user(std::string_view user_name,
                                                       std::string_view after,
                                                       std::int64_t limit) override {
    std::lock_guard lock(s_.mutex);
    std::vector<AccountRecord> out;
    for (auto it = s_.accounts.upper_bound(after);
         it != s_.accounts.end() && std::cmp_less(out.size(), limit); ++it) {
      const auto lo = s_.roles.lower_bound({it->first, ""});
      for (auto role = lo; role != s_.roles.end() && role->first.first == it->first; ++role) {
        if (s_.holds_locked(user_name, role->first.first, role->first.second)) {
          out.push_back(it->second);
          break;
        }
      }
    }
    return out;
  }
  Result<std::vector<RoleRecord>> roles_for_user(std::string_view user_name,
                                                 std::string_view account_id,
                                                 std::string_view after,
                                                 std::int64_t limit) override {
    std::lock_guard lock(s_.mutex);
    std::vector<RoleRecord> out;
    if (!s_.accounts.contains(account_id)) return out;
    const std::string account(account_id);
    for (auto it = s_.roles.upper_bound({account, std::string(after)});
         it != s_.roles.end() && it->first.first == account && std::cmp_less(out.size(), limit);
         ++it) {
      if (s_.holds_locked(user_name, account, it->first.second)) out.push_back(it->second);
    }
    return out;
  }
  Result<std::optional<RoleRecord>> assigned_role(std::string_view user_name,
                                                  std::string_view account_id,
                                                  std::string_view role_name) override {
    std::lock_guard lock(s_.mutex);
    if (!s_.accounts.contains(account_id)) return std::nullopt;
    const auto it = s_.roles.find({std::string(account_id), std::string(role_name)});
    if (it == s_.roles.end() || !s_.holds_locked(user_name, it->first.first, it->first.second))
      return std::nullopt;
    return it->second;
  }

 private:
  Impl& s_;
};

class MemoryPortalStores::Impl::Records final : public CredentialRecordStore {
 public:
  explicit Records(Impl& impl) : s_(impl) {}

  Result<void> insert(const CredentialIssueRecord& record) override {
    std::lock_guard lock(s_.mutex);
    s_.records.push_back(record);
    return {};
  }
  Result<std::vector<CredentialIssueRecord>> list(std::string_view user_name,
                                                  std::int64_t limit) override {
    std::lock_guard lock(s_.mutex);
    std::vector<const CredentialIssueRecord*> matching;
    for (const auto& r : s_.records)
      if (user_name.empty() || r.user_name == user_name) matching.push_back(&r);
    // Newest first: by issued_at, ties by insertion (later first).
    std::stable_sort(matching.begin(), matching.end(),
                     [](const auto* a, const auto* b) { return a->issued_at < b->issued_at; });
    std::vector<CredentialIssueRecord> out;
    for (auto it = matching.rbegin(); it != matching.rend() && std::cmp_less(out.size(), limit); ++it)
      out.push_back(**it);
    return out;
  }
  Result<std::int64_t> purge_issued_before(std::int64_t before) override {
    std::lock_guard lock(s_.mutex);
    return static_cast<std::int64_t>(
        std::erase_if(s_.records, [&](const auto& r) { return r.issued_at < before; }));
  }

 private:
  Impl& s_;
};

MemoryPortalStores::MemoryPortalStores() : impl_(std::make_unique<Impl>()) {
  accounts_ = std::make_unique<Impl::Accounts>(*impl_);
  groups_ = std::make_unique<Impl::Groups>(*impl_);
  assignments_ = std::make_unique<Impl::Assignments>(*impl_);
  records_ = std::make_unique<Impl::Records>(*impl_);
}

MemoryPortalStores::~MemoryPortalStores() = default;

AccountStore& MemoryPortalStores::accounts() { return *accounts_; }
GroupStore& MemoryPortalStores::groups() { return *groups_; }
AssignmentStore& MemoryPortalStores::assignments() { return *assignments_; }
CredentialRecordStore& MemoryPortalStores::credential_records() { return *records_; }

}  // namespace ssooidc::storage
