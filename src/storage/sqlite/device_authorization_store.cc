#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {
namespace {

// How many rows of the change log the purge keeps: at most 100,000 pending rows decided or
// removed between two polls of a server that keeps a pending index (a few MB).
constexpr std::int64_t kKeptChanges = 100'000;

}  // namespace

Result<bool> SqliteDeviceAuthorizationStore::insert(
    const DeviceAuthorizationRecord& authorization) {
  // ON CONFLICT (user_code) DO NOTHING: a taken user code changes no row.
  //
  // Durable before it is acknowledged (issue 15): StartDeviceAuthorization was bound by one fsync
  // per request (1,579 req/s in bench/run_wrk.sh), and then committed without fsync; the group
  // commit shares one fsync among every request waiting at that moment instead.
  auto inserted = write_one_grouped(
      database_, Sql::kInsertDeviceAuthorization,
      bind_record(write_device_authorization, authorization));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return *inserted == 1;
}

void SqliteDeviceAuthorizationStore::insert_without_waiting(
    DeviceAuthorizationRecord authorization, InsertDone done) {
  // The same statement in the same batches as insert(); only the caller does not wait for it.
  write_one_grouped_without_waiting(
      database_, Sql::kInsertDeviceAuthorization, &write_device_authorization,
      std::move(authorization), [done = std::move(done)](Result<std::int64_t> inserted) mutable {
        if (!inserted) {
          done(std::unexpected(std::move(inserted.error())));
          return;
        }
        done(*inserted == 1);
      });
}

Result<std::optional<DeviceAuthorizationRecord>> SqliteDeviceAuthorizationStore::find_by(
    Sql statement, std::string_view key) {
  return find_one<DeviceAuthorizationRecord>(database_, statement, key, read_device_authorization);
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
        .bind_text(2, device_state_name(allow ? DeviceState::kApproved : DeviceState::kDenied))
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
                                                    const std::vector<TokenRecord>& tokens,
                                                    const RetryGraceEntry* remember) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemDeviceAuthorization, device_code_hash,
                                  client_id, now, tokens, remember);
}

void SqliteDeviceAuthorizationStore::redeem_without_waiting(Redemption redemption,
                                                            RedeemDone done) {
  redeem_grouped_without_waiting(database_, Sql::kRedeemDeviceAuthorization,
                                 std::move(redemption), std::move(done));
}

Result<std::int64_t> SqliteDeviceAuthorizationStore::purge_expired(std::int64_t before) {
  // Bounded batches, each its own statement (issue 15): a million expired rows deleted at once
  // held the write lock for seconds. Each batch is a yielding write of the group commit
  // (group_commit.h): committed in a transaction of its own after the inserts waiting with it,
  // so StartDeviceAuthorization waits for at most one small batch, never shares a transaction
  // with one. (Taking write_mutex for each batch instead, as in session 5, is not fair:
  // std::mutex lets this loop take it back before the group commit's woken thread runs.) Not one
  // atomic step, which storage.h does not ask of a purge: each row is gone or intact, and after
  // an error the rest waits for the next purge.
  const std::int64_t batch = std::max<std::int64_t>(1, database_.pool.options().purge_batch_rows);
  std::int64_t purged = 0;
  while (true) {
    auto bind = [&](Statement& statement) { statement.bind_int(1, before).bind_int(2, batch); };
    auto deleted = database_.group_commit.write_yielding(Sql::kPurgeDeviceAuthorizations, bind);
    if (!deleted) return std::unexpected(std::move(deleted.error()));
    purged += *deleted;
    if (*deleted < batch) break;
  }
  // The change log (migration 11) keeps its newest rows: a reader further behind than that
  // learns that it missed some (changes_since, complete) and drops what it kept.
  auto keep = [](Statement& statement) { statement.bind_int(1, kKeptChanges); };
  auto trimmed = database_.group_commit.write_yielding(Sql::kTrimDeviceAuthorizationChanges, keep);
  if (!trimmed) return std::unexpected(std::move(trimmed.error()));
  return purged;
}

Result<std::int64_t> SqliteDeviceAuthorizationStore::count_pending(std::int64_t now) {
  return read_integer(database_, Sql::kCountPendingDeviceAuthorizations,
                      [&](Statement& statement) { statement.bind_int(1, now); });
}

Result<std::optional<std::int64_t>> SqliteDeviceAuthorizationStore::latest_change() {
  auto latest = read_integer(database_, Sql::kLatestDeviceAuthorizationChange, [](Statement&) {});
  if (!latest) return std::unexpected(std::move(latest.error()));
  return std::optional<std::int64_t>(*latest);
}

Result<std::optional<PendingChanges>> SqliteDeviceAuthorizationStore::changes_since(
    std::int64_t after, std::int64_t limit) {
  struct Change {
    std::int64_t seq;
    std::string device_code_hash;
  };
  // One more than asked, to tell "exactly `limit`" from "more".
  auto rows = read_rows<Change>(
      database_, Sql::kDeviceAuthorizationChangesSince,
      [&](Statement& statement) { statement.bind_int(1, after).bind_int(2, limit + 1); },
      [](Statement& row) -> Result<Change> { return Change{row.integer(0), row.column_text(1)}; });
  if (!rows) return std::unexpected(std::move(rows.error()));
  PendingChanges changes;
  changes.last = after;
  // Numbers are handed out one after another and only the oldest are trimmed, so a first number
  // past after + 1 means that the ones between were trimmed unread.
  changes.complete = rows->empty() || rows->front().seq == after + 1;
  if (std::cmp_greater(rows->size(), limit)) {
    changes.complete = false;
    rows->pop_back();
  }
  for (Change& change : *rows) {
    changes.last = change.seq;
    changes.device_code_hashes.push_back(std::move(change.device_code_hash));
  }
  return std::optional<PendingChanges>(std::move(changes));
}

Result<void> SqliteDeviceAuthorizationStore::scan_pending(
    std::int64_t now, const std::function<void(const PendingRow&)>& each) {
  // One statement, so one read transaction: a snapshot of the table, however long it takes.
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kScanPendingDeviceAuthorizations);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_int(1, now);
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
    each(PendingRow{statement->column_view(0), statement->column_view(1),
                    statement->column_int(2),
                    static_cast<std::int32_t>(statement->column_int(3))});
  }
}

}  // namespace ssooidc::storage::sqlite
