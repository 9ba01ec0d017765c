#include <initializer_list>

#include "storage/backend_error.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

std::string_view source_name(CredentialSource source) noexcept {
  switch (source) {
    case CredentialSource::kStatic:
      return "static";
    case CredentialSource::kCommand:
      return "command";
    case CredentialSource::kMinted:
      break;
  }
  return "minted";
}

std::optional<CredentialSource> parse_source(std::string_view name) noexcept {
  if (name == "minted") return CredentialSource::kMinted;
  if (name == "static") return CredentialSource::kStatic;
  if (name == "command") return CredentialSource::kCommand;
  return std::nullopt;
}

std::string_view principal_name(PrincipalType type) noexcept {
  return type == PrincipalType::kGroup ? "group" : "user";
}

// Columns: account_id, name, email, created_at.
Result<AccountRecord> read_account(const Rows& rows, int row) {
  return AccountRecord{rows.text(row, 0), rows.text(row, 1), rows.text(row, 2),
                       rows.integer(row, 3)};
}

// Columns of the role statements (statements.cc).
Result<RoleRecord> read_role(const Rows& rows, int row) {
  RoleRecord role;
  role.account_id = rows.text(row, 0);
  role.role_name = rows.text(row, 1);
  role.session_duration_seconds = static_cast<std::int32_t>(rows.integer(row, 2));
  const auto source = parse_source(rows.view(row, 3));
  if (!source) return std::unexpected(backend_error("read role", "unknown credential source"));
  role.source = *source;
  role.static_access_key_id = rows.text(row, 4);
  role.static_secret_access_key = rows.text(row, 5);
  role.static_session_token = rows.text(row, 6);
  auto command = read_list(rows, row, 7, "read role");
  if (!command) return std::unexpected(std::move(command.error()));
  role.command = std::move(*command);
  role.created_at = rows.integer(row, 8);
  return role;
}

Result<GroupRecord> read_group(const Rows& rows, int row) {
  return GroupRecord{rows.text(row, 0), rows.text(row, 1), rows.integer(row, 2)};
}

Result<AssignmentRecord> read_assignment(const Rows& rows, int row) {
  AssignmentRecord a;
  a.principal_type = rows.view(row, 0) == "group" ? PrincipalType::kGroup : PrincipalType::kUser;
  a.principal_name = rows.text(row, 1);
  a.account_id = rows.text(row, 2);
  a.role_name = rows.text(row, 3);
  a.created_at = rows.integer(row, 4);
  return a;
}

Result<CredentialIssueRecord> read_record(const Rows& rows, int row) {
  CredentialIssueRecord r;
  r.issued_at = rows.integer(row, 0);
  r.user_name = rows.text(row, 1);
  r.account_id = rows.text(row, 2);
  r.role_name = rows.text(row, 3);
  r.access_key_id = rows.text(row, 4);
  r.expires_at = rows.integer(row, 5);
  const auto source = parse_source(rows.view(row, 6));
  if (!source)
    return std::unexpected(backend_error("list credential records", "unknown credential source"));
  r.source = *source;
  return r;
}

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
  params.text(account.account_id).text(account.name).text(account.email).integer(account.created_at);
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
  const std::string command = encode_string_list(role.command);
  Params params;
  params.text(role.account_id)
      .text(role.role_name)
      .integer(role.session_duration_seconds)
      .text(source_name(role.source))
      .text(role.static_access_key_id)
      .text(role.static_secret_access_key)
      .text(role.static_session_token)
      .text(command)
      .integer(role.created_at);
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
  params.text(group.name).text(group.description).integer(group.created_at);
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
      [](const Rows& rows, int row) -> Result<std::string> { return rows.text(row, 0); });
}

// ---- assignments --------------------------------------------------------------------------------

Result<bool> PostgresAssignmentStore::add(const AssignmentRecord& a) {
  Params params;
  params.text(principal_name(a.principal_type))
      .text(a.principal_name)
      .text(a.account_id)
      .text(a.role_name)
      .integer(a.created_at);
  return changed_one(write(database_, Sql::kAddAssignment, params));
}

Result<bool> PostgresAssignmentStore::remove(PrincipalType type, std::string_view principal,
                                             std::string_view account_id,
                                             std::string_view role_name) {
  Params params;
  params.text(principal_name(type)).text(principal).text(account_id).text(role_name);
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

Result<void> PostgresCredentialRecordStore::insert(const CredentialIssueRecord& r) {
  Params params;
  params.integer(r.issued_at)
      .text(r.user_name)
      .text(r.account_id)
      .text(r.role_name)
      .text(r.access_key_id)
      .integer(r.expires_at)
      .text(source_name(r.source));
  auto inserted = write(database_, Sql::kInsertCredentialRecord, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::vector<CredentialIssueRecord>> PostgresCredentialRecordStore::list(
    std::string_view user_name, std::int64_t limit) {
  Params params;
  params.text(user_name).integer(limit);
  return read_all<CredentialIssueRecord>(database_, Sql::kListCredentialRecords, params,
                                         read_record);
}

Result<std::int64_t> PostgresCredentialRecordStore::purge_issued_before(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeCredentialRecords, params);
}

}  // namespace ssooidc::storage::postgres
