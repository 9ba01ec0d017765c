#include "storage/sqlite/connection.h"

#include <array>
#include <string>

#include "storage/backend_error.h"

namespace ssooidc::storage::sqlite {
namespace {

// SQLite's result codes in the storage vocabulary (the mapping rule of storage_error.h): a
// UNIQUE or PRIMARY KEY violation is an insert of a key that exists; every other failure (busy,
// I/O, corruption, full disk, a NOT NULL or CHECK violation, which is a bug) is the backend being
// unavailable. kNotFound is decided by the stores from the changed-row count, and kConflict
// never arises: BEGIN IMMEDIATE serialises writers.
StorageErrorCode code_of(sqlite3* db) {
  if (db == nullptr) return StorageErrorCode::kUnavailable;
  const int code = sqlite3_extended_errcode(db);
  if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE)
    return StorageErrorCode::kAlreadyExists;
  return StorageErrorCode::kUnavailable;
}

Error connection_error(sqlite3* db, std::string_view operation) {
  return storage_error(code_of(db), operation,
                       db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

// Runs a pragma that answers with one text row and returns that row.
Result<std::string> query_pragma(sqlite3* db, const char* pragma, std::string_view operation) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, pragma, -1, &raw, nullptr) != SQLITE_OK) {
    return std::unexpected(connection_error(db, operation));
  }
  StatementHandle statement(raw);
  if (sqlite3_step(statement.get()) != SQLITE_ROW) {
    return std::unexpected(connection_error(db, operation));
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
  std::string value = text != nullptr ? text : "";
  while (true) {
    const int rc = sqlite3_step(statement.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return std::unexpected(connection_error(db, operation));
  }
  return value;
}

// How device_authorizations stores its device code hashes (migration 8): a SHA-256 in lower-case
// hex, as every hash is handed to storage, as its 32 bytes, and an ordered secret's key
// (crypto::secret_hash: six bytes of time, then the SHA-256) as its 38; any other text (as the
// conformance suite's "hash-1") as that text. One-to-one, so a lookup finds what an insert
// stored.
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kOrderedHashBytes = 6 + kHashBytes;

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: "AB" stays text, so that reading back gives the same string
}

// The bytes of `text` and their number, or 0 when it is not such a hash.
std::size_t hash_bytes(std::string_view text,
                       std::array<unsigned char, kOrderedHashBytes>& bytes) noexcept {
  const std::size_t size = text.size() / 2;
  if (text.size() % 2 != 0 || (size != kHashBytes && size != kOrderedHashBytes)) return 0;
  for (std::size_t i = 0; i < size; ++i) {
    const int high = hex_digit(text[2 * i]);
    const int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) return 0;
    bytes[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return size;
}

// SQL's ssooidc_hash_key(x): x in that stored form. The statements that write or look up a device
// code hash apply it to their parameter (statements.cc), and migration 8 to the existing rows;
// every connection defines it.
void hash_key_function(sqlite3_context* context, int, sqlite3_value** arguments) {
  if (sqlite3_value_type(arguments[0]) != SQLITE_TEXT) {
    sqlite3_result_value(context, arguments[0]);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(arguments[0]));
  const std::string_view hash(text, static_cast<std::size_t>(sqlite3_value_bytes(arguments[0])));
  std::array<unsigned char, kOrderedHashBytes> bytes;
  if (const std::size_t size = hash_bytes(hash, bytes); size != 0) {
    sqlite3_result_blob(context, bytes.data(), static_cast<int>(size), SQLITE_TRANSIENT);
  } else {
    sqlite3_result_value(context, arguments[0]);
  }
}

// SQL's ssooidc_hash_text(x): the text a device code hash was stored from (the inverse of
// ssooidc_hash_key), for the statements that read one.
void hash_text_function(sqlite3_context* context, int, sqlite3_value** arguments) {
  if (sqlite3_value_type(arguments[0]) != SQLITE_BLOB) {
    sqlite3_result_value(context, arguments[0]);
    return;
  }
  // The blob first, then its size: the documented order.
  const void* bytes = sqlite3_value_blob(arguments[0]);
  const std::string hex =
      lower_hex(bytes, static_cast<std::size_t>(sqlite3_value_bytes(arguments[0])));
  sqlite3_result_text64(context, hex.data(), hex.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// Defines ssooidc_hash_key and ssooidc_hash_text on `db`.
bool define_hash_functions(sqlite3* db) {
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  return sqlite3_create_function_v2(db, "ssooidc_hash_key", 1, kFlags, nullptr, hash_key_function,
                                    nullptr, nullptr, nullptr) == SQLITE_OK &&
         sqlite3_create_function_v2(db, "ssooidc_hash_text", 1, kFlags, nullptr,
                                    hash_text_function, nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace

std::string lower_hex(const void* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* byte = static_cast<const unsigned char*>(bytes);
  std::string hex;
  hex.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(kDigits[byte[i] >> 4]);
    hex.push_back(kDigits[byte[i] & 0xf]);
  }
  return hex;
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      statement_(std::exchange(other.statement_, nullptr)),
      operation_(other.operation_),
      bind_status_(other.bind_status_) {}

Statement::~Statement() {
  if (statement_ == nullptr) return;
  // sqlite3_reset repeats the error of a failed step, which was reported already.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Statement& Statement::bind_text(int index, std::string_view text) noexcept {
  return bind_text_with(index, text, SQLITE_STATIC);
}

Statement& Statement::bind_text_copy(int index, std::string_view text) noexcept {
  return bind_text_with(index, text, SQLITE_TRANSIENT);
}

Statement& Statement::bind_text_with(int index, std::string_view text,
                                     sqlite3_destructor_type lifetime) noexcept {
  // A null pointer would bind SQL NULL; an empty string_view may carry one.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(statement_, index, data, text.size(), lifetime, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_ == SQLITE_OK) bind_status_ = rc;
  return *this;
}

Statement& Statement::bind_int(int index, std::int64_t value) noexcept {
  const int rc = sqlite3_bind_int64(statement_, index, value);
  if (rc != SQLITE_OK && bind_status_ == SQLITE_OK) bind_status_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_status_ != SQLITE_OK) return std::unexpected(error(sqlite3_errstr(bind_status_)));
  if (auto* faults = connection_->faults(); faults != nullptr && faults->should_fail()) {
    return std::unexpected(error("injected fault"));
  }
  switch (sqlite3_step(statement_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return std::unexpected(storage_error(code_of(connection_->handle()), operation_,
                                           sqlite3_errmsg(connection_->handle())));
  }
}

Result<void> Statement::run() {
  auto row = step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (*row) return std::unexpected(error("statement returned rows"));
  return {};
}

std::string_view Statement::column_view(int index) noexcept {
  // Text first, then its size: the documented order when a conversion may happen.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, index))};
}

std::int64_t Statement::column_int(int index) noexcept {
  return sqlite3_column_int64(statement_, index);
}

Error Statement::error(std::string_view reason) const { return backend_error(operation_, reason); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     const SqliteOptions& options,
                                                     Commits commits) {
  const std::string operation = "open sqlite:" + path;
  // Connections move between threads (one at a time), which a single-threaded build forbids.
  if (sqlite3_threadsafe() == 0) {
    return std::unexpected(backend_error(operation, "libsqlite3 was built without thread support"));
  }
  // SQLite counts every allocation it makes under one process-wide mutex unless told not to
  // (issue 15: that mutex and its memory barriers were about 5 % of the group commit's writer in
  // an issuance run, perf). Nothing here reads those counts. Only possible before SQLite is
  // initialized, so the first open in the process sets it; if something initialized SQLite
  // before, the call is refused and the counting stays, which changes nothing but the cost.
  static const bool uncounted = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  static_cast<void>(uncounted);
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DatabaseHandle db(raw);  // sqlite3_open_v2 may hand out a handle even when it fails
  if (rc != SQLITE_OK) return std::unexpected(connection_error(db.get(), operation));

  // Extended codes tell a taken key (SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE: kAlreadyExists) from
  // every other constraint failure (code_of). The busy timeout is for other processes on the
  // file (the operator's commands, a second server): this process's writers queue on
  // Database::write_mutex instead of in the busy handler (stores.h).
  if (sqlite3_extended_result_codes(db.get(), 1) != SQLITE_OK ||
      sqlite3_busy_timeout(db.get(), options.busy_timeout_ms) != SQLITE_OK) {
    return std::unexpected(connection_error(db.get(), operation));
  }
  // journal_mode answers with the mode in force; a file system without shared memory keeps the
  // old one, and then readers would block writers.
  auto mode = query_pragma(db.get(), "PRAGMA journal_mode = WAL", operation);
  if (!mode) return std::unexpected(std::move(mode.error()));
  if (*mode != "wal") {
    return std::unexpected(
        backend_error(operation, "cannot enable WAL (journal_mode is " + *mode + ")"));
  }
  // FULL syncs the WAL on every commit: an acknowledged write survives power loss, not only a
  // crash of this process. trusted_schema=OFF keeps a tampered file from running SQL functions
  // hidden in views or triggers.
  const char* pragmas =
      commits == Commits::kFsync
          ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;"
          : "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;";
  if (sqlite3_exec(db.get(), pragmas, nullptr, nullptr, nullptr) != SQLITE_OK ||
      !define_hash_functions(db.get())) {
    return std::unexpected(connection_error(db.get(), operation));
  }
  return std::unique_ptr<Connection>(new Connection(std::move(db), path, options.faults));
}

Result<Statement> Connection::statement(Sql id) {
  const SqlStatement& sql = sql_statement(id);
  auto& cached = cache_[static_cast<std::size_t>(id)];
  if (!cached) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.text.data(), static_cast<int>(sql.text.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    cached.reset(raw);
    if (rc != SQLITE_OK || raw == nullptr) {
      cached.reset();
      return std::unexpected(connection_error(db_.get(), sql.operation));
    }
  }
  return Statement(*this, cached.get(), sql.operation);
}

Result<void> Connection::execute_script(std::string_view operation, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
  const std::unique_ptr<char, decltype(&sqlite3_free)> owned(message, &sqlite3_free);
  if (rc != SQLITE_OK) {
    return std::unexpected(
        backend_error(operation, message != nullptr ? message : sqlite3_errstr(rc)));
  }
  return {};
}

Result<WriteTransaction> WriteTransaction::begin(Connection& connection) {
  auto statement = connection.statement(Sql::kBegin);
  if (!statement) return std::unexpected(std::move(statement.error()));
  if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  return WriteTransaction(connection);
}

Result<void> WriteTransaction::commit() {
  auto statement = connection_->statement(Sql::kCommit);
  if (!statement) return std::unexpected(std::move(statement.error()));
  if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  connection_ = nullptr;
  return {};
}

WriteTransaction::~WriteTransaction() {
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) roll the transaction back by themselves.
  if (connection_ == nullptr || !connection_->in_transaction()) return;
  auto statement = connection_->statement(Sql::kRollback);
  if (!statement) return;  // the pool closes the connection, which rolls back
  (void)statement->run();  // likewise when ROLLBACK fails
}

}  // namespace ssooidc::storage::sqlite
