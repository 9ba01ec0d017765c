// The SQLite backend's portal stores (storage/portal_stores.h) over the shared Database.
//
// Private to storage/sqlite. Thread safety as stores.h: each call takes a pooled connection;
// writes hold Database::write_mutex, and the removals that cascade run in one transaction.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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

// Records are committed by a writer thread of this store (started on the first insert), in one
// transaction for whatever is queued when it wakes, without fsync: insert() returns once the
// record is queued, so the request that issued credentials does not wait for the database, and
// under load many records share one commit. A record reaches the file right after its answer;
// a crash of the process can lose the records of that moment (never a credential's validity).
// list() and purge_issued_before() first wait until every queued record is committed. At most
// kMaxPending records wait; past that, or after the writer failed to commit (until it succeeds
// again), insert() is an error, so that no credentials go out unrecorded. The destructor commits
// what is queued and stops the thread.
class SqliteCredentialRecordStore final : public CredentialRecordStore {
 public:
  explicit SqliteCredentialRecordStore(Database& database) : database_(database) {}
  ~SqliteCredentialRecordStore() override;
  Result<void> insert(const CredentialIssueRecord& record) override;
  Result<std::vector<CredentialIssueRecord>> list(std::string_view user_name,
                                                  std::int64_t limit) override;
  Result<std::int64_t> purge_issued_before(std::int64_t before) override;

  static constexpr std::size_t kMaxPending = 10'000;

 private:
  void run();
  Result<void> commit(const std::vector<CredentialIssueRecord>& batch);
  // Waits until nothing is queued or being written; the writer's last error, if any.
  Result<void> wait_committed();

  Database& database_;
  std::mutex mutex_;
  std::condition_variable wake_;       // the writer: records queued, or stopping
  std::condition_variable committed_;  // waiters: a batch was committed (or failed)
  std::vector<CredentialIssueRecord> pending_;
  bool writing_ = false;
  bool stopping_ = false;
  std::optional<Error> failure_;  // the last commit's error until one succeeds
  std::thread writer_;
};

}  // namespace ssooidc::storage::sqlite
