#include <algorithm>
#include <utility>

#include "storage/sqlite/query.h"
#include "storage/sqlite/shared_state_stores.h"

namespace ssooidc::storage::sqlite {
namespace {

// Runs `work(Connection&)` on the connection that commits without fsync, holding write_mutex. A
// connection left inside a transaction (even ROLLBACK failed) is closed, which rolls it back.
template <typename Work>
auto with_unsynced_writer(Database& database, Work work)
    -> decltype(work(std::declval<Connection&>())) {
  std::lock_guard write_lock(database.write_mutex);
  auto writer = unsynced_writer_locked(database);
  if (!writer) return std::unexpected(std::move(writer.error()));
  auto result = work(**writer);
  if ((*writer)->in_transaction()) database.unsynced_writer.reset();
  return result;
}

// Runs one statement that yields no rows and returns the rows it changed.
template <typename Bind>
Result<std::int64_t> run_changes(Connection& connection, Sql id, Bind bind) {
  return run_one(connection, id, bind);
}

// The counted rows of `name` in row_counts (kept by triggers); 0 when there is no such entry.
Result<std::int64_t> row_count(Connection& connection, std::string_view name) {
  auto statement = connection.statement(Sql::kRowCount);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_text(1, name);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  return *row ? statement->column_int(0) : 0;
}

// Whether statement `id` (no parameters) yields a row, on a pooled connection.
Result<bool> pooled_row_exists(Database& database, Sql id) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  return statement->step();
}

Result<std::int64_t> pooled_row_count(Database& database, std::string_view name) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  return row_count(**lease, name);
}

bool ended(const WebSessionRecord& s, const WebSessionLimits& limits, std::int64_t now) {
  return now - s.last_seen >= limits.idle_seconds || now - s.created_at >= limits.absolute_seconds;
}

Result<std::optional<WebSessionRecord>> find_session_on(Connection& connection,
                                                        std::string_view id_hash) {
  auto statement = connection.statement(Sql::kFindWebSession);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_text(1, id_hash);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::nullopt;
  auto session = read_web_session(*statement);
  if (!session) return std::unexpected(std::move(session.error()));
  return std::optional<WebSessionRecord>(std::move(*session));
}

Result<void> insert_session_on(Connection& connection, const WebSessionRecord& session) {
  auto inserted =
      run_changes(connection, Sql::kInsertWebSession, bind_record(write_web_session, session));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::int64_t> delete_session_on(Connection& connection, std::string_view id_hash) {
  return run_changes(connection, Sql::kDeleteWebSession,
                     [&](Statement& statement) { statement.bind_text(1, id_hash); });
}

}  // namespace

// ---- web sessions -----------------------------------------------------------------------------

Result<bool> SqliteWebSessionStore::insert(const WebSessionRecord& session,
                                           const WebSessionLimits& limits, std::int64_t now) {
  return with_unsynced_writer(database_, [&](Connection& connection) -> Result<bool> {
    auto transaction = WriteTransaction::begin(connection);
    if (!transaction) return std::unexpected(std::move(transaction.error()));
    // BEGIN IMMEDIATE holds the file's write lock from this count to the insert, for every
    // process on the file: the cap check and the insert are one step without a row lock (the
    // PostgreSQL backend locks the count's row instead).
    auto stored = row_count(connection, "web_sessions");
    if (!stored) return std::unexpected(std::move(stored.error()));
    if (*stored >= limits.max_sessions) {
      auto purged = run_changes(connection, Sql::kPurgeEndedWebSessions, [&](Statement& s) {
        s.bind_int(1, now).bind_int(2, limits.idle_seconds).bind_int(3, limits.absolute_seconds);
      });
      if (!purged) return std::unexpected(std::move(purged.error()));
      stored = row_count(connection, "web_sessions");
      if (!stored) return std::unexpected(std::move(stored.error()));
    }
    if (*stored >= limits.max_sessions) {
      const std::int64_t drop = std::max<std::int64_t>(1, *stored / 10);
      // Signed-out sessions first; signed-in ones only to make room for a signed-in one.
      for (const int signed_in : {0, 1}) {
        if (signed_in == 1 && !session.signed_in()) return false;  // rolls back: nothing changed
        auto evicted = run_changes(connection, Sql::kEvictWebSessions, [&](Statement& s) {
          s.bind_int(1, signed_in).bind_int(2, drop);
        });
        if (!evicted) return std::unexpected(std::move(evicted.error()));
        if (*evicted > 0) break;
        if (signed_in == 1) return false;
      }
    }
    if (auto inserted = insert_session_on(connection, session); !inserted)
      return std::unexpected(std::move(inserted.error()));
    if (auto committed = transaction->commit(); !committed)
      return std::unexpected(std::move(committed.error()));
    return true;
  });
}

Result<std::optional<WebSessionRecord>> SqliteWebSessionStore::find(
    std::string_view id_hash, const WebSessionLimits& limits, std::int64_t now) {
  auto found = find_one<WebSessionRecord>(database_, Sql::kFindWebSession, id_hash,
                                          read_web_session);
  if (!found || !*found) return found;
  WebSessionRecord& session = **found;
  if (ended(session, limits, now)) {
    auto deleted = with_unsynced_writer(
        database_, [&](Connection& connection) { return delete_session_on(connection, id_hash); });
    if (!deleted) return std::unexpected(std::move(deleted.error()));
    return std::nullopt;
  }
  if (now - session.last_seen >= limits.touch_seconds) {
    auto touched = with_unsynced_writer(database_, [&](Connection& connection) {
      return run_changes(connection, Sql::kTouchWebSession, [&](Statement& statement) {
        statement.bind_text(1, id_hash).bind_int(2, now);
      });
    });
    if (!touched) return std::unexpected(std::move(touched.error()));
    session.last_seen = now;
  }
  return found;
}

Result<bool> SqliteWebSessionStore::update(const WebSessionRecord& session,
                                           const WebSessionLimits& limits, std::int64_t now) {
  const std::string codes = encode_string_list(session.checked_user_codes);
  auto changed = with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kUpdateWebSession, [&](Statement& statement) {
      statement.bind_text(1, session.id_hash)
          .bind_text(2, session.user_name)
          .bind_text(3, codes)
          .bind_int(4, now)
          .bind_int(5, limits.idle_seconds)
          .bind_int(6, limits.absolute_seconds);
    });
  });
  if (!changed) return std::unexpected(std::move(changed.error()));
  return *changed == 1;
}

Result<std::optional<WebSessionRecord>> SqliteWebSessionStore::renew(
    std::string_view old_id_hash, std::string_view new_id_hash, const WebSessionLimits& limits,
    std::int64_t now) {
  return with_unsynced_writer(
      database_, [&](Connection& connection) -> Result<std::optional<WebSessionRecord>> {
        auto transaction = WriteTransaction::begin(connection);
        if (!transaction) return std::unexpected(std::move(transaction.error()));
        auto found = find_session_on(connection, old_id_hash);
        if (!found) return std::unexpected(std::move(found.error()));
        std::optional<WebSessionRecord> renewed;
        if (*found && !ended(**found, limits, now)) {
          renewed = std::move(**found);
          renewed->id_hash = std::string(new_id_hash);
          renewed->created_at = renewed->last_seen = now;
          if (auto inserted = insert_session_on(connection, *renewed); !inserted)
            return std::unexpected(std::move(inserted.error()));
        }
        if (auto deleted = delete_session_on(connection, old_id_hash); !deleted)
          return std::unexpected(std::move(deleted.error()));
        if (auto committed = transaction->commit(); !committed)
          return std::unexpected(std::move(committed.error()));
        return renewed;
      });
}

Result<bool> SqliteWebSessionStore::remove(std::string_view id_hash) {
  auto deleted = with_unsynced_writer(
      database_, [&](Connection& connection) { return delete_session_on(connection, id_hash); });
  if (!deleted) return std::unexpected(std::move(deleted.error()));
  return *deleted > 0;
}

Result<std::int64_t> SqliteWebSessionStore::purge_ended(const WebSessionLimits& limits,
                                                        std::int64_t now) {
  return with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kPurgeEndedWebSessions, [&](Statement& s) {
      s.bind_int(1, now).bind_int(2, limits.idle_seconds).bind_int(3, limits.absolute_seconds);
    });
  });
}

Result<std::int64_t> SqliteWebSessionStore::count() {
  return pooled_row_count(database_, "web_sessions");
}

// ---- rate counters ----------------------------------------------------------------------------

Result<std::optional<RateCounterRecord>> SqliteRateCounterStore::find(std::string_view bucket,
                                                                      std::string_view key) {
  return read_first<RateCounterRecord>(
      database_, Sql::kFindRateCounter,
      [&](Statement& statement) { statement.bind_text(1, bucket).bind_text(2, key); },
      read_rate_counter);
}

Result<CounterWrite> SqliteRateCounterStore::put(const RateCounterRecord& next,
                                                 std::int64_t expected_version,
                                                 std::int64_t now_ms, std::int64_t max_keys) {
  auto bind = bind_record(write_rate_counter, next);
  if (expected_version != 0) {
    auto changed = with_unsynced_writer(database_, [&](Connection& connection) {
      return run_changes(connection, Sql::kUpdateRateCounter, [&](Statement& statement) {
        bind(statement);
        statement.bind_int(6, expected_version);
      });
    });
    if (!changed) return std::unexpected(std::move(changed.error()));
    return *changed == 1 ? CounterWrite::kWritten : CounterWrite::kLost;
  }
  const std::string size_name = "rate_counters:" + next.bucket;
  return with_unsynced_writer(database_, [&](Connection& connection) -> Result<CounterWrite> {
    auto transaction = WriteTransaction::begin(connection);
    if (!transaction) return std::unexpected(std::move(transaction.error()));
    auto stored = row_count(connection, size_name);
    if (!stored) return std::unexpected(std::move(stored.error()));
    if (*stored >= max_keys) {
      auto purged = run_changes(connection, Sql::kPurgeBucketRateCounters, [&](Statement& s) {
        s.bind_text(1, next.bucket).bind_int(2, now_ms);
      });
      if (!purged) return std::unexpected(std::move(purged.error()));
      stored = row_count(connection, size_name);
      if (!stored) return std::unexpected(std::move(stored.error()));
    }
    if (*stored >= max_keys) {
      auto evicted = run_changes(connection, Sql::kEvictRateCounters, [&](Statement& s) {
        s.bind_text(1, next.bucket)
            .bind_int(2, now_ms)
            .bind_int(3, std::max<std::int64_t>(1, *stored / 10));
      });
      if (!evicted) return std::unexpected(std::move(evicted.error()));
      if (*evicted == 0) return CounterWrite::kFull;  // rolls back: nothing changed
    }
    auto inserted = run_changes(connection, Sql::kInsertRateCounter, bind);
    if (!inserted) return std::unexpected(std::move(inserted.error()));
    if (*inserted == 0) return CounterWrite::kLost;  // another process inserted it first
    if (auto committed = transaction->commit(); !committed)
      return std::unexpected(std::move(committed.error()));
    return CounterWrite::kWritten;
  });
}

Result<bool> SqliteRateCounterStore::remove(std::string_view bucket, std::string_view key) {
  auto deleted = with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kDeleteRateCounter, [&](Statement& statement) {
      statement.bind_text(1, bucket).bind_text(2, key);
    });
  });
  if (!deleted) return std::unexpected(std::move(deleted.error()));
  return *deleted > 0;
}

Result<std::int64_t> SqliteRateCounterStore::purge_expired(std::int64_t now_ms) {
  return with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kPurgeRateCounters,
                       [&](Statement& statement) { statement.bind_int(1, now_ms); });
  });
}

Result<std::int64_t> SqliteRateCounterStore::count(std::string_view bucket) {
  return pooled_row_count(database_, "rate_counters:" + std::string(bucket));
}

// ---- poll counts ------------------------------------------------------------------------------

Result<PollCount> SqlitePollCountStore::add(std::string_view device_code_hash, std::int64_t polls,
                                            std::int64_t first_poll_ms, std::int64_t expires_at) {
  if (database_.sharing.alone()) {
    auto counted = add_in_memory(device_code_hash, polls, first_poll_ms, expires_at);
    if (!counted) return std::unexpected(std::move(counted.error()));
    if (*counted) return **counted;
  } else if (auto written = write_out_memory(); !written) {
    return std::unexpected(std::move(written.error()));
  }
  {
    std::lock_guard lock(mutex_);
    table_may_hold_counts_ = true;
  }
  return add_to_table(device_code_hash, polls, first_poll_ms, expires_at);
}

Result<bool> SqlitePollCountStore::table_may_hold_counts_locked() {
  if (!table_may_hold_counts_) {
    auto rows = pooled_row_exists(database_, Sql::kAnyPollCount);
    if (!rows) return std::unexpected(std::move(rows.error()));
    table_may_hold_counts_ = *rows;
  }
  return *table_may_hold_counts_;
}

Result<std::optional<PollCount>> SqlitePollCountStore::add_in_memory(
    std::string_view device_code_hash, std::int64_t polls, std::int64_t first_poll_ms,
    std::int64_t expires_at) {
  std::unique_lock lock(mutex_);
  auto it = counted_.find(device_code_hash);
  if (it == counted_.end()) {
    if (counted_.size() >= database_.pool.options().poll_counts_in_memory) return std::nullopt;
    auto look_up = table_may_hold_counts_locked();
    if (!look_up) return std::unexpected(std::move(look_up.error()));
    Result<std::optional<PollCount>> stored = std::nullopt;
    if (*look_up) {
      lock.unlock();  // a read, no write: other codes go on meanwhile
      stored = read_first<PollCount>(
          database_, Sql::kFindPollCount,
          [&](Statement& statement) { statement.bind_text(1, device_code_hash); },
          [](Statement& row) -> Result<PollCount> {
            return PollCount{row.column_int(0), row.column_int(1)};
          });
      if (!stored) return std::unexpected(std::move(stored.error()));
      lock.lock();
    }
    // Another poll of the code may have loaded it meanwhile: then that entry counts on.
    it = counted_.try_emplace(std::string(device_code_hash),
                              Counted{.total = stored->value_or(PollCount{0, first_poll_ms}),
                                      .expires_at = expires_at,
                                      .unwritten = PollCount{0, first_poll_ms}})
             .first;
  }
  Counted& counted = it->second;
  counted.total.polls += polls;
  counted.total.first_poll_ms = std::min(counted.total.first_poll_ms, first_poll_ms);
  counted.unwritten.polls += polls;
  counted.unwritten.first_poll_ms = std::min(counted.unwritten.first_poll_ms, first_poll_ms);
  return counted.total;
}

Result<void> SqlitePollCountStore::write_out_memory() {
  std::lock_guard lock(mutex_);
  if (counted_.empty()) return {};
  auto written = with_unsynced_writer(database_, [&](Connection& connection) -> Result<void> {
    auto transaction = WriteTransaction::begin(connection);
    if (!transaction) return std::unexpected(std::move(transaction.error()));
    for (const auto& [hash, counted] : counted_) {
      if (counted.unwritten.polls == 0) continue;
      auto statement = connection.statement(Sql::kAddPollCount);
      if (!statement) return std::unexpected(std::move(statement.error()));
      statement->bind_text(1, hash)
          .bind_int(2, counted.unwritten.polls)
          .bind_int(3, counted.unwritten.first_poll_ms)
          .bind_int(4, counted.expires_at);
      // RETURNING yields a row; running it to its end finishes the statement.
      for (;;) {
        auto row = statement->step();
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) break;
      }
    }
    return transaction->commit();
  });
  table_may_hold_counts_ = true;
  if (!written) return written;  // kept in memory: the next add tries again
  counted_.clear();
  return {};
}

Result<PollCount> SqlitePollCountStore::add_to_table(std::string_view device_code_hash,
                                                     std::int64_t polls,
                                                     std::int64_t first_poll_ms,
                                                     std::int64_t expires_at) {
  return with_unsynced_writer(database_, [&](Connection& connection) -> Result<PollCount> {
    auto statement = connection.statement(Sql::kAddPollCount);
    if (!statement) return std::unexpected(std::move(statement.error()));
    statement->bind_text(1, device_code_hash)
        .bind_int(2, polls)
        .bind_int(3, first_poll_ms)
        .bind_int(4, expires_at);
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return std::unexpected(statement->error("no row returned"));
    PollCount count{statement->column_int(0), statement->column_int(1)};
    // Runs the statement to its end, which commits it.
    if (auto done = statement->step(); !done) return std::unexpected(std::move(done.error()));
    return count;
  });
}

Result<std::int64_t> SqlitePollCountStore::purge_expired(std::int64_t before) {
  std::int64_t forgotten = 0;
  {
    std::lock_guard lock(mutex_);
    forgotten = static_cast<std::int64_t>(
        std::erase_if(counted_, [&](const auto& entry) { return entry.second.expires_at < before; }));
  }
  auto purged = with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kPurgePollCounts,
                       [&](Statement& statement) { statement.bind_int(1, before); });
  });
  if (!purged) return std::unexpected(std::move(purged.error()));
  return *purged + forgotten;
}

// ---- leases -----------------------------------------------------------------------------------

Result<bool> SqliteLeaseStore::acquire(std::string_view name, std::string_view holder,
                                       std::int64_t now_ms, std::int64_t until_ms) {
  return changed_one(write_one(database_, Sql::kAcquireLease, [&](Statement& statement) {
    statement.bind_text(1, name).bind_text(2, holder).bind_int(3, now_ms).bind_int(4, until_ms);
  }));
}

Result<bool> SqliteLeaseStore::release(std::string_view name, std::string_view holder) {
  return changed_one(write_one(database_, Sql::kReleaseLease, [&](Statement& statement) {
    statement.bind_text(1, name).bind_text(2, holder);
  }));
}

Result<std::optional<LeaseRecord>> SqliteLeaseStore::find(std::string_view name) {
  return find_one<LeaseRecord>(database_, Sql::kFindLease, name, read_lease);
}

// ---- retry grace ------------------------------------------------------------------------------

// The entry takes over the row of the oldest expired one (UPDATE OR REPLACE: and the key's own
// former row goes, when it had one), or else is inserted. Deleting the expired entries instead
// freed table and index pages that the next inserts took back from the free list, where SQLite
// renumbers the pages of a split to keep them ascending and then scans its whole page cache at
// the commit (pcache1 truncation, perf, issue 15 session 14).
Result<void> put_retry_grace(Connection& connection, const RetryGraceEntry& entry) {
  auto recycled = run_changes(connection, Sql::kRecycleRetryGrace, [&](Statement& statement) {
    statement.bind_text(1, entry.key_hash)
        .bind_text(2, entry.sealed)
        .bind_int(3, entry.expires_at_ms)
        .bind_int(4, entry.now_ms);
  });
  if (!recycled) return std::unexpected(std::move(recycled.error()));
  if (*recycled > 0) return {};
  auto stored = run_changes(connection, Sql::kPutRetryGrace, [&](Statement& statement) {
    statement.bind_text(1, entry.key_hash)
        .bind_text(2, entry.sealed)
        .bind_int(3, entry.expires_at_ms);
  });
  if (!stored) return std::unexpected(std::move(stored.error()));
  return {};
}

Result<void> SqliteRetryGraceStore::put(std::string_view key_hash, std::string_view sealed,
                                        std::int64_t now_ms, std::int64_t expires_at_ms) {
  // In the group commit (issue 15): on the unsynced writer each put waited for write_mutex,
  // which the group commit holds for whole batches one after the other. (The issuances store
  // their entry with the redemption itself: TokenService passes it to redeem and rotate.)
  const RetryGraceEntry entry{std::string(key_hash), std::string(sealed), now_ms, expires_at_ms};
  auto work = [&](Connection& connection) -> Result<bool> {
    if (auto stored = put_retry_grace(connection, entry); !stored) {
      return std::unexpected(std::move(stored.error()));
    }
    return true;
  };
  auto put = database_.group_commit.write_isolated(sql_statement(Sql::kPutRetryGrace).operation,
                                                   work);
  if (!put) return std::unexpected(std::move(put.error()));
  return {};
}

Result<std::optional<std::string>> SqliteRetryGraceStore::find(std::string_view key_hash,
                                                               std::int64_t now_ms) {
  return read_first<std::string>(
      database_, Sql::kFindRetryGrace,
      [&](Statement& statement) { statement.bind_text(1, key_hash).bind_int(2, now_ms); },
      [](Statement& row) -> Result<std::string> { return row.text(0); });
}

Result<std::int64_t> SqliteRetryGraceStore::purge_expired(std::int64_t now_ms) {
  return with_unsynced_writer(database_, [&](Connection& connection) {
    return run_changes(connection, Sql::kPurgeRetryGrace,
                       [&](Statement& statement) { statement.bind_int(1, now_ms); });
  });
}

}  // namespace ssooidc::storage::sqlite
