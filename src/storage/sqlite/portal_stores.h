// The SQLite backend's portal stores (storage/portal_stores.h) over the shared Database.
//
// Private to storage/sqlite. Thread safety as stores.h: each call takes a pooled connection;
// writes hold Database::write_mutex, and the removals that cascade run in one transaction.
#pragma once

#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(Database& database) : database_(database) {}
  Result<bool> put(const AccountRecord& account) override;
  Result<std::optional<AccountRecord>> find(std::string_view account_id) override;
  Result<std::vector<AccountRecord>> list() override;
  Result<bool> remove(std::string_view account_id) override;
  Result<bool> put_role(const RoleRecord& role) override;
  Result<std::optional<RoleRecord>> find_role(std::string_view account_id,
                                              std::string_view role_name) override;
  Result<std::vector<RoleRecord>> list_roles(std::string_view account_id) override;
  Result<bool> remove_role(std::string_view account_id, std::string_view role_name) override;

 private:
  Database& database_;
};

class SqliteGroupStore final : public GroupStore {
 public:
  explicit SqliteGroupStore(Database& database) : database_(database) {}
  Result<bool> put(const GroupRecord& group) override;
  Result<std::optional<GroupRecord>> find(std::string_view name) override;
  Result<std::vector<GroupRecord>> list() override;
  Result<bool> remove(std::string_view name) override;
  Result<bool> add_member(std::string_view group, std::string_view user_name) override;
  Result<bool> remove_member(std::string_view group, std::string_view user_name) override;
  Result<std::vector<std::string>> members(std::string_view group) override;

 private:
  Database& database_;
};

class SqliteAssignmentStore final : public AssignmentStore {
 public:
  explicit SqliteAssignmentStore(Database& database) : database_(database) {}
  Result<bool> add(const AssignmentRecord& assignment) override;
  Result<bool> remove(PrincipalType type, std::string_view principal_name,
                      std::string_view account_id, std::string_view role_name) override;
  Result<std::vector<AssignmentRecord>> list() override;
  Result<std::vector<AccountRecord>> accounts_for_user(std::string_view user_name,
                                                       std::string_view after,
                                                       std::int64_t limit) override;
  Result<std::vector<RoleRecord>> roles_for_user(std::string_view user_name,
                                                 std::string_view account_id,
                                                 std::string_view after,
                                                 std::int64_t limit) override;
  Result<std::optional<RoleRecord>> assigned_role(std::string_view user_name,
                                                  std::string_view account_id,
                                                  std::string_view role_name) override;

 private:
  Database& database_;
};

class SqliteCredentialRecordStore final : public CredentialRecordStore {
 public:
  explicit SqliteCredentialRecordStore(Database& database) : database_(database) {}
  Result<void> insert(const CredentialIssueRecord& record) override;
  Result<std::vector<CredentialIssueRecord>> list(std::string_view user_name,
                                                  std::int64_t limit) override;
  Result<std::int64_t> purge_issued_before(std::int64_t before) override;

 private:
  Database& database_;
};

}  // namespace ssooidc::storage::sqlite
