#include <optional>

#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {
namespace {

std::string_view state_name(DeviceState state) noexcept {
  switch (state) {
    case DeviceState::kPending:
      return "pending";
    case DeviceState::kApproved:
      return "approved";
    case DeviceState::kDenied:
      return "denied";
    case DeviceState::kRedeemed:
      return "redeemed";
  }
  return "pending";
}

std::optional<DeviceState> parse_state(std::string_view name) noexcept {
  if (name == "pending") return DeviceState::kPending;
  if (name == "approved") return DeviceState::kApproved;
  if (name == "denied") return DeviceState::kDenied;
  if (name == "redeemed") return DeviceState::kRedeemed;
  return std::nullopt;
}

// Columns of Sql::kFindDeviceAuthorizationByHash and ...ByUserCode.
Result<DeviceAuthorizationRecord> read_authorization(Statement& row) {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = row.column_text(0);
  authorization.user_code = row.column_text(1);
  authorization.client_id = row.column_text(2);
  authorization.start_url = row.column_text(3);
  authorization.created_at = row.column_int(4);
  authorization.expires_at = row.column_int(5);
  authorization.interval = static_cast<std::int32_t>(row.column_int(6));
  const auto state = parse_state(row.column_view(7));
  if (!state) return std::unexpected(row.error("unknown device authorization state"));
  authorization.state = *state;
  authorization.user_name = row.column_text(8);
  authorization.decided_at = row.column_int(9);
  authorization.requester_address = row.column_text(10);
  auto scopes = read_list(row, 11);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  authorization.scopes = std::move(*scopes);
  return authorization;
}

}  // namespace

Result<bool> SqliteDeviceAuthorizationStore::insert(
    const DeviceAuthorizationRecord& authorization) {
  // ON CONFLICT (user_code) DO NOTHING: a taken user code changes no row.
  //
  // Durable before it is acknowledged (issue 15): StartDeviceAuthorization was bound by one fsync
  // per request (1,579 req/s in bench/run_wrk.sh), and then committed without fsync; the group
  // commit shares one fsync among every request waiting at that moment instead.
  const std::string scopes = encode_string_list(authorization.scopes);
  auto bind = [&](Statement& statement) {
    statement.bind_text(1, authorization.device_code_hash)
        .bind_text(2, authorization.user_code)
        .bind_text(3, authorization.client_id)
        .bind_text(4, authorization.start_url)
        .bind_int(5, authorization.created_at)
        .bind_int(6, authorization.expires_at)
        .bind_int(7, authorization.interval)
        .bind_text(8, state_name(authorization.state))
        .bind_text(9, authorization.user_name)
        .bind_int(10, authorization.decided_at)
        .bind_text(11, authorization.requester_address)
        .bind_text(12, scopes);
  };
  auto inserted = write_one_grouped(database_, Sql::kInsertDeviceAuthorization, bind);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return *inserted == 1;
}

Result<std::optional<DeviceAuthorizationRecord>> SqliteDeviceAuthorizationStore::find_by(
    Sql statement, std::string_view key) {
  return find_one<DeviceAuthorizationRecord>(database_, statement, key, read_authorization);
}

Result<std::optional<DeviceAuthorizationRecord>>
SqliteDeviceAuthorizationStore::find_by_device_code_hash(std::string_view device_code_hash) {
  return find_by(Sql::kFindDeviceAuthorizationByHash, device_code_hash);
}

Result<std::optional<DeviceAuthorizationRecord>> SqliteDeviceAuthorizationStore::find_by_user_code(
    std::string_view user_code) {
  return find_by(Sql::kFindDeviceAuthorizationByUserCode, user_code);
}

Result<std::optional<DeviceAuthorizationRecord>> SqliteDeviceAuthorizationStore::decide(
    std::string_view user_code, bool allow, std::string_view user_name, std::int64_t now) {
  // The WHERE clause checks pending and unexpired, so the check and the change are one step.
  auto decided = write_one(database_, Sql::kDecideDeviceAuthorization, [&](Statement& statement) {
    statement.bind_text(1, user_code)
        .bind_text(2, state_name(allow ? DeviceState::kApproved : DeviceState::kDenied))
        .bind_text(3, user_name)
        .bind_int(4, now);
  });
  if (!decided) return std::unexpected(std::move(decided.error()));
  if (*decided != 1) return std::nullopt;
  // Committed: any connection reads the decided row now.
  return find_by_user_code(user_code);
}

Result<bool> SqliteDeviceAuthorizationStore::redeem(std::string_view device_code_hash,
                                                    std::string_view client_id, std::int64_t now,
                                                    const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemDeviceAuthorization, device_code_hash,
                                  client_id, now, tokens);
}

Result<std::int64_t> SqliteDeviceAuthorizationStore::purge_expired(std::int64_t before) {
  // Bounded batches, each its own statement (issue 15): a million expired rows deleted at once
  // held the write lock for seconds. Each batch goes through the group commit, whose queue is
  // first come, first served: the inserts that arrive during a batch are committed with the
  // next, so StartDeviceAuthorization waits for at most about two batches. (Taking write_mutex
  // for each batch instead, as before, is not fair: std::mutex lets this loop take it back
  // before the group commit's woken thread runs.) Not one atomic step, which storage.h does
  // not ask of a purge: each row is gone or intact, and after an error the rest waits for the
  // next purge.
  constexpr std::int64_t kBatch = 1000;
  std::int64_t purged = 0;
  while (true) {
    auto deleted =
        write_one_grouped(database_, Sql::kPurgeDeviceAuthorizations, [&](Statement& statement) {
          statement.bind_int(1, before).bind_int(2, kBatch);
        });
    if (!deleted) return std::unexpected(std::move(deleted.error()));
    purged += *deleted;
    if (*deleted < kBatch) return purged;
  }
}

Result<std::int64_t> SqliteDeviceAuthorizationStore::count_pending(std::int64_t now) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kCountPendingDeviceAuthorizations);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_int(1, now);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::unexpected(statement->error("no row"));
  return statement->column_int(0);
}

}  // namespace ssooidc::storage::sqlite
