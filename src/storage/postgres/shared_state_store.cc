#include <algorithm>

#include "storage/backend_error.h"
#include "storage/postgres/shared_state_stores.h"

namespace ssooidc::storage::postgres {
namespace {

bool ended(const WebSessionRecord& s, const WebSessionLimits& limits, std::int64_t now) {
  return now - s.last_seen >= limits.idle_seconds || now - s.created_at >= limits.absolute_seconds;
}

// The counted rows of `name`, its row_counts row locked until the transaction ends.
Result<std::int64_t> lock_row_count(Connection& connection, std::string_view name) {
  Params params;
  params.text(name);
  auto rows = connection.execute(Sql::kLockRowCount, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::unexpected(backend_error("lock row count", "no row"));
  return rows->integer(0, 0);
}

Result<std::int64_t> row_count(Database& database, std::string_view name) {
  Params params;
  params.text(name);
  auto rows = run(database, Sql::kRowCount, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  return rows->empty() ? 0 : rows->integer(0, 0);
}

Result<void> insert_session_on(Connection& connection, const WebSessionRecord& session) {
  Params params;
  write_web_session(session, params);
  auto inserted = connection.execute(Sql::kInsertWebSession, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::int64_t> delete_session(Database& database, std::string_view id_hash) {
  Params params;
  params.text(id_hash);
  return write(database, Sql::kDeleteWebSession, params);
}

Params purge_params(const WebSessionLimits& limits, std::int64_t now) {
  Params params;
  params.integer(now).integer(limits.idle_seconds).integer(limits.absolute_seconds);
  return params;
}

}  // namespace

// ---- web sessions -----------------------------------------------------------------------------

Result<bool> PostgresWebSessionStore::insert(const WebSessionRecord& session,
                                             const WebSessionLimits& limits, std::int64_t now) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  // The count is locked, not just read: replicas inserting at once would each see room under
  // the cap and together pass it. Locked, the check and the insert are one step across replicas
  // (the next inserter waits for this transaction and then counts what it committed).
  auto stored = lock_row_count(connection, "web_sessions");
  if (!stored) return std::unexpected(std::move(stored.error()));
  if (*stored >= limits.max_sessions) {
    auto purged = connection.execute(Sql::kPurgeEndedWebSessions, purge_params(limits, now));
    if (!purged) return std::unexpected(std::move(purged.error()));
    stored = lock_row_count(connection, "web_sessions");
    if (!stored) return std::unexpected(std::move(stored.error()));
  }
  if (*stored >= limits.max_sessions) {
    const std::int64_t drop = std::max<std::int64_t>(1, *stored / 10);
    // Signed-out sessions first; signed-in ones only to make room for a signed-in one.
    for (const int signed_in : {0, 1}) {
      if (signed_in == 1 && !session.signed_in()) return false;  // rolls back: nothing changed
      Params params;
      params.integer(signed_in).integer(drop);
      auto evicted = connection.execute(Sql::kEvictWebSessions, params);
      if (!evicted) return std::unexpected(std::move(evicted.error()));
      if (evicted->changed() > 0) break;
      if (signed_in == 1) return false;
    }
  }
  if (auto inserted = insert_session_on(connection, session); !inserted)
    return std::unexpected(std::move(inserted.error()));
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

Result<std::optional<WebSessionRecord>> PostgresWebSessionStore::find(
    std::string_view id_hash, const WebSessionLimits& limits, std::int64_t now) {
  Params params;
  params.text(id_hash);
  auto found = read_first<WebSessionRecord>(database_, Sql::kFindWebSession, params,
                                          read_web_session);
  if (!found || !*found) return found;
  WebSessionRecord& session = **found;
  if (ended(session, limits, now)) {
    if (auto deleted = delete_session(database_, id_hash); !deleted)
      return std::unexpected(std::move(deleted.error()));
    return std::nullopt;
  }
  if (now - session.last_seen >= limits.touch_seconds) {
    Params touch;
    touch.text(id_hash).integer(now);
    if (auto touched = write(database_, Sql::kTouchWebSession, touch); !touched)
      return std::unexpected(std::move(touched.error()));
    session.last_seen = now;
  }
  return found;
}

Result<bool> PostgresWebSessionStore::update(const WebSessionRecord& session,
                                             const WebSessionLimits& limits, std::int64_t now) {
  const std::string codes = encode_string_list(session.checked_user_codes);
  Params params;
  params.text(session.id_hash)
      .text(session.user_name)
      .text(codes)
      .integer(now)
      .integer(limits.idle_seconds)
      .integer(limits.absolute_seconds);
  return changed_one(write(database_, Sql::kUpdateWebSession, params));
}

Result<std::optional<WebSessionRecord>> PostgresWebSessionStore::renew(
    std::string_view old_id_hash, std::string_view new_id_hash, const WebSessionLimits& limits,
    std::int64_t now) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  Params old_key;
  old_key.text(old_id_hash);
  // Deleting first takes the row: of two concurrent renewals of one session, one gets it.
  auto found = connection.execute(Sql::kFindWebSession, old_key);
  if (!found) return std::unexpected(std::move(found.error()));
  auto deleted = connection.execute(Sql::kDeleteWebSession, old_key);
  if (!deleted) return std::unexpected(std::move(deleted.error()));
  std::optional<WebSessionRecord> renewed;
  if (!found->empty() && deleted->changed() == 1) {
    ResultRow row(*found, 0, sql_statement(Sql::kFindWebSession).operation);
    auto session = read_web_session(row);
    if (!session) return std::unexpected(std::move(session.error()));
    if (!ended(*session, limits, now)) {
      renewed = std::move(*session);
      renewed->id_hash = std::string(new_id_hash);
      renewed->created_at = renewed->last_seen = now;
      if (auto inserted = insert_session_on(connection, *renewed); !inserted)
        return std::unexpected(std::move(inserted.error()));
    }
  }
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return renewed;
}

Result<bool> PostgresWebSessionStore::remove(std::string_view id_hash) {
  auto deleted = delete_session(database_, id_hash);
  if (!deleted) return std::unexpected(std::move(deleted.error()));
  return *deleted > 0;
}

Result<std::int64_t> PostgresWebSessionStore::purge_ended(const WebSessionLimits& limits,
                                                          std::int64_t now) {
  return write(database_, Sql::kPurgeEndedWebSessions, purge_params(limits, now));
}

Result<std::int64_t> PostgresWebSessionStore::count() { return row_count(database_, "web_sessions"); }

// ---- rate counters ----------------------------------------------------------------------------

Result<std::optional<RateCounterRecord>> PostgresRateCounterStore::find(std::string_view bucket,
                                                                        std::string_view key) {
  Params params;
  params.text(bucket).text(key);
  return read_first<RateCounterRecord>(database_, Sql::kFindRateCounter, params,
                                       read_rate_counter);
}

Result<CounterWrite> PostgresRateCounterStore::put(const RateCounterRecord& next,
                                                   std::int64_t expected_version,
                                                   std::int64_t now_ms, std::int64_t max_keys) {
  Params params;
  write_rate_counter(next, params);
  if (expected_version != 0) {
    params.integer(expected_version);
    auto changed = write(database_, Sql::kUpdateRateCounter, params);
    if (!changed) return std::unexpected(std::move(changed.error()));
    return *changed == 1 ? CounterWrite::kWritten : CounterWrite::kLost;
  }
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  const std::string size_name = "rate_counters:" + next.bucket;
  // Locked for the cap, as in PostgresWebSessionStore::insert. An update of an existing counter
  // (above) adds no row and takes no such lock: its version is its only guard.
  auto stored = lock_row_count(connection, size_name);
  if (!stored) return std::unexpected(std::move(stored.error()));
  if (*stored >= max_keys) {
    Params purge;
    purge.text(next.bucket).integer(now_ms);
    if (auto purged = connection.execute(Sql::kPurgeBucketRateCounters, purge); !purged)
      return std::unexpected(std::move(purged.error()));
    stored = lock_row_count(connection, size_name);
    if (!stored) return std::unexpected(std::move(stored.error()));
  }
  if (*stored >= max_keys) {
    Params evict;
    evict.text(next.bucket).integer(now_ms).integer(std::max<std::int64_t>(1, *stored / 10));
    auto evicted = connection.execute(Sql::kEvictRateCounters, evict);
    if (!evicted) return std::unexpected(std::move(evicted.error()));
    if (evicted->changed() == 0) return CounterWrite::kFull;  // rolls back: nothing changed
  }
  auto inserted = connection.execute(Sql::kInsertRateCounter, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  if (inserted->changed() == 0) return CounterWrite::kLost;  // another replica inserted it first
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return CounterWrite::kWritten;
}

Result<bool> PostgresRateCounterStore::remove(std::string_view bucket, std::string_view key) {
  Params params;
  params.text(bucket).text(key);
  auto deleted = write(database_, Sql::kDeleteRateCounter, params);
  if (!deleted) return std::unexpected(std::move(deleted.error()));
  return *deleted > 0;
}

Result<std::int64_t> PostgresRateCounterStore::purge_expired(std::int64_t now_ms) {
  Params params;
  params.integer(now_ms);
  return write(database_, Sql::kPurgeRateCounters, params);
}

Result<std::int64_t> PostgresRateCounterStore::count(std::string_view bucket) {
  return row_count(database_, "rate_counters:" + std::string(bucket));
}

// ---- poll counts ------------------------------------------------------------------------------

Result<PollCount> PostgresPollCountStore::add(std::string_view device_code_hash,
                                              std::int64_t polls, std::int64_t first_poll_ms,
                                              std::int64_t expires_at) {
  Params params;
  params.text(device_code_hash).integer(polls).integer(first_poll_ms).integer(expires_at);
  auto rows = run(database_, Sql::kAddPollCount, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::unexpected(backend_error("add poll count", "no row returned"));
  return PollCount{rows->integer(0, 0), rows->integer(0, 1)};
}

Result<std::int64_t> PostgresPollCountStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgePollCounts, params);
}

// ---- leases -----------------------------------------------------------------------------------

Result<bool> PostgresLeaseStore::acquire(std::string_view name, std::string_view holder,
                                         std::int64_t now_ms, std::int64_t until_ms) {
  Params params;
  params.text(name).text(holder).integer(now_ms).integer(until_ms);
  return changed_one(write(database_, Sql::kAcquireLease, params));
}

Result<bool> PostgresLeaseStore::release(std::string_view name, std::string_view holder) {
  Params params;
  params.text(name).text(holder);
  return changed_one(write(database_, Sql::kReleaseLease, params));
}

Result<std::optional<LeaseRecord>> PostgresLeaseStore::find(std::string_view name) {
  Params params;
  params.text(name);
  return read_first<LeaseRecord>(database_, Sql::kFindLease, params, read_lease);
}

// ---- retry grace ------------------------------------------------------------------------------

Result<void> put_retry_grace(Connection& connection, const RetryGraceEntry& entry) {
  Params purge;
  purge.integer(entry.now_ms);
  if (auto purged = connection.execute(Sql::kPurgeRetryGrace, purge); !purged)
    return std::unexpected(std::move(purged.error()));
  Params params;
  params.text(entry.key_hash).text(entry.sealed).integer(entry.expires_at_ms);
  if (auto stored = connection.execute(Sql::kPutRetryGrace, params); !stored)
    return std::unexpected(std::move(stored.error()));
  return {};
}

Result<void> PostgresRetryGraceStore::put(std::string_view key_hash, std::string_view sealed,
                                          std::int64_t now_ms, std::int64_t expires_at_ms) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  const RetryGraceEntry entry{std::string(key_hash), std::string(sealed), now_ms, expires_at_ms};
  if (auto stored = put_retry_grace(connection, entry); !stored) return stored;
  return transaction->commit();
}

Result<std::optional<std::string>> PostgresRetryGraceStore::find(std::string_view key_hash,
                                                                 std::int64_t now_ms) {
  Params params;
  params.text(key_hash).integer(now_ms);
  return read_first<std::string>(
      database_, Sql::kFindRetryGrace, params,
      [](RowReader& row) -> Result<std::string> { return row.text(0); });
}

Result<std::int64_t> PostgresRetryGraceStore::purge_expired(std::int64_t now_ms) {
  Params params;
  params.integer(now_ms);
  return write(database_, Sql::kPurgeRetryGrace, params);
}

}  // namespace ssooidc::storage::postgres
