// The shapes every store method takes (look one row up, run one write, decode a list column),
// written once so that each method is only its binds and its reader.
//
// Private to storage/sqlite.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend_error.h"
#include "storage/list_codec.h"
#include "storage/row_mapping.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

// The parameters of `statement` from ?`first` on, in the order written, for the shared mappings
// (storage/row_mapping.h).
class StatementParams final : public RowWriter {
 public:
  explicit StatementParams(Statement& statement, int first = 1) noexcept
      : statement_(statement), next_(first) {}
  StatementParams& text(std::string_view value) override {
    statement_.bind_text(next_++, value);
    return *this;
  }
  StatementParams& owned_text(std::string value) override {
    statement_.bind_text_copy(next_++, value);
    return *this;
  }
  StatementParams& integer(std::int64_t value) override {
    statement_.bind_int(next_++, value);
    return *this;
  }

 private:
  Statement& statement_;
  int next_;
};

// The bind of a statement that takes `record` as its mapping `write` lays it out, from ?1 on.
template <typename Record>
auto bind_record(void (*write)(const Record&, RowWriter&), const Record& record) {
  return [write, &record](Statement& statement) {
    StatementParams params(statement);
    write(record, params);
  };
}

// Runs the query `id` after `bind(Statement&)` and reads every row with
// `read(Statement&) -> Result<T>`.
template <typename T, typename Bind, typename Read>
Result<std::vector<T>> read_rows(Database& database, Sql id, Bind bind, Read read) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  bind(*statement);
  std::vector<T> rows;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return rows;
    auto value = read(*statement);
    if (!value) return std::unexpected(std::move(value.error()));
    rows.push_back(std::move(*value));
  }
}

// As read_rows, but only the first row, if any: the statement is stepped once (a lookup by key,
// on the poll's path, never steps on to look for a second row).
template <typename T, typename Bind, typename Read>
Result<std::optional<T>> read_first(Database& database, Sql id, Bind bind, Read read) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  bind(*statement);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::nullopt;
  Result<T> value = read(*statement);
  if (!value) return std::unexpected(std::move(value.error()));
  return std::optional<T>(std::move(*value));
}

// read_first with `key` bound to ?1.
template <typename T, typename Read>
Result<std::optional<T>> find_one(Database& database, Sql id, std::string_view key, Read read) {
  return read_first<T>(
      database, id, [key](Statement& statement) { statement.bind_text(1, key); }, read);
}

// Column 0 of the one row of the query `id` after `bind` (count(*) and the like).
template <typename Bind>
Result<std::int64_t> read_integer(Database& database, Sql id, Bind bind) {
  auto value = read_first<std::int64_t>(
      database, id, bind, [](Statement& row) -> Result<std::int64_t> { return row.integer(0); });
  if (!value) return std::unexpected(std::move(value.error()));
  if (!*value) return std::unexpected(backend_error(sql_statement(id).operation, "no row"));
  return **value;
}

// Runs the single write statement `id` on `connection` after `bind(Statement&)`; returns the rows
// it changed. One statement outside BEGIN is a transaction of its own. The caller holds
// write_mutex.
template <typename Bind>
Result<std::int64_t> run_one(Connection& connection, Sql id, Bind& bind) {
  auto statement = connection.statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  bind(*statement);
  if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  return connection.changes();
}

// run_one on a pooled connection, which syncs every commit.
template <typename Bind>
Result<std::int64_t> write_one(Database& database, Sql id, Bind bind) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  std::lock_guard write_lock(database.write_mutex);
  return run_one(**lease, id, bind);
}

// As write_one, but grouped with the other writers waiting at that moment into one transaction
// and one fsync (group_commit.h): returns once the row is on disk. kAlreadyExists concerns this
// write alone; any other error failed the whole batch, and nothing of it was stored.
template <typename Bind>
Result<std::int64_t> write_one_grouped(Database& database, Sql id, Bind bind) {
  return database.group_commit.write(id, bind);
}

// write_one_grouped without waiting (GroupCommitWriter::write_without_waiting): `record` is moved
// into the queued write, bound on the writer's thread, and `done` gets the rows changed once the
// batch is committed and synced.
template <typename Record>
void write_one_grouped_without_waiting(Database& database, Sql id,
                                       void (*write)(const Record&, RowWriter&), Record record,
                                       GroupCommitWriter::Done done) {
  database.group_commit.write_without_waiting(
      sql_statement(id).operation, false,
      [id, write, record = std::move(record)](Connection& connection) -> Result<std::int64_t> {
        auto bind = bind_record(write, record);
        return run_one(connection, id, bind);
      },
      std::move(done));
}

// As write_one, but committed without fsync (Connection::Commits::kNoFsync): the row survives the
// server being killed but not a power loss or kernel crash, and becomes durable with the next
// synced commit. Only for rows whose loss costs a retry, never a secret's validity.
// The connection that commits without fsync, opened on first use. The caller holds write_mutex.
inline Result<Connection*> unsynced_writer_locked(Database& database) {
  if (!database.unsynced_writer) {
    auto opened = Connection::open(database.pool.path(), database.pool.options(),
                                   Connection::Commits::kNoFsync);
    if (!opened) return std::unexpected(std::move(opened.error()));
    database.unsynced_writer = std::move(*opened);
  }
  return database.unsynced_writer.get();
}

template <typename Bind>
Result<std::int64_t> write_one_without_fsync(Database& database, Sql id, Bind bind) {
  std::lock_guard write_lock(database.write_mutex);
  auto writer = unsynced_writer_locked(database);
  if (!writer) return std::unexpected(std::move(writer.error()));
  return run_one(**writer, id, bind);
}

// Whether a write changed exactly one row: a compare-and-set or an insert that may find its key
// taken.
[[nodiscard]] inline Result<bool> changed_one(Result<std::int64_t> changed) {
  if (!changed) return std::unexpected(std::move(changed.error()));
  return *changed == 1;
}

}  // namespace ssooidc::storage::sqlite
