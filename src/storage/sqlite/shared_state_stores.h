// The SQLite backend's shared-state stores (storage/shared_state_stores.h) over the shared
// Database. Every process on the file sees the same rows; SQLite's file locks (and busy_timeout)
// order writers of different processes, Database::write_mutex those of this one.
//
// Their writes are committed without fsync (the unsynced writer of query.h): they survive the
// process being killed, and a power loss costs at most a sign-in or a few uncounted attempts.
// Except the retry grace's put, which every issuance makes: it joins the group commit
// (group_commit.h), so it is synced with the batch it shares.
//
// Private to storage/sqlite.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

class SqliteWebSessionStore final : public WebSessionStore {
 public:
  explicit SqliteWebSessionStore(Database& database) : database_(database) {}
  Result<bool> insert(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override;
  Result<std::optional<WebSessionRecord>> find(std::string_view id_hash,
                                               const WebSessionLimits& limits,
                                               std::int64_t now) override;
  Result<bool> update(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override;
  Result<std::optional<WebSessionRecord>> renew(std::string_view old_id_hash,
                                                std::string_view new_id_hash,
                                                const WebSessionLimits& limits,
                                                std::int64_t now) override;
  Result<bool> remove(std::string_view id_hash) override;
  Result<std::int64_t> purge_ended(const WebSessionLimits& limits, std::int64_t now) override;
  Result<std::int64_t> count() override;

 private:
  Database& database_;
};

class SqliteRateCounterStore final : public RateCounterStore {
 public:
  explicit SqliteRateCounterStore(Database& database) : database_(database) {}
  Result<std::optional<RateCounterRecord>> find(std::string_view bucket,
                                                std::string_view key) override;
  Result<CounterWrite> put(const RateCounterRecord& next, std::int64_t expected_version,
                           std::int64_t now_ms, std::int64_t max_keys) override;
  Result<bool> remove(std::string_view bucket, std::string_view key) override;
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override;
  Result<std::int64_t> count(std::string_view bucket) override;

 private:
  Database& database_;
};

// The shared poll counts in the poll_counts table while another opener has the file open, and in
// memory while none has (issue 15): the same totals, without a write per first poll of a code
// (FileSharing says why). A code is loaded into memory with the table's count (left by a shared
// period or a previous run); the first add after another opener appears writes every count
// held in memory into the table (the polls the table has not seen) and forgets them, so the
// others' next reads of the table include them. Until that add the newcomer does not see this
// process's counts: a client polling exactly then may get a few polls ahead once, as when
// polls on several processes are reported every kSharedReportEvery (poll_tracker.h).
// At most SqliteOptions::poll_counts_in_memory codes in memory; the others' in the table.
class SqlitePollCountStore final : public PollCountStore {
 public:
  explicit SqlitePollCountStore(Database& database) : database_(database) {}
  Result<PollCount> add(std::string_view device_code_hash, std::int64_t polls,
                        std::int64_t first_poll_ms, std::int64_t expires_at) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  struct Counted {
    PollCount total;
    std::int64_t expires_at = 0;
    PollCount unwritten;  // added since it was read from the table
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  Result<PollCount> add_to_table(std::string_view device_code_hash, std::int64_t polls,
                                 std::int64_t first_poll_ms, std::int64_t expires_at);
  // Nullopt: no room in memory for another code.
  Result<std::optional<PollCount>> add_in_memory(std::string_view device_code_hash,
                                                 std::int64_t polls, std::int64_t first_poll_ms,
                                                 std::int64_t expires_at);
  // Writes the unwritten polls of every code in memory to the table and forgets them.
  Result<void> write_out_memory();
  // Whether a code new to memory must be looked up in the table. Holds mutex_.
  Result<bool> table_may_hold_counts_locked();

  Database& database_;
  std::mutex mutex_;  // taken before write_mutex, never after
  std::unordered_map<std::string, Counted, Hash, std::equal_to<>> counted_;  // guarded by mutex_
  // Whether the table may hold counts, so that a code new to memory is looked up there: unknown
  // until the first add, then whether the table had a row; true from the first write to it or
  // the first add that found the file shared. Without it, a first poll would read the table
  // for nothing on a file that never was shared. Guarded by mutex_.
  std::optional<bool> table_may_hold_counts_;
};

class SqliteLeaseStore final : public LeaseStore {
 public:
  explicit SqliteLeaseStore(Database& database) : database_(database) {}
  Result<bool> acquire(std::string_view name, std::string_view holder, std::int64_t now_ms,
                       std::int64_t until_ms) override;
  Result<bool> release(std::string_view name, std::string_view holder) override;
  Result<std::optional<LeaseRecord>> find(std::string_view name) override;

 private:
  Database& database_;
};

class SqliteRetryGraceStore final : public RetryGraceStore {
 public:
  explicit SqliteRetryGraceStore(Database& database) : database_(database) {}
  Result<void> put(std::string_view key_hash, std::string_view sealed, std::int64_t now_ms,
                   std::int64_t expires_at_ms) override;
  Result<std::optional<std::string>> find(std::string_view key_hash, std::int64_t now_ms) override;
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override;

 private:
  Database& database_;
};

}  // namespace ssooidc::storage::sqlite
