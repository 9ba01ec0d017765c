#include <string>

#include "storage/backend_error.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/sqlite_storage.h"
#include "storage/table_copy.h"

namespace ssooidc::storage {
namespace {

using sqlite::DatabaseHandle;
using sqlite::StatementHandle;

Error sqlite_failure(std::string_view operation, sqlite3* db) {
  return backend_error(operation, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

Result<StatementHandle> prepare(sqlite3* db, std::string_view operation, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite_failure(operation, db));
  return StatementHandle(raw);
}

// "name" with embedded quotes doubled: the one way SQLite quotes an identifier. Table names come
// from the file's own sqlite_schema.
std::string quoted_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

}  // namespace

Result<void> export_sqlite_tables(std::string_view path, TableSink& sink) {
  {
    auto migrated = open_sqlite_storage(path);  // this build's schema, the same as the target's
    if (!migrated) return std::unexpected(std::move(migrated.error()));
  }
  const std::string file(path);
  const std::string operation = "export sqlite:" + file;
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  DatabaseHandle db(raw);
  if (opened != SQLITE_OK) return std::unexpected(sqlite_failure(operation, db.get()));
  sqlite3_busy_timeout(db.get(), 5000);
  // One read transaction: every table is read from the same snapshot, even while a server writes.
  if (sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite_failure(operation, db.get()));
  std::vector<std::string> tables;
  // Not the data: the SQLite file's own change log for the poll's index (migration 11), which
  // another backend has no use for.
  {
    auto list = prepare(db.get(), operation,
                        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                        "'sqlite\\_%' ESCAPE '\\' AND name NOT IN ('schema_migrations', 'row_counts', "
                        "'device_authorization_changes') "
                        "ORDER BY name");
    if (!list) return std::unexpected(std::move(list.error()));
    int step;
    while ((step = sqlite3_step(list->get())) == SQLITE_ROW)
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list->get(), 0)));
    if (step != SQLITE_DONE) return std::unexpected(sqlite_failure(operation, db.get()));
  }
  for (const std::string& table : tables) {
    auto rows = prepare(db.get(), operation, "SELECT * FROM " + quoted_identifier(table));
    if (!rows) return std::unexpected(std::move(rows.error()));
    sqlite3_stmt* statement = rows->get();
    const int count = sqlite3_column_count(statement);
    std::vector<std::string> columns;
    columns.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) columns.emplace_back(sqlite3_column_name(statement, i));
    if (auto begun = sink.begin_table(table, columns); !begun) return begun;
    std::vector<std::optional<std::string>> values(static_cast<std::size_t>(count));
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      for (int i = 0; i < count; ++i) {
        auto& value = values[static_cast<std::size_t>(i)];
        if (sqlite3_column_type(statement, i) == SQLITE_NULL) {
          value.reset();
          continue;
        }
        // Integers read as their decimal text, text as its bytes; blobs (the hashes stored as
        // bytes, migration 8) as the lower-case hex that every other backend stores.
        if (sqlite3_column_type(statement, i) == SQLITE_BLOB) {
          value.emplace(sqlite::lower_hex(sqlite3_column_blob(statement, i),
                                  static_cast<std::size_t>(sqlite3_column_bytes(statement, i))));
          continue;
        }
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
        value.emplace(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, i)));
      }
      if (auto added = sink.row(values); !added) return added;
    }
    if (step != SQLITE_DONE) return std::unexpected(sqlite_failure(operation, db.get()));
  }
  return {};
}

}  // namespace ssooidc::storage
