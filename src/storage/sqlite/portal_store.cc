#include <algorithm>
#include <chrono>
#include <iterator>

#include "storage/backend_error.h"

#include "storage/sqlite/portal_stores.h"
#include "storage/sqlite/query.h"

namespace ssooidc::storage::sqlite {
namespace {

// Deletes the row of `main` and then what hangs off it (`dependents`), all bound by `bind`, in
// one transaction. Returns false (deleting nothing) when `main` matched no row.
template <typename Bind>
Result<bool> remove_cascading(Database& database, Sql main, std::initializer_list<Sql> dependents,
                              Bind bind) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  std::lock_guard write_lock(database.write_mutex);
  auto transaction = WriteTransaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  auto removed = run_one(connection, main, bind);
  if (!removed) return std::unexpected(std::move(removed.error()));
  if (*removed == 0) return false;  // rolls back, having done nothing
  for (const Sql dependent : dependents) {
    if (auto ran = run_one(connection, dependent, bind); !ran)
      return std::unexpected(std::move(ran.error()));
  }
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

}  // namespace

// ---- accounts and roles -------------------------------------------------------------------------

Result<bool> SqliteAccountStore::put(const AccountRecord& account) {
  return changed_one(write_one(database_, Sql::kPutAccount, bind_record(write_account, account)));
}

Result<std::optional<AccountRecord>> SqliteAccountStore::find(std::string_view account_id) {
  return find_one<AccountRecord>(database_, Sql::kFindAccount, account_id, read_account);
}

Result<std::vector<AccountRecord>> SqliteAccountStore::list() {
  return read_rows<AccountRecord>(database_, Sql::kListAccounts, [](Statement&) {}, read_account);
}

Result<bool> SqliteAccountStore::remove(std::string_view account_id) {
  return remove_cascading(database_, Sql::kDeleteAccount,
                          {Sql::kDeleteAccountRoles, Sql::kDeleteAccountAssignments},
                          [&](Statement& s) { s.bind_text(1, account_id); });
}

Result<bool> SqliteAccountStore::put_role(const RoleRecord& role) {
  return changed_one(write_one(database_, Sql::kPutRole, bind_record(write_role, role)));
}

Result<std::optional<RoleRecord>> SqliteAccountStore::find_role(std::string_view account_id,
                                                                std::string_view role_name) {
  return read_first<RoleRecord>(
      database_, Sql::kFindRole,
      [&](Statement& s) { s.bind_text(1, account_id).bind_text(2, role_name); }, read_role);
}

Result<std::vector<RoleRecord>> SqliteAccountStore::list_roles(std::string_view account_id) {
  if (account_id.empty())
    return read_rows<RoleRecord>(database_, Sql::kListAllRoles, [](Statement&) {}, read_role);
  return read_rows<RoleRecord>(
      database_, Sql::kListRolesOfAccount, [&](Statement& s) { s.bind_text(1, account_id); },
      read_role);
}

Result<bool> SqliteAccountStore::remove_role(std::string_view account_id,
                                             std::string_view role_name) {
  return remove_cascading(database_, Sql::kDeleteRole, {Sql::kDeleteRoleAssignments},
                          [&](Statement& s) { s.bind_text(1, account_id).bind_text(2, role_name); });
}

// ---- groups -------------------------------------------------------------------------------------

Result<bool> SqliteGroupStore::put(const GroupRecord& group) {
  return changed_one(write_one(database_, Sql::kPutGroup, bind_record(write_group, group)));
}

Result<std::optional<GroupRecord>> SqliteGroupStore::find(std::string_view name) {
  return find_one<GroupRecord>(database_, Sql::kFindGroup, name, read_group);
}

Result<std::vector<GroupRecord>> SqliteGroupStore::list() {
  return read_rows<GroupRecord>(database_, Sql::kListGroups, [](Statement&) {}, read_group);
}

Result<bool> SqliteGroupStore::remove(std::string_view name) {
  return remove_cascading(database_, Sql::kDeleteGroup,
                          {Sql::kDeleteGroupMembers, Sql::kDeleteGroupAssignments},
                          [&](Statement& s) { s.bind_text(1, name); });
}

Result<bool> SqliteGroupStore::add_member(std::string_view group, std::string_view user_name) {
  return changed_one(write_one(database_, Sql::kAddGroupMember, [&](Statement& s) {
    s.bind_text(1, group).bind_text(2, user_name);
  }));
}

Result<bool> SqliteGroupStore::remove_member(std::string_view group, std::string_view user_name) {
  return changed_one(write_one(database_, Sql::kRemoveGroupMember, [&](Statement& s) {
    s.bind_text(1, group).bind_text(2, user_name);
  }));
}

Result<std::vector<std::string>> SqliteGroupStore::members(std::string_view group) {
  return read_rows<std::string>(
      database_, Sql::kListGroupMembers, [&](Statement& s) { s.bind_text(1, group); },
      [](Statement& row) -> Result<std::string> { return row.column_text(0); });
}

// ---- assignments --------------------------------------------------------------------------------

Result<bool> SqliteAssignmentStore::add(const AssignmentRecord& assignment) {
  return changed_one(
      write_one(database_, Sql::kAddAssignment, bind_record(write_assignment, assignment)));
}

Result<bool> SqliteAssignmentStore::remove(PrincipalType type, std::string_view principal,
                                           std::string_view account_id,
                                           std::string_view role_name) {
  return changed_one(write_one(database_, Sql::kRemoveAssignment, [&](Statement& s) {
    s.bind_text(1, principal_type_name(type))
        .bind_text(2, principal)
        .bind_text(3, account_id)
        .bind_text(4, role_name);
  }));
}

Result<std::vector<AssignmentRecord>> SqliteAssignmentStore::list() {
  return read_rows<AssignmentRecord>(database_, Sql::kListAssignments, [](Statement&) {},
                                     read_assignment);
}

Result<std::vector<AccountRecord>> SqliteAssignmentStore::accounts_for_user(
    std::string_view user_name, std::string_view after, std::int64_t limit) {
  return read_rows<AccountRecord>(
      database_, Sql::kAccountsForUser,
      [&](Statement& s) { s.bind_text(1, user_name).bind_text(2, after).bind_int(3, limit); },
      read_account);
}

Result<std::vector<RoleRecord>> SqliteAssignmentStore::roles_for_user(std::string_view user_name,
                                                                      std::string_view account_id,
                                                                      std::string_view after,
                                                                      std::int64_t limit) {
  return read_rows<RoleRecord>(
      database_, Sql::kRolesForUser,
      [&](Statement& s) {
        s.bind_text(1, user_name).bind_text(2, account_id).bind_text(3, after).bind_int(4, limit);
      },
      read_role);
}

Result<std::optional<RoleRecord>> SqliteAssignmentStore::assigned_role(
    std::string_view user_name, std::string_view account_id, std::string_view role_name) {
  return read_first<RoleRecord>(
      database_, Sql::kAssignedRole,
      [&](Statement& s) {
        s.bind_text(1, user_name).bind_text(2, account_id).bind_text(3, role_name);
      },
      read_role);
}

// ---- credential records -------------------------------------------------------------------------

SqliteCredentialRecordStore::~SqliteCredentialRecordStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<void> SqliteCredentialRecordStore::insert(const CredentialIssueRecord& record) {
  {
    std::lock_guard lock(mutex_);
    if (failure_) return std::unexpected(*failure_);
    if (pending_.size() >= kMaxPending)
      return std::unexpected(backend_error("insert credential record", "too many records waiting"));
    pending_.push_back(record);
    if (!writer_.joinable()) writer_ = std::thread([this] { run(); });
  }
  wake_.notify_one();
  return {};
}

void SqliteCredentialRecordStore::run() {
  std::unique_lock lock(mutex_);
  std::vector<CredentialIssueRecord> batch;
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || (!pending_.empty() && !failure_); });
    if (pending_.empty()) return;  // stopping, everything committed
    batch.swap(pending_);
    writing_ = true;
    lock.unlock();
    auto done = commit(batch);
    lock.lock();
    writing_ = false;
    if (done) {
      failure_.reset();
      batch.clear();
    } else {
      // Kept, in order, ahead of what came meanwhile; retried after a pause.
      failure_ = done.error();
      batch.insert(batch.end(), std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.end()));
      pending_.swap(batch);
      batch.clear();
      committed_.notify_all();
      if (stopping_) return;
      wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
      failure_.reset();
      if (stopping_) {
        // One last try, so that a clean shutdown loses nothing that can still be written.
        batch.swap(pending_);
        lock.unlock();
        (void)commit(batch);
        return;
      }
      continue;
    }
    committed_.notify_all();
  }
}

Result<void> SqliteCredentialRecordStore::commit(const std::vector<CredentialIssueRecord>& batch) {
  std::lock_guard write_lock(database_.write_mutex);
  auto writer = unsynced_writer_locked(database_);
  if (!writer) return std::unexpected(std::move(writer.error()));
  Connection& connection = **writer;
  auto transaction = WriteTransaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  for (const auto& record : batch) {
    auto bind = bind_record(write_credential_record, record);
    if (auto ran = run_one(connection, Sql::kInsertCredentialRecord, bind); !ran)
      return std::unexpected(std::move(ran.error()));
  }
  return transaction->commit();
}

Result<void> SqliteCredentialRecordStore::wait_committed() {
  std::unique_lock lock(mutex_);
  committed_.wait(lock, [&] { return (pending_.empty() && !writing_) || failure_.has_value(); });
  if (failure_) return std::unexpected(*failure_);
  return {};
}

Result<std::vector<CredentialIssueRecord>> SqliteCredentialRecordStore::list(
    std::string_view user_name, std::int64_t limit) {
  if (auto committed = wait_committed(); !committed) return std::unexpected(committed.error());
  return read_rows<CredentialIssueRecord>(
      database_, Sql::kListCredentialRecords,
      [&](Statement& s) { s.bind_text(1, user_name).bind_int(2, limit); }, read_credential_record);
}

Result<std::int64_t> SqliteCredentialRecordStore::purge_issued_before(std::int64_t before) {
  if (auto committed = wait_committed(); !committed) return std::unexpected(committed.error());
  return write_one(database_, Sql::kPurgeCredentialRecords,
                   [&](Statement& s) { s.bind_int(1, before); });
}

}  // namespace ssooidc::storage::sqlite
