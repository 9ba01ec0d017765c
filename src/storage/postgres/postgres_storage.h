// The PostgreSQL backend: a server the operator runs (with its own replication and failover),
// shared by any number of ssooidc-server replicas, reached through a bounded pool of libpq
// connections per process.
//
// URLs are libpq connection URIs: postgres://user:password@host:5432/db?sslmode=verify-full,
// postgresql:///db?host=/run/postgresql (a Unix socket directory); a password not in the URL
// comes from PGPASSFILE (or ~/.pgpass) as libpq reads it. Every statement runs as a prepared
// statement with bound parameters (statements.cc); no SQL is ever built from values.
//
// Durability: every commit waits for the server's WAL flush (synchronous_commit as the server
// sets it). Concurrency: the compare-and-set steps (decide, redeem, rotate) are single
// conditional UPDATE ... RETURNING statements; under READ COMMITTED a second concurrent UPDATE of
// the same row waits for the first and re-checks its WHERE on the committed row, so exactly one
// of any number of concurrent redemptions, on any number of replicas, wins.
//
// Schema: migrations.cc, applied under a PostgreSQL advisory lock so that replicas starting at
// once apply them once (the others wait, then find nothing to do). Tables live in the first
// schema of the connection's search_path.
//
// Failures: a lost connection is dropped from the pool and the next call opens a new one, so
// the stores recover by themselves once the server is back; idle connections closed by a server
// restart are noticed before reuse. Errors follow storage_error.h (a unique violation is
// kAlreadyExists, a serialization failure kConflict, everything else kUnavailable) and their
// descriptions hold fixed phrases and the SQLSTATE, never SQL, a value or a password.
//
// Thread safety: the returned Storage may be used from any number of threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "storage/storage.h"

namespace ssooidc::storage {

struct PostgresOptions {
  // At most this many connections per Storage; a caller waits up to acquire_timeout_ms for one.
  std::size_t max_connections = 16;
  int acquire_timeout_ms = 5000;
  // Applied to each connection unless the role, database or URL (options=-c ...) sets one.
  int statement_timeout_ms = 5000;
  // Default for libpq's connect_timeout; the URL's own value wins.
  int connect_timeout_seconds = 5;
};

// Connects, applies pending migrations and returns the stores. Errors say why the server could
// not be reached (libpq's reason, without the password) or the schema could not be brought up
// to date.
[[nodiscard]] Result<std::unique_ptr<Storage>> open_postgres_storage(std::string_view url,
                                                                     PostgresOptions options = {});

// Rows copied into the database at `url` (storage/table_copy.h), after bringing it to this
// build's schema, in one transaction: each table received must exist and be empty (or the import
// fails naming it); values are bound, never spliced; an identity column's sequence is moved past
// the copied ids. commit() makes everything visible; destroying it uncommitted rolls back.
class TableSink;
class PostgresImport {
 public:
  virtual ~PostgresImport() = default;
  virtual TableSink& sink() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
};
[[nodiscard]] Result<std::unique_ptr<PostgresImport>> begin_postgres_import(std::string_view url);

// "PostgreSQL database ssooidc on 127.0.0.1:5432 as ssooidc": what the URL names, for log lines,
// without its password. A URL libpq cannot parse is described as "PostgreSQL (unparsable URL)".
[[nodiscard]] std::string describe_postgres_url(std::string_view url);

}  // namespace ssooidc::storage
