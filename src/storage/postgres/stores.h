// The stores of the PostgreSQL backend over one shared Database, and the shapes every store
// method takes (look rows up, run one write, run a compare-and-set with token inserts).
//
// Private to storage/postgres.
//
// Thread safety: every method takes its own connection from the pool; PostgreSQL orders the
// writes (no in-process write lock: other replicas write too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend_error.h"
#include "storage/list_codec.h"
#include "storage/postgres/connection_pool.h"
#include "storage/storage.h"

namespace ssooidc::storage::postgres {

struct Database {
  Database(std::string url, PostgresOptions options) : pool(std::move(url), options) {}
  ConnectionPool pool;
};

// Runs `id` with `params` on a pooled connection (a transaction of its own).
[[nodiscard]] inline Result<Rows> run(Database& database, Sql id, const Params& params) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  return (*lease)->execute(id, params);
}

// The rows an INSERT, UPDATE or DELETE changed.
[[nodiscard]] inline Result<std::int64_t> write(Database& database, Sql id, const Params& params) {
  auto rows = run(database, id, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  return rows->changed();
}

[[nodiscard]] inline Result<bool> changed_one(Result<std::int64_t> changed) {
  if (!changed) return std::unexpected(std::move(changed.error()));
  return *changed == 1;
}

// Column 0 of the one row of `id` (count(*) and the like).
[[nodiscard]] inline Result<std::int64_t> read_integer(Database& database, Sql id,
                                                       const Params& params) {
  auto rows = run(database, id, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::unexpected(backend_error(sql_statement(id).operation, "no row"));
  return rows->integer(0, 0);
}

// Every row of `id`, each read by `read(RowReader&) -> Result<T>` (storage/row_mapping.h).
template <typename T, typename Read>
Result<std::vector<T>> read_all(Database& database, Sql id, const Params& params, Read read) {
  auto rows = run(database, id, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    ResultRow row(*rows, i, sql_statement(id).operation);
    Result<T> value = read(row);
    if (!value) return std::unexpected(std::move(value.error()));
    out.push_back(std::move(*value));
  }
  return out;
}

// The first row of `id`, if any.
template <typename T, typename Read>
Result<std::optional<T>> read_first(Database& database, Sql id, const Params& params, Read read) {
  auto rows = run(database, id, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::nullopt;
  ResultRow row(*rows, 0, sql_statement(id).operation);
  Result<T> value = read(row);
  if (!value) return std::unexpected(std::move(value.error()));
  return std::optional<T>(std::move(*value));
}

// Inserts every token with the connection's current transaction (the caller opened one).
[[nodiscard]] Result<void> insert_tokens(Connection& connection,
                                         const std::vector<TokenRecord>& tokens);

// Stores `entry` with the connection's current transaction, deleting the expired entries first
// (RetryGraceStore::put's work, shared with the redemptions that store their entry themselves).
[[nodiscard]] Result<void> put_retry_grace(Connection& connection, const RetryGraceEntry& entry);

// In one transaction: runs the conditional UPDATE ... RETURNING `redeem` with $1 `hash`,
// $2 `client_id` and $3 `now`, and when it returned a row inserts `tokens` and, when given, the
// retry grace entry `remember`. Returns false (and changes nothing) when no row qualified: the
// WHERE clause carries every condition, and a concurrent redemption on any replica waits on the
// row lock and then finds it redeemed.
[[nodiscard]] Result<bool> redeem_and_insert_tokens(Database& database, Sql redeem,
                                                    std::string_view hash,
                                                    std::string_view client_id, std::int64_t now,
                                                    const std::vector<TokenRecord>& tokens,
                                                    const RetryGraceEntry* remember);

class PostgresClientStore final : public ClientStore {
 public:
  explicit PostgresClientStore(Database& database) : database_(database) {}
  Result<void> insert(const ClientRecord& client) override;
  Result<std::optional<ClientRecord>> find(std::string_view client_id) override;
  Result<std::vector<ClientRecord>> list_operator_clients() override;
  Result<bool> remove(std::string_view client_id) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class PostgresDeviceAuthorizationStore final : public DeviceAuthorizationStore {
 public:
  explicit PostgresDeviceAuthorizationStore(Database& database) : database_(database) {}
  Result<bool> insert(const DeviceAuthorizationRecord& authorization) override;
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
  Result<std::int64_t> purge_expired(std::int64_t before) override;
  Result<std::int64_t> count_pending(std::int64_t now) override;

 private:
  Database& database_;
};

class PostgresTokenStore final : public TokenStore {
 public:
  explicit PostgresTokenStore(Database& database) : database_(database) {}
  Result<void> insert(const std::vector<TokenRecord>& tokens) override;
  Result<std::optional<TokenRecord>> find(std::string_view token_hash) override;
  Result<bool> rotate(std::string_view old_hash, const std::vector<TokenRecord>& replacements,
                      const RetryGraceEntry* remember) override;
  Result<std::optional<std::int64_t>> family_expires_at(std::string_view family_id) override;
  Result<std::int64_t> revoke_family(std::string_view family_id) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(Database& database) : database_(database) {}
  Result<bool> insert(const UserRecord& user) override;
  Result<std::optional<UserRecord>> find(std::string_view name) override;
  Result<std::vector<UserRecord>> list() override;
  Result<void> set_disabled(std::string_view name, bool disabled) override;
  Result<std::int64_t> count() override;

 private:
  Database& database_;
};

class PostgresAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit PostgresAuthorizationCodeStore(Database& database) : database_(database) {}
  Result<void> insert(const AuthorizationCodeRecord& code) override;
  Result<std::optional<AuthorizationCodeRecord>> find(std::string_view code_hash) override;
  Result<bool> redeem(std::string_view code_hash, std::string_view client_id, std::int64_t now,
                      const std::vector<TokenRecord>& tokens) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class PostgresSigningKeyStore final : public SigningKeyStore {
 public:
  explicit PostgresSigningKeyStore(Database& database) : database_(database) {}
  Result<void> insert(const SigningKeyRecord& key) override;
  Result<std::vector<SigningKeyRecord>> list() override;
  Result<void> set_private_pem(std::string_view kid, std::string_view private_pem) override;
  Result<std::int64_t> purge_retired(std::int64_t retired_before,
                                     std::int64_t unpublished_before) override;

 private:
  Database& database_;
};

class PostgresAccountStore final : public AccountStore {
 public:
  explicit PostgresAccountStore(Database& database) : database_(database) {}
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

class PostgresGroupStore final : public GroupStore {
 public:
  explicit PostgresGroupStore(Database& database) : database_(database) {}
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

class PostgresAssignmentStore final : public AssignmentStore {
 public:
  explicit PostgresAssignmentStore(Database& database) : database_(database) {}
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

// Each record is one INSERT, committed like every other write (unlike SQLite's batching writer,
// which exists to spare an fsync per request on one file: PostgreSQL groups commits itself).
class PostgresCredentialRecordStore final : public CredentialRecordStore {
 public:
  explicit PostgresCredentialRecordStore(Database& database) : database_(database) {}
  Result<void> insert(const CredentialIssueRecord& record) override;
  Result<std::vector<CredentialIssueRecord>> list(std::string_view user_name,
                                                  std::int64_t limit) override;
  Result<std::int64_t> purge_issued_before(std::int64_t before) override;

 private:
  Database& database_;
};

}  // namespace ssooidc::storage::postgres
