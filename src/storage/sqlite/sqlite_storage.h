// The SQLite backend: one database file in WAL mode, reached through a small pool of connections.
//
// Durability: synchronous=FULL, so a write that returned successfully survives kill -9 and power
// loss. The inserts of device authorizations and registrations go through the group commit
// (group_commit.h, issue 15): one writer thread commits every such insert waiting at that moment in
// one transaction and one fsync before any of their callers returns. (The state every process
// shares, shared_state_stores.h, is committed without fsync, as that header says.) Concurrency: readers run in parallel on their own connections (WAL); writers are queued on
// an in-process mutex, since SQLite admits one writer at a time, and busy_timeout covers writers in
// other processes (the admin CLI). Compound operations run in BEGIN IMMEDIATE transactions.
//
// Schema: see migrations.cc; lists are stored as JSON arrays of strings (storage/list_codec.h).
//
// Thread safety: the returned Storage may be used from any number of threads at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage.h"

namespace ssooidc::storage {

// Test seam: makes statement executions fail as a disk error would, counted across every
// connection of one storage from the last `arm`, to sweep failure points inside transactions.
class SqliteFaultInjector {
 public:
  // Fails the `n`th statement execution from now (1-based), and every later one when `sticky`
  // (a disk that has died: even ROLLBACK fails). n == 0 disarms.
  void arm(std::int64_t n, bool sticky = false) noexcept {
    executions_.store(0);
    sticky_.store(sticky);
    fail_at_.store(n);
  }
  void disarm() noexcept { fail_at_.store(0); }
  // Statement executions since the last `arm`.
  [[nodiscard]] std::int64_t executions() const noexcept { return executions_.load(); }
  // Called by the backend before each statement execution; true means "fail this one".
  [[nodiscard]] bool should_fail() noexcept {
    const std::int64_t n = ++executions_;
    const std::int64_t at = fail_at_.load();
    return at > 0 && (n == at || (n > at && sticky_.load()));
  }

 private:
  std::atomic<std::int64_t> executions_{0};
  std::atomic<std::int64_t> fail_at_{0};
  std::atomic<bool> sticky_{false};
};

// Test seam: holds the group-commit writer (group_commit.h) before it takes its next batch, so
// that a test can queue writes behind it and see them committed (or failed) as one batch.
// Thread safety: every method may be called from any thread.
class SqliteCommitGate {
 public:
  // While closed, the writer takes no new batch; writes queue up behind it.
  void close();
  void open();
  // Blocks until `n` writes are waiting for the writer (or more).
  void wait_until_waiting(std::size_t n);
  // The sizes of the batches the writer took, oldest first.
  [[nodiscard]] std::vector<std::size_t> batches() const;
  // The transactions the writer committed (or tried to), oldest first: the operations of the
  // writes in each (a batch's writes share one; each yielding write has its own after it).
  [[nodiscard]] std::vector<std::vector<std::string>> transactions() const;
  // The checkpoints that found frames in the WAL, oldest first: by the writer itself (its
  // finishing one, holding the write mutex) or by the checkpointer's thread, and how many of
  // the WAL's frames were in the file after it.
  struct Checkpoint {
    bool by_writer = false;
    std::int64_t pages = 0;
  };
  [[nodiscard]] std::vector<Checkpoint> checkpoints() const;

  // Called by the writer (and checkpointed also by the checkpointer).
  void checkpointed(bool by_writer, std::int64_t pages);
  void writes_waiting(std::size_t n);
  void pass();
  void took_batch(std::size_t n);
  void committing(std::vector<std::string> operations);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  std::size_t waiting_ = 0;
  std::vector<std::size_t> batches_;
  std::vector<std::vector<std::string>> transactions_;
  std::vector<Checkpoint> checkpoints_;
};

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  // Connections kept open for reuse (each with its prepared statements); more are opened when
  // more threads call at once, and closed again when returned. Keep it at least the number of
  // threads that call storage, or connections will be reopened under load.
  std::size_t max_idle_connections = 16;
  // Writes that may wait for the group commit; one more is refused at once (kUnavailable, "the
  // write queue is full").
  // At most this many plus one batch being committed are in flight.
  std::size_t write_queue_limit = 4096;
  // Expired device authorizations deleted per purge batch, each batch a transaction of its own
  // between the group commit's batches (group_commit.h, write_yielding). Why 200: a deleted row
  // of a large file dirties about one random page of the device code index, so a batch of 1,000
  // wrote 4 MB of WAL while the inserts behind it waited (StartDeviceAuthorization fell to a
  // fifth of its rate during a purge of a million rows at 10 million pending, session 6); 200
  // keep that wait near a commit without a purge at a purge of 1M rows in 5,000 batches.
  std::int64_t purge_batch_rows = 200;
  // When the group commit copies the WAL back into the file (its checkpoint, group_commit.h):
  // between two batches, once the WAL holds this many pages and no write waits; and even while
  // writes wait, once it holds wal_checkpoint_limit_pages, which bounds the WAL's size.
  std::int64_t wal_checkpoint_idle_pages = 1000;
  std::int64_t wal_checkpoint_limit_pages = 8000;
  // Past wal_checkpoint_idle_pages the long copy is the checkpointer's (checkpointer.h), on a
  // thread of its own, holding no write; the writer finishes it between two batches once at most
  // this many pages are left to copy (those appended during the checkpointer's pass), so that
  // the next batch restarts the WAL. 0: only once the pass left nothing to copy; negative: only
  // at wal_checkpoint_limit_pages.
  std::int64_t wal_checkpoint_finish_pages = 256;
  // The group commit's page cache, in KiB (at most this much memory; SQLite's default is 2 MiB).
  std::int64_t writer_cache_kib = 32 * 1024;
  // Poll counts kept in memory while no other opener has the file open (file_sharing.h); past
  // this many codes, the others' counts go to the table as when shared.
  std::size_t poll_counts_in_memory = 100'000;
  std::shared_ptr<SqliteFaultInjector> faults;  // tests only
  std::shared_ptr<SqliteCommitGate> commit_gate;  // tests only
};

// Opens (creating it and its parent directories if needed) the database file at `path` and
// applies pending migrations. Errors name the file.
[[nodiscard]] Result<std::unique_ptr<Storage>> open_sqlite_storage(std::string_view path,
                                                                   SqliteOptions options = {});

class TableSink;
// Reads every table of the file at `path` (schema_migrations, SQLite's own and row_counts, which
// triggers derive on either side, aside), after
// bringing it to this build's schema, in one read transaction, ordered by table name, into
// `sink` (storage/table_copy.h).
[[nodiscard]] Result<void> export_sqlite_tables(std::string_view path, TableSink& sink);

}  // namespace ssooidc::storage
