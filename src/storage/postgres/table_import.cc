#include <string>

#include "storage/backend_error.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/postgres_storage.h"
#include "storage/table_copy.h"

namespace ssooidc::storage {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::Transaction;

class Import final : public PostgresImport, public TableSink {
 public:
  Import(std::unique_ptr<Connection> connection, Transaction transaction)
      : connection_(std::move(connection)), transaction_(std::move(transaction)) {}

  TableSink& sink() override { return *this; }

  Result<void> begin_table(std::string_view table,
                           const std::vector<std::string>& columns) override {
    operation_ = "copy table " + std::string(table);
    Params name;
    name.text(table);
    auto exists = connection_->execute_unnamed(
        operation_,
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = $1",
        name);
    if (!exists) return std::unexpected(std::move(exists.error()));
    if (exists->integer(0, 0) != 1)
      return std::unexpected(backend_error(operation_, "the PostgreSQL schema has no such table"));
    auto quoted_table = connection_->quote_identifier(table);
    if (!quoted_table) return std::unexpected(backend_error(operation_, "cannot quote its name"));
    auto occupied = connection_->execute_unnamed(
        operation_, "SELECT EXISTS (SELECT 1 FROM " + *quoted_table + ")", Params{});
    if (!occupied) return std::unexpected(std::move(occupied.error()));
    if (occupied->view(0, 0) == "t") {
      return std::unexpected(backend_error(
          operation_, "the PostgreSQL table is not empty (copy into a new database, before "
                      "any server has started on it)"));
    }
    insert_ = "INSERT INTO " + *quoted_table + " (";
    std::string placeholders;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto column = connection_->quote_identifier(columns[i]);
      if (!column) return std::unexpected(backend_error(operation_, "cannot quote a column"));
      insert_ += (i ? ", " : "") + *column;
      placeholders += (i ? ", $" : "$") + std::to_string(i + 1);
    }
    insert_ += ") VALUES (" + placeholders + ")";
    if (table == "credential_records") copied_identity_ = true;
    return {};
  }

  Result<void> row(const std::vector<std::optional<std::string>>& values) override {
    Params params;
    static const std::string kNull;
    for (const auto& value : values) {
      if (value && value->find('\0') != std::string::npos)
        return std::unexpected(
            backend_error(operation_, "a value holds a NUL byte, which PostgreSQL text cannot"));
      params.untyped(value ? *value : kNull);
    }
    auto inserted = connection_->execute_unnamed(operation_, insert_, params);
    if (!inserted) return std::unexpected(std::move(inserted.error()));
    return {};
  }

  Result<void> commit() override {
    if (copied_identity_) {
      // New records continue after the copied ids.
      auto moved = connection_->execute_script(
          "copy table credential_records",
          "SELECT setval(pg_get_serial_sequence('credential_records', 'id'), "
          "(SELECT coalesce(max(id), 0) + 1 FROM credential_records), false)");
      if (!moved) return std::unexpected(std::move(moved.error()));
    }
    return transaction_.commit();
  }

 private:
  std::unique_ptr<Connection> connection_;
  Transaction transaction_;  // rolls back unless committed; destroyed before connection_
  std::string operation_;
  std::string insert_;
  bool copied_identity_ = false;
};

}  // namespace

Result<std::unique_ptr<PostgresImport>> begin_postgres_import(std::string_view url) {
  {
    auto migrated = open_postgres_storage(url);
    if (!migrated) return std::unexpected(std::move(migrated.error()));
  }
  auto connection = Connection::open(std::string(url), PostgresOptions{}, /*detailed=*/true);
  if (!connection) return std::unexpected(std::move(connection.error()));
  auto transaction = Transaction::begin(**connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  return std::make_unique<Import>(std::move(*connection), std::move(*transaction));
}

}  // namespace ssooidc::storage
