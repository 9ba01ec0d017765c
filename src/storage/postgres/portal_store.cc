#include <initializer_list>

#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

// Deletes the row of `main` and then what hangs off it (`dependents`), all with `params`, in
// one transaction. Returns false (deleting nothing) when `main` matched no row.
Result<bool> remove_cascading(Database& database, Sql main, std::initializer_list<Sql> dependents,
                              const Params& params) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  auto removed = connection.execute(main, params);
  if (!removed) return std::unexpected(std::move(removed.error()));
  if (removed->changed() == 0) return false;  // rolls back, having done nothing
  for (const Sql dependent : dependents) {
    if (auto ran = connection.execute(dependent, params); !ran)
      return std::unexpected(std::move(ran.error()));
  }
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

}  // namespace

// ---- accounts and roles -------------------------------------------------------------------------

Result<bool> PostgresAccountStore::put(const AccountRecord& account) {
  Params params;
  write_account(account, params);
  return changed_one(write(database_, Sql::kPutAccount, params));
}

Result<std::optional<AccountRecord>> PostgresAccountStore::find(std::string_view account_id) {
  Params params;
  params.text(account_id);
  return read_first<AccountRecord>(database_, Sql::kFindAccount, params, read_account);
}

Result<std::vector<AccountRecord>> PostgresAccountStore::list() {
  return read_all<AccountRecord>(database_, Sql::kListAccounts, Params{}, read_account);
}

Result<bool> PostgresAccountStore::remove(std::string_view account_id) {
  Params params;
  params.text(account_id);
  return remove_cascading(database_, Sql::kDeleteAccount,
                          {Sql::kDeleteAccountRoles, Sql::kDeleteAccountAssignments}, params);
}

Result<bool> PostgresAccountStore::put_role(const RoleRecord& role) {
  Params params;
  write_role(role, params);
  return changed_one(write(database_, Sql::kPutRole, params));
}

Result<std::optional<RoleRecord>> PostgresAccountStore::find_role(std::string_view account_id,
                                                                  std::string_view role_name) {
  Params params;
  params.text(account_id).text(role_name);
  return read_first<RoleRecord>(database_, Sql::kFindRole, params, read_role);
}

Result<std::vector<RoleRecord>> PostgresAccountStore::list_roles(std::string_view account_id) {
  if (account_id.empty())
    return read_all<RoleRecord>(database_, Sql::kListAllRoles, Params{}, read_role);
  Params params;
  params.text(account_id);
  return read_all<RoleRecord>(database_, Sql::kListRolesOfAccount, params, read_role);
}

Result<bool> PostgresAccountStore::remove_role(std::string_view account_id,
                                               std::string_view role_name) {
  Params params;
  params.text(account_id).text(role_name);
  return remove_cascading(database_, Sql::kDeleteRole, {Sql::kDeleteRoleAssignments}, params);
}

// ---- groups -------------------------------------------------------------------------------------

Result<bool> PostgresGroupStore::put(const GroupRecord& group) {
  Params params;
  write_group(group, params);
  return changed_one(write(database_, Sql::kPutGroup, params));
}

Result<std::optional<GroupRecord>> PostgresGroupStore::find(std::string_view name) {
  Params params;
  params.text(name);
  return read_first<GroupRecord>(database_, Sql::kFindGroup, params, read_group);
}

Result<std::vector<GroupRecord>> PostgresGroupStore::list() {
  return read_all<GroupRecord>(database_, Sql::kListGroups, Params{}, read_group);
}

Result<bool> PostgresGroupStore::remove(std::string_view name) {
  Params params;
  params.text(name);
  return remove_cascading(database_, Sql::kDeleteGroup,
                          {Sql::kDeleteGroupMembers, Sql::kDeleteGroupAssignments}, params);
}

Result<bool> PostgresGroupStore::add_member(std::string_view group, std::string_view user_name) {
  Params params;
  params.text(group).text(user_name);
  return changed_one(write(database_, Sql::kAddGroupMember, params));
}

Result<bool> PostgresGroupStore::remove_member(std::string_view group,
                                               std::string_view user_name) {
  Params params;
  params.text(group).text(user_name);
  return changed_one(write(database_, Sql::kRemoveGroupMember, params));
}

Result<std::vector<std::string>> PostgresGroupStore::members(std::string_view group) {
  Params params;
  params.text(group);
  return read_all<std::string>(
      database_, Sql::kListGroupMembers, params,
      [](RowReader& row) -> Result<std::string> { return row.text(0); });
}

// ---- assignments --------------------------------------------------------------------------------

Result<bool> PostgresAssignmentStore::add(const AssignmentRecord& assignment) {
  Params params;
  write_assignment(assignment, params);
  return changed_one(write(database_, Sql::kAddAssignment, params));
}

Result<bool> PostgresAssignmentStore::remove(PrincipalType type, std::string_view principal,
                                             std::string_view account_id,
                                             std::string_view role_name) {
  Params params;
  params.text(principal_type_name(type)).text(principal).text(account_id).text(role_name);
  return changed_one(write(database_, Sql::kRemoveAssignment, params));
}

Result<std::vector<AssignmentRecord>> PostgresAssignmentStore::list() {
  return read_all<AssignmentRecord>(database_, Sql::kListAssignments, Params{}, read_assignment);
}

Result<std::vector<AccountRecord>> PostgresAssignmentStore::accounts_for_user(
    std::string_view user_name, std::string_view after, std::int64_t limit) {
  Params params;
  params.text(user_name).text(after).integer(limit);
  return read_all<AccountRecord>(database_, Sql::kAccountsForUser, params, read_account);
}

Result<std::vector<RoleRecord>> PostgresAssignmentStore::roles_for_user(
    std::string_view user_name, std::string_view account_id, std::string_view after,
    std::int64_t limit) {
  Params params;
  params.text(user_name).text(account_id).text(after).integer(limit);
  return read_all<RoleRecord>(database_, Sql::kRolesForUser, params, read_role);
}

Result<std::optional<RoleRecord>> PostgresAssignmentStore::assigned_role(
    std::string_view user_name, std::string_view account_id, std::string_view role_name) {
  Params params;
  params.text(user_name).text(account_id).text(role_name);
  return read_first<RoleRecord>(database_, Sql::kAssignedRole, params, read_role);
}

// ---- credential records -------------------------------------------------------------------------

Result<void> PostgresCredentialRecordStore::insert(const CredentialIssueRecord& record) {
  Params params;
  write_credential_record(record, params);
  auto inserted = write(database_, Sql::kInsertCredentialRecord, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::vector<CredentialIssueRecord>> PostgresCredentialRecordStore::list(
    std::string_view user_name, std::int64_t limit) {
  Params params;
  params.text(user_name).integer(limit);
  return read_all<CredentialIssueRecord>(database_, Sql::kListCredentialRecords, params,
                                         read_credential_record);
}

Result<std::int64_t> PostgresCredentialRecordStore::purge_issued_before(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeCredentialRecords, params);
}

}  // namespace ssooidc::storage::postgres
