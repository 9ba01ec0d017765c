#include "storage/postgres/connection.h"

#include <poll.h>

#include <charconv>
#include <string>

#include "storage/backend_error.h"

namespace ssooidc::storage::postgres {
namespace {

// Type OIDs of pg_type (stable across releases): text and int8.
constexpr Oid kTextOid = 25;
constexpr Oid kInt8Oid = 20;

constexpr std::string_view kLostConnection = "lost the connection to PostgreSQL";

// libpq's message for a failed connection, first line only (later lines are hints), or a fixed
// phrase. It names host, port, database and user, never the password.
std::string connect_reason(PGconn* connection) {
  std::string message = connection ? PQerrorMessage(connection) : "out of memory";
  if (auto newline = message.find('\n'); newline != std::string::npos) message.resize(newline);
  if (message.empty()) message = "connection failed";
  return "cannot connect to PostgreSQL: " + message;
}

}  // namespace

Params& Params::text(std::string_view value) {
  values_.push_back(value.data() != nullptr ? value.data() : "");
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  types_.push_back(kTextOid);
  return *this;
}

Params& Params::owned_text(std::string value) {
  return text(strings_.emplace_back(std::move(value)));
}

Params& Params::integer(std::int64_t value) {
  auto& bytes = integers_.emplace_back();
  const auto bits = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  values_.push_back(bytes.data());
  lengths_.push_back(8);
  formats_.push_back(1);
  types_.push_back(kInt8Oid);
  return *this;
}

Params& Params::untyped(const std::string& value) {
  values_.push_back(value.c_str());
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(0);
  types_.push_back(0);
  return *this;
}

Error ResultRow::error(std::string_view reason) const { return backend_error(operation_, reason); }

std::int64_t Rows::changed() const noexcept {
  const char* tuples = PQcmdTuples(result_.get());
  std::int64_t n = 0;
  if (tuples != nullptr) std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
  return n;
}

std::int64_t Rows::integer(int row, int column) const noexcept {
  const std::string_view text = view(row, column);
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

Error error_for_sqlstate(std::string_view operation, std::string_view state) {
  if (state == "23505")
    return storage_error(StorageErrorCode::kAlreadyExists, operation, "a row with this key exists");
  // Class 22, data exception: a value the caller gave that PostgreSQL cannot take (22021: NUL or
  // not UTF-8), the caller's error rather than the server's (storage_error.h).
  if (state.size() == 5 && state.starts_with("22")) {
    std::string why = state == "22021" ? "a value is not UTF-8 text without NUL characters"
                                       : "a value is not acceptable to PostgreSQL";
    return storage_error(StorageErrorCode::kInvalidValue, operation,
                         why + " (SQLSTATE " + std::string(state) + ")");
  }
  if (state == "40001" || state == "40P01")
    return storage_error(StorageErrorCode::kConflict, operation,
                         "concurrent change (serialization failure or deadlock); retry");
  std::string why;
  if (state == "57014") {
    why = "statement timed out or was cancelled";
  } else if (state.starts_with("08")) {
    why = std::string(kLostConnection);
  } else if (state.starts_with("57P")) {
    why = "PostgreSQL is shutting down or restarting";
  } else if (state.starts_with("53")) {
    why = "PostgreSQL is out of resources";
  } else {
    why = "PostgreSQL error";
  }
  // SQLSTATE is five characters of [0-9A-Z]: safe to show, useful to the operator.
  if (state.size() == 5) why += " (SQLSTATE " + std::string(state) + ")";
  return backend_error(operation, why);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url,
                                                     const PostgresOptions& options,
                                                     bool detailed) {
  // libpq processes keywords in order and the URL (expanded from dbname) comes last, so what the
  // operator wrote wins over these defaults.
  const std::string connect_timeout = std::to_string(options.connect_timeout_seconds);
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {connect_timeout.c_str(), "ssooidc-server", url.c_str(), nullptr};
  ConnectionHandle handle(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!handle || PQstatus(handle.get()) != CONNECTION_OK) {
    return std::unexpected(backend_error(
        "connect", detailed ? connect_reason(handle.get()) : "cannot connect to PostgreSQL"));
  }
  // NOTICEs ("already exists, skipping") are for interactive sessions: libpq would print them
  // on standard error, between the server's log lines.
  PQsetNoticeProcessor(handle.get(), [](void*, const char*) {}, nullptr);
  if (PQsetClientEncoding(handle.get(), "UTF8") != 0)
    return std::unexpected(backend_error("connect", "PostgreSQL refused client encoding UTF8"));
  std::unique_ptr<Connection> connection(new Connection(std::move(handle)));
  // A timeout the role, database or URL sets is kept; otherwise ours bounds every statement.
  const std::string timeout = std::to_string(options.statement_timeout_ms);
  Params params;
  params.text(timeout);
  ResultHandle set(PQexecParams(
      connection->connection_.get(),
      "SELECT set_config('statement_timeout', $1, false) "
      "WHERE current_setting('statement_timeout') = '0'",
      params.count(), params.types(), params.values(), params.lengths(), params.formats(), 0));
  if (!set || PQresultStatus(set.get()) != PGRES_TUPLES_OK)
    return std::unexpected(connection->failure("set statement timeout", set.get()));
  return connection;
}

Error Connection::failure(std::string_view operation, const PGresult* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr) return error_for_sqlstate(operation, state);
  if (PQstatus(connection_.get()) != CONNECTION_OK)
    return backend_error(operation, std::string(kLostConnection));
  return backend_error(operation, "PostgreSQL returned no result");
}

Result<Rows> Connection::execute(Sql id, const Params& params) {
  const SqlStatement& statement = sql_statement(id);
  const std::string name = "s" + std::to_string(static_cast<std::size_t>(id));
  // PostgreSQL keeps prepared statements per session, so the flags live in the Connection: a
  // connection the pool opens anew (after a server restart, say) prepares from scratch.
  auto& prepared = prepared_[static_cast<std::size_t>(id)];
  if (!prepared) {
    // The types come from the first use; every use of a statement binds the same types.
    ResultHandle made(PQprepare(connection_.get(), name.c_str(), std::string(statement.text).c_str(),
                                params.count(), params.types()));
    if (!made || PQresultStatus(made.get()) != PGRES_COMMAND_OK)
      return std::unexpected(failure(statement.operation, made.get()));
    prepared = true;
  }
  ResultHandle result(PQexecPrepared(connection_.get(), name.c_str(), params.count(),
                                     params.values(), params.lengths(), params.formats(), 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return std::unexpected(failure(statement.operation, result.get()));
  return Rows(std::move(result));
}

Result<Rows> Connection::execute_script(std::string_view operation, const std::string& sql) {
  ResultHandle result(PQexec(connection_.get(), sql.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return std::unexpected(failure(operation, result.get()));
  return Rows(std::move(result));
}

Result<Rows> Connection::execute_unnamed(std::string_view operation, const std::string& sql,
                                        const Params& params) {
  ResultHandle result(PQexecParams(connection_.get(), sql.c_str(), params.count(), params.types(),
                                   params.values(), params.lengths(), params.formats(), 0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return std::unexpected(failure(operation, result.get()));
  return Rows(std::move(result));
}

std::optional<std::string> Connection::quote_identifier(std::string_view name) const {
  char* quoted = PQescapeIdentifier(connection_.get(), name.data(), name.size());
  if (quoted == nullptr) return std::nullopt;
  std::string text(quoted);
  PQfreemem(quoted);
  return text;
}

bool Connection::reusable() const noexcept {
  return PQstatus(connection_.get()) == CONNECTION_OK &&
         PQtransactionStatus(connection_.get()) == PQTRANS_IDLE;
}

bool Connection::still_open() const noexcept {
  if (!reusable()) return false;
  pollfd descriptor{PQsocket(connection_.get()), POLLIN, 0};
  // Nothing to read is the healthy case; anything else (EOF, a FATAL notice, an error) means the
  // server is done with this connection, or it is in a state we do not want to lend.
  return ::poll(&descriptor, 1, 0) == 0;
}

Result<Transaction> Transaction::begin(Connection& connection) {
  auto begun = connection.execute_script("begin transaction", "BEGIN");
  if (!begun) return std::unexpected(std::move(begun.error()));
  return Transaction(connection);
}

Transaction::~Transaction() {
  // A ROLLBACK that fails leaves the connection outside PQTRANS_IDLE (or lost): the pool then
  // closes it instead of lending it again, and closing ends the transaction on the server.
  if (connection_ != nullptr) (void)connection_->execute_script("roll back", "ROLLBACK");
}

Result<void> Transaction::commit() {
  Connection* connection = std::exchange(connection_, nullptr);
  auto committed = connection->execute_script("commit", "COMMIT");
  if (!committed) return std::unexpected(std::move(committed.error()));
  return {};
}

}  // namespace ssooidc::storage::postgres
