// RAII over the SQLite C API: handles, one connection with its cache of prepared statements, a
// statement in use, and a write transaction.
//
// Private to storage/sqlite, and the only header in the tree that names sqlite3 types.
//
// Thread safety: a Connection (and everything obtained from it) is used by one thread at a time;
// the pool hands each connection to one caller. Connections are opened in SQLite's multi-thread
// mode (SQLITE_OPEN_NOMUTEX) accordingly.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "storage/row_mapping.h"
#include "storage/sqlite/sqlite_storage.h"
#include "storage/sqlite/statements.h"
#include "storage/storage.h"

namespace ssooidc::storage::sqlite {

struct DatabaseCloser {
  // sqlite3_close_v2 rolls back an open transaction and never fails on a valid handle.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class Connection;

// `size` bytes as lower-case hex: a device code hash stored as bytes read back (migration 8).
[[nodiscard]] std::string lower_hex(const void* bytes, std::size_t size);

// A cached prepared statement lent out for one execution. Bind, step, read columns; the
// destructor resets it and clears its bindings for the next user.
//
// Text is bound without copying (SQLITE_STATIC): it must stay alive until the Statement dies.
// A failed bind is remembered and reported by the next step, so binds need no checks of their own.
// A row is read by the shared mappings (storage/row_mapping.h) through its RowReader face.
class Statement final : public RowReader {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement, std::string_view operation) noexcept
      : connection_(&connection), statement_(statement), operation_(operation) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based (?1, ?2, ...).
  Statement& bind_text(int index, std::string_view text) noexcept;
  // Copied by SQLite (SQLITE_TRANSIENT), for text encoded on the way that dies before the step.
  Statement& bind_text_copy(int index, std::string_view text) noexcept;
  Statement& bind_int(int index, std::int64_t value) noexcept;

  // Runs to the next row: true when a row is ready to read, false when the statement is done.
  [[nodiscard]] Result<bool> step();
  // Runs a statement that yields no rows.
  [[nodiscard]] Result<void> run();

  // Columns are 0-based. NULL reads as "" or 0 (the schema has no nullable columns).
  [[nodiscard]] std::string_view column_view(int index) noexcept;
  [[nodiscard]] std::string column_text(int index) { return std::string(column_view(index)); }
  [[nodiscard]] std::int64_t column_int(int index) noexcept;

  // RowReader.
  [[nodiscard]] std::string_view view(int column) override { return column_view(column); }
  [[nodiscard]] std::int64_t integer(int column) override { return column_int(column); }
  // "storage: <the statement's operation>: <reason>", of kind kUnavailable.
  [[nodiscard]] Error error(std::string_view reason) const override;

 private:
  Statement& bind_text_with(int index, std::string_view text,
                            sqlite3_destructor_type lifetime) noexcept;

  Connection* connection_;
  sqlite3_stmt* statement_;
  std::string_view operation_;
  int bind_status_ = SQLITE_OK;
};

class Connection {
 public:
  // kFsync: every commit syncs the WAL (synchronous=FULL) and survives a power loss.
  // kNoFsync: commits are not synced (synchronous=NORMAL); in WAL mode they survive the process
  // being killed, since the WAL is in the operating system's cache, but not a power loss.
  enum class Commits { kFsync, kNoFsync };

  // Opens `path` (creating the file) and sets the per-connection pragmas: WAL, synchronous,
  // foreign keys, busy timeout.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                                const SqliteOptions& options,
                                                                Commits commits = Commits::kFsync);

  // The cached statement `id`, prepared on first use. One Statement per id at a time.
  [[nodiscard]] Result<Statement> statement(Sql id);
  // Runs `sql` (any number of statements) outside the cache: migrations.
  [[nodiscard]] Result<void> execute_script(std::string_view operation, const std::string& sql);

  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  [[nodiscard]] std::int64_t changes() const noexcept { return sqlite3_changes64(db_.get()); }
  [[nodiscard]] bool in_transaction() const noexcept { return !sqlite3_get_autocommit(db_.get()); }
  [[nodiscard]] std::string_view path() const noexcept { return path_; }
  [[nodiscard]] sqlite3* handle() const noexcept { return db_.get(); }
  [[nodiscard]] SqliteFaultInjector* faults() const noexcept { return faults_.get(); }

 private:
  Connection(DatabaseHandle db, std::string path, std::shared_ptr<SqliteFaultInjector> faults)
      : db_(std::move(db)), path_(std::move(path)), faults_(std::move(faults)) {}

  // Finalized before db_ (declared after it), since a handle cannot close under live statements.
  DatabaseHandle db_;
  std::array<StatementHandle, kSqlCount> cache_;
  std::string path_;
  std::shared_ptr<SqliteFaultInjector> faults_;
};

// BEGIN IMMEDIATE on `begin`, COMMIT on `commit`, ROLLBACK on destruction unless committed. If even
// ROLLBACK fails the connection stays inside the transaction, and the pool closes it rather than
// reusing it (closing rolls back).
class WriteTransaction {
 public:
  [[nodiscard]] static Result<WriteTransaction> begin(Connection& connection);
  WriteTransaction(WriteTransaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  WriteTransaction& operator=(WriteTransaction&&) = delete;
  ~WriteTransaction();

  [[nodiscard]] Result<void> commit();

 private:
  explicit WriteTransaction(Connection& connection) noexcept : connection_(&connection) {}

  Connection* connection_;  // null once committed or moved from
};

}  // namespace ssooidc::storage::sqlite
