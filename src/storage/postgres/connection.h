// RAII over libpq: the connection and result handles, parameters bound by position, one
// connection with its cache of prepared statements, and a transaction.
//
// Private to storage/postgres, and the only header in the tree that names libpq types.
//
// Parameters travel in libpq's binary format with explicit types (text, int8), so a value is
// never spliced into SQL and never needs a terminating NUL. Results come back as text.
//
// Thread safety: a Connection (and everything obtained from it) is used by one thread at a time;
// the pool lends each connection to one caller.
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/postgres/postgres_storage.h"
#include "storage/row_mapping.h"
#include "storage/postgres/statements.h"
#include "storage/storage.h"

namespace ssooidc::storage::postgres {

struct ConnectionCloser {
  void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;

struct ResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

// The parameters of one execution, $1, $2, ... in the order added; the RowWriter of the shared
// mappings (storage/row_mapping.h). Text is referenced, not copied: it must outlive the
// execution. Integers and owned text are kept here, integers in network byte order.
class Params final : public RowWriter {
 public:
  Params& text(std::string_view value) override;
  Params& owned_text(std::string value) override;
  Params& integer(std::int64_t value) override;
  Params& boolean(bool value) { return integer(value ? 1 : 0); }
  // Text of no declared type, which the server converts to the column's type (copying rows
  // between backends, table_import.cc). `value` must hold no NUL byte and outlive the execution.
  Params& untyped(const std::string& value);

  [[nodiscard]] int count() const noexcept { return static_cast<int>(values_.size()); }
  [[nodiscard]] const char* const* values() const noexcept { return values_.data(); }
  [[nodiscard]] const int* lengths() const noexcept { return lengths_.data(); }
  [[nodiscard]] const int* formats() const noexcept { return formats_.data(); }
  [[nodiscard]] const Oid* types() const noexcept { return types_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<Oid> types_;
  std::deque<std::array<char, 8>> integers_;  // a deque: growing it moves no element
  std::deque<std::string> strings_;           // likewise, so that no short string's bytes move
};

// The rows of one successful execution, read as text. NULL reads as "" or 0.
class Rows {
 public:
  explicit Rows(ResultHandle result) noexcept : result_(std::move(result)) {}
  [[nodiscard]] int size() const noexcept { return PQntuples(result_.get()); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // Rows an INSERT, UPDATE or DELETE changed.
  [[nodiscard]] std::int64_t changed() const noexcept;
  [[nodiscard]] bool is_null(int row, int column) const noexcept {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  [[nodiscard]] std::string_view view(int row, int column) const noexcept {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
  }
  [[nodiscard]] std::string text(int row, int column) const { return std::string(view(row, column)); }
  [[nodiscard]] std::int64_t integer(int row, int column) const noexcept;

 private:
  ResultHandle result_;
};

// Row `row` of `rows`, as the shared mappings read it (storage/row_mapping.h); its errors name
// `operation`, the statement's.
class ResultRow final : public RowReader {
 public:
  ResultRow(const Rows& rows, int row, std::string_view operation) noexcept
      : rows_(rows), row_(row), operation_(operation) {}
  [[nodiscard]] std::string_view view(int column) override { return rows_.view(row_, column); }
  [[nodiscard]] std::int64_t integer(int column) override { return rows_.integer(row_, column); }
  [[nodiscard]] Error error(std::string_view reason) const override;

 private:
  const Rows& rows_;
  int row_;
  std::string_view operation_;
};

class Connection {
 public:
  // Connects with `url` (libpq's defaults first, so that the URL overrides them), sets the client
  // encoding to UTF-8 and the statement timeout. The error carries libpq's reason when
  // `detailed` (start-up, for the operator), a fixed phrase otherwise (requests: the text could
  // reach a client).
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& url,
                                                                const PostgresOptions& options,
                                                                bool detailed);

  // Runs statement `id` (prepared on this connection on first use) with `params`.
  [[nodiscard]] Result<Rows> execute(Sql id, const Params& params);
  // Runs `sql`, which holds no values (transaction control, migrations), with the simple protocol.
  [[nodiscard]] Result<Rows> execute_script(std::string_view operation, const std::string& sql);
  // Runs `sql`, which is not one of the named statements (its identifiers come from
  // quote_identifier), with every value in `params`.
  [[nodiscard]] Result<Rows> execute_unnamed(std::string_view operation, const std::string& sql,
                                             const Params& params);
  // `name` as a quoted SQL identifier ("a""b"), or nullopt when libpq cannot quote it.
  [[nodiscard]] std::optional<std::string> quote_identifier(std::string_view name) const;

  // False once the connection is lost, or when it is inside a transaction (a ROLLBACK failed):
  // the pool then closes it rather than lending it again.
  [[nodiscard]] bool reusable() const noexcept;
  // For an idle connection about to be lent: false when the server has closed it or sent it
  // anything (a restart's termination notice), which an idle connection never expects.
  [[nodiscard]] bool still_open() const noexcept;

 private:
  explicit Connection(ConnectionHandle connection) noexcept
      : connection_(std::move(connection)) {}
  [[nodiscard]] Error failure(std::string_view operation, const PGresult* result) const;

  ConnectionHandle connection_;
  std::array<bool, kSqlCount> prepared_{};
};

// BEGIN on `begin`, COMMIT on `commit`, ROLLBACK on destruction unless committed.
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Connection& connection);
  Transaction(Transaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Connection& connection) noexcept : connection_(&connection) {}

  Connection* connection_;  // null once committed or moved from
};

// The storage error for SQLSTATE `state` of `operation`: fixed words, never the server's text.
[[nodiscard]] Error error_for_sqlstate(std::string_view operation, std::string_view state);

}  // namespace ssooidc::storage::postgres
