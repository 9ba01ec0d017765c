// The stores of the SQLite backend over one shared Database.
//
// Private to storage/sqlite.
//
// Thread safety: every method takes its own connection from the pool; writers also hold
// Database::write_mutex for the whole write, so that they queue in-process instead of sleeping in
// SQLite's busy handler. The inserts of device authorizations and registrations, and the
// issuance writes (redeem + tokens, rotate), are handed to Database::group_commit instead
// (group_commit.h), which holds write_mutex for each batch.
#pragma once

#include <mutex>

#include "storage/sqlite/change_watch.h"
#include "storage/sqlite/connection_pool.h"
#include "storage/sqlite/file_sharing.h"
#include "storage/sqlite/group_commit.h"
#include "storage/storage.h"

namespace ssooidc::storage::sqlite {

struct Database {
  Database(const std::string& path, SqliteOptions options)
      : pool(path, std::move(options)), sharing(path) {}

  ConnectionPool pool;
  // Whether another opener has the file open (file_sharing.h): the poll counts stay in memory
  // while none has.
  FileSharing sharing;
  std::mutex write_mutex;
  // The one connection that commits without fsync (write_one_without_fsync), opened on first use.
  // Guarded by write_mutex.
  std::unique_ptr<Connection> unsynced_writer;
  // Last: its thread stops (finishing the writes queued) before the members above go.
  GroupCommitWriter group_commit{*this};
};

// Inserts every token with the connection's current transaction (the caller's job to open one).
[[nodiscard]] Result<void> insert_tokens(Connection& connection,
                                         const std::vector<TokenRecord>& tokens);

// Stores `entry` with the connection's current transaction, deleting the expired entries first
// (RetryGraceStore::put's work, shared with the redemptions that store their entry themselves).
[[nodiscard]] Result<void> put_retry_grace(Connection& connection, const RetryGraceEntry& entry);

// In the group commit's next batch (one savepoint of its transaction, group_commit.h): runs the
// conditional UPDATE `redeem` with ?1 `hash`, ?2 `client_id`
// and ?3 `now`, and when it changed exactly one row inserts `tokens` and, when given, the retry
// grace entry `remember`. Returns false (and changes nothing) when no row qualified. The WHERE
// clause of `redeem` carries every condition (unused, unexpired, this client), so of two
// concurrent redemptions exactly one changes the row.
[[nodiscard]] Result<bool> redeem_and_insert_tokens(Database& database, Sql redeem,
                                                    std::string_view hash,
                                                    std::string_view client_id, std::int64_t now,
                                                    const std::vector<TokenRecord>& tokens,
                                                    const RetryGraceEntry* remember);
// redeem_and_insert_tokens without waiting (GroupCommitWriter::write_without_waiting): `done`
// gets its outcome once the batch is committed and synced. Sql::kMarkRefreshTokenUsed is a
// rotation, bound with the hash alone.
void redeem_grouped_without_waiting(Database& database, Sql redeem, Redemption redemption,
                                    RedeemDone done);

class SqliteClientStore final : public ClientStore {
 public:
  explicit SqliteClientStore(Database& database) : database_(database) {}
  Result<void> insert(const ClientRecord& client) override;
  [[nodiscard]] bool inserts_without_waiting() const noexcept override { return true; }
  void insert_without_waiting(ClientRecord client, InsertDone done) override;
  Result<std::optional<ClientRecord>> find(std::string_view client_id) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;
  Result<std::vector<ClientRecord>> list_operator_clients() override;
  Result<bool> remove(std::string_view client_id) override;

 private:
  Database& database_;
};

class SqliteDeviceAuthorizationStore final : public DeviceAuthorizationStore {
 public:
  explicit SqliteDeviceAuthorizationStore(Database& database)
      : database_(database), watch_(database.pool) {}
  Result<bool> insert(const DeviceAuthorizationRecord& authorization) override;
  [[nodiscard]] bool inserts_without_waiting() const noexcept override { return true; }
  void insert_without_waiting(DeviceAuthorizationRecord authorization, InsertDone done) override;
  std::optional<ChangeStamp> change_stamp() override { return watch_.stamp(); }
  Result<std::optional<DeviceAuthorizationRecord>> find_by_device_code_hash(
      std::string_view device_code_hash) override;
  Result<std::optional<DeviceAuthorizationRecord>> find_by_user_code(
      std::string_view user_code) override;
  Result<std::optional<DeviceAuthorizationRecord>> decide(std::string_view user_code, bool allow,
                                                          std::string_view user_name,
                      std::int64_t now) override;
  Result<bool> redeem(std::string_view device_code_hash, std::string_view client_id,
                      std::int64_t now, const std::vector<TokenRecord>& tokens,
                      const RetryGraceEntry* remember) override;
  [[nodiscard]] bool redeems_without_waiting() const noexcept override { return true; }
  void redeem_without_waiting(Redemption redemption, RedeemDone done) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;
  Result<std::int64_t> count_pending(std::int64_t now) override;
  Result<std::optional<std::int64_t>> latest_change() override;
  Result<std::optional<PendingChanges>> changes_since(std::int64_t after,
                                                      std::int64_t limit) override;
  Result<void> scan_pending(std::int64_t now,
                            const std::function<void(const PendingRow&)>& each) override;

 private:
  Result<std::optional<DeviceAuthorizationRecord>> find_by(Sql statement, std::string_view key);

  Database& database_;
  ChangeWatch watch_;
};

class SqliteTokenStore final : public TokenStore {
 public:
  explicit SqliteTokenStore(Database& database) : database_(database) {}
  Result<void> insert(const std::vector<TokenRecord>& tokens) override;
  Result<std::optional<TokenRecord>> find(std::string_view token_hash) override;
  Result<bool> rotate(std::string_view old_hash, const std::vector<TokenRecord>& replacements,
                      const RetryGraceEntry* remember) override;
  [[nodiscard]] bool rotates_without_waiting() const noexcept override { return true; }
  void rotate_without_waiting(Redemption redemption, RedeemDone done) override;
  Result<std::optional<std::int64_t>> family_expires_at(std::string_view family_id) override;
  Result<std::int64_t> revoke_family(std::string_view family_id) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(Database& database) : database_(database) {}
  Result<bool> insert(const UserRecord& user) override;
  Result<std::optional<UserRecord>> find(std::string_view name) override;
  Result<std::vector<UserRecord>> list() override;
  Result<void> set_disabled(std::string_view name, bool disabled) override;
  Result<std::int64_t> count() override;

 private:
  Database& database_;
};

class SqliteAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit SqliteAuthorizationCodeStore(Database& database) : database_(database) {}
  Result<void> insert(const AuthorizationCodeRecord& code) override;
  Result<std::optional<AuthorizationCodeRecord>> find(std::string_view code_hash) override;
  Result<bool> redeem(std::string_view code_hash, std::string_view client_id, std::int64_t now,
                      const std::vector<TokenRecord>& tokens) override;
  [[nodiscard]] bool redeems_without_waiting() const noexcept override { return true; }
  void redeem_without_waiting(Redemption redemption, RedeemDone done) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class SqliteSigningKeyStore final : public SigningKeyStore {
 public:
  explicit SqliteSigningKeyStore(Database& database) : database_(database) {}
  Result<void> insert(const SigningKeyRecord& key) override;
  Result<std::vector<SigningKeyRecord>> list() override;
  Result<void> set_private_pem(std::string_view kid, std::string_view private_pem) override;
  Result<std::int64_t> purge_retired(std::int64_t retired_before,
                                     std::int64_t unpublished_before) override;

 private:
  Database& database_;
};

}  // namespace ssooidc::storage::sqlite
