// The SQLite backend: one database file in WAL mode, reached through a small pool of connections.
//
// Durability: synchronous=FULL, so a write that returned successfully survives kill -9 and power
// loss. Concurrency: readers run in parallel on their own connections (WAL); writers are queued on
// an in-process mutex, since SQLite admits one writer at a time, and busy_timeout covers writers in
// other processes (the admin CLI). Compound operations run in BEGIN IMMEDIATE transactions.
//
// Schema: see migrations.cc; lists are stored as JSON arrays of strings (storage/list_codec.h).
//
// Thread safety: the returned Storage may be used from any number of threads at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

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

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  // Connections kept open for reuse (each with its prepared statements); more are opened when
  // more threads call at once, and closed again when returned. Keep it at least the number of
  // threads that call storage, or connections will be reopened under load.
  std::size_t max_idle_connections = 16;
  std::shared_ptr<SqliteFaultInjector> faults;  // tests only
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
