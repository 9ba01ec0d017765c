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

#include "storage/list_codec.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

// Binds `key` to ?1 of `id` and reads the first row, if any, with `read(Statement&) -> Result<T>`.
template <typename T, typename Read>
Result<std::optional<T>> find_one(Database& database, Sql id, std::string_view key, Read read) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(id);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_text(1, key);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::nullopt;
  Result<T> value = read(*statement);
  if (!value) return std::unexpected(std::move(value.error()));
  return std::optional<T>(std::move(*value));
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

inline Result<std::vector<std::string>> read_list(Statement& statement, int column) {
  auto list = decode_string_list(statement.column_view(column));
  if (!list) return std::unexpected(statement.error("stored list is not a JSON array of strings"));
  return std::move(*list);
}

}  // namespace ssooidc::storage::sqlite
