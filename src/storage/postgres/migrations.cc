#include "storage/postgres/migrations.h"

#include <chrono>
#include <string>
#include <thread>

#include "storage/backend_error.h"

namespace ssooidc::storage::postgres {
namespace {

// How long a replica waits for another's migrations. pg_advisory_lock would wait under the
// statement timeout (5 s by default), and a replica started beside another that migrates a
// fresh schema on a busy machine then failed its start with "statement timed out". The lock is
// polled with pg_try_advisory_lock instead, each attempt a short statement, for at most this
// long, which is far longer than every migration so far.
constexpr auto kMigrationLockWait = std::chrono::minutes(5);
constexpr auto kMigrationLockRetry = std::chrono::milliseconds(20);
// A migration's statements are not requests: rewriting a table of millions of rows may take
// minutes, and on a loaded machine creating an empty one took longer than a 100 ms statement
// timeout (a test replica's). So the migration transaction has a bound of its own in place of
// the connection's statement timeout (PostgresOptions::statement_timeout_ms, 5 s by default).
constexpr std::string_view kMigrationStatementTimeout = "SET LOCAL statement_timeout = '10min'";

// To change the schema, append one entry; never edit an entry that has been released.
//
// The versions and contents follow storage/sqlite/migrations.cc table for table and column for
// column. Conventions: secrets are stored hashed (see storage.h); lists are JSON arrays of
// strings in TEXT (storage/list_codec.h); enums are lower-case words; booleans are 0/1 BIGINT;
// times are epoch seconds. Every text column is COLLATE "C", so that ordering and the `after`
// cursors of the portal listings are byte-wise whatever the database's locale.
constexpr Migration kMigrations[] = {
    {1, "clients, device authorizations, tokens, users", R"sql(
CREATE TABLE clients (
  client_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  secret_hash   TEXT COLLATE "C" NOT NULL,
  client_name   TEXT COLLATE "C" NOT NULL,
  client_type   TEXT COLLATE "C" NOT NULL,
  scopes        TEXT COLLATE "C" NOT NULL,
  redirect_uris TEXT COLLATE "C" NOT NULL,
  grant_types   TEXT COLLATE "C" NOT NULL,
  issuer_url    TEXT COLLATE "C" NOT NULL,
  issued_at     BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);

CREATE TABLE device_authorizations (
  device_code_hash  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  user_code         TEXT COLLATE "C" NOT NULL UNIQUE,
  client_id         TEXT COLLATE "C" NOT NULL,
  start_url         TEXT COLLATE "C" NOT NULL,
  created_at        BIGINT NOT NULL,
  expires_at        BIGINT NOT NULL,
  interval_seconds  BIGINT NOT NULL,
  state             TEXT COLLATE "C" NOT NULL
                    CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
  user_name         TEXT COLLATE "C" NOT NULL,
  decided_at        BIGINT NOT NULL,
  requester_address TEXT COLLATE "C" NOT NULL
);
CREATE INDEX device_authorizations_by_expiry ON device_authorizations (expires_at);

CREATE TABLE tokens (
  token_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('access', 'refresh')),
  family_id  TEXT COLLATE "C" NOT NULL,
  client_id  TEXT COLLATE "C" NOT NULL,
  user_name  TEXT COLLATE "C" NOT NULL,
  scopes     TEXT COLLATE "C" NOT NULL,
  issued_at  BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used       BIGINT NOT NULL CHECK (used IN (0, 1)),
  revoked    BIGINT NOT NULL CHECK (revoked IN (0, 1))
);
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE users (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  password_hash TEXT COLLATE "C" NOT NULL,
  disabled      BIGINT NOT NULL CHECK (disabled IN (0, 1)),
  created_at    BIGINT NOT NULL,
  email         TEXT COLLATE "C" NOT NULL
);
)sql"},
    {2, "authorization codes (PKCE) and ID token signing keys", R"sql(
CREATE TABLE authorization_codes (
  code_hash      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  client_id      TEXT COLLATE "C" NOT NULL,
  redirect_uri   TEXT COLLATE "C" NOT NULL,
  code_challenge TEXT COLLATE "C" NOT NULL,
  scopes         TEXT COLLATE "C" NOT NULL,
  user_name      TEXT COLLATE "C" NOT NULL,
  auth_time      BIGINT NOT NULL,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  used           BIGINT NOT NULL CHECK (used IN (0, 1)),
  family_id      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

CREATE TABLE signing_keys (
  kid           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  private_pem   TEXT COLLATE "C" NOT NULL,
  created_at    BIGINT NOT NULL,
  retire_after  BIGINT NOT NULL,
  publish_until BIGINT NOT NULL
);
)sql"},
    {3, "indexes for purging expired registrations and what hangs off them", R"sql(
CREATE INDEX clients_by_expiry ON clients (expires_at);
CREATE INDEX device_authorizations_by_client ON device_authorizations (client_id);
CREATE INDEX tokens_by_client ON tokens (client_id);
CREATE INDEX authorization_codes_by_client ON authorization_codes (client_id);
)sql"},
    {4, "SSO portal: accounts, roles, groups, assignments, credential records", R"sql(
CREATE TABLE accounts (
  account_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name       TEXT COLLATE "C" NOT NULL,
  email      TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE account_roles (
  account_id               TEXT COLLATE "C" NOT NULL,
  role_name                TEXT COLLATE "C" NOT NULL,
  session_duration_seconds BIGINT NOT NULL,
  credential_source        TEXT COLLATE "C" NOT NULL
                           CHECK (credential_source IN ('minted', 'static', 'command')),
  static_access_key_id     TEXT COLLATE "C" NOT NULL,
  static_secret_access_key TEXT COLLATE "C" NOT NULL,
  static_session_token     TEXT COLLATE "C" NOT NULL,
  command                  TEXT COLLATE "C" NOT NULL,
  created_at               BIGINT NOT NULL,
  PRIMARY KEY (account_id, role_name)
);

CREATE TABLE user_groups (
  name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  description TEXT COLLATE "C" NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE group_members (
  group_name TEXT COLLATE "C" NOT NULL,
  user_name  TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (group_name, user_name)
);
CREATE INDEX group_members_by_user ON group_members (user_name);

CREATE TABLE assignments (
  principal_type TEXT COLLATE "C" NOT NULL CHECK (principal_type IN ('user', 'group')),
  principal_name TEXT COLLATE "C" NOT NULL,
  account_id     TEXT COLLATE "C" NOT NULL,
  role_name      TEXT COLLATE "C" NOT NULL,
  created_at     BIGINT NOT NULL,
  PRIMARY KEY (principal_type, principal_name, account_id, role_name)
);
CREATE INDEX assignments_by_role ON assignments (account_id, role_name);

CREATE TABLE credential_records (
  id                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  issued_at         BIGINT NOT NULL,
  user_name         TEXT COLLATE "C" NOT NULL,
  account_id        TEXT COLLATE "C" NOT NULL,
  role_name         TEXT COLLATE "C" NOT NULL,
  access_key_id     TEXT COLLATE "C" NOT NULL,
  expires_at        BIGINT NOT NULL,
  credential_source TEXT COLLATE "C" NOT NULL
);
CREATE INDEX credential_records_by_time ON credential_records (issued_at);
)sql"},
    {5, "state shared by every server process: sessions, rate counters, poll counts, leases",
     R"sql(
CREATE TABLE web_sessions (
  id_hash            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  browser_key        TEXT COLLATE "C" NOT NULL,
  user_name          TEXT COLLATE "C" NOT NULL,
  checked_user_codes TEXT COLLATE "C" NOT NULL,
  created_at         BIGINT NOT NULL,
  last_seen          BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_use
  ON web_sessions ((CASE WHEN user_name <> '' THEN 1 ELSE 0 END), last_seen);

CREATE TABLE rate_counters (
  bucket           TEXT COLLATE "C" NOT NULL,
  key              TEXT COLLATE "C" NOT NULL,
  marks            TEXT COLLATE "C" NOT NULL,
  blocked_until_ms BIGINT NOT NULL,
  expires_at_ms    BIGINT NOT NULL,
  version          BIGINT NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE INDEX rate_counters_by_expiry ON rate_counters (bucket, expires_at_ms);
CREATE INDEX rate_counters_by_global_expiry ON rate_counters (expires_at_ms);

-- How many rows the capped tables hold, kept by triggers as in the SQLite backend, so that
-- checking a cap on insert does not count a whole table: 'web_sessions' and
-- 'rate_counters:' || bucket.
CREATE TABLE row_counts (
  name    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  counted BIGINT NOT NULL
);
INSERT INTO row_counts (name, counted) VALUES ('web_sessions', 0);
CREATE FUNCTION web_sessions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE row_counts SET counted = counted + 1 WHERE name = 'web_sessions';
  ELSE
    UPDATE row_counts SET counted = counted - 1 WHERE name = 'web_sessions';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER web_sessions_counted AFTER INSERT OR DELETE ON web_sessions
  FOR EACH ROW EXECUTE FUNCTION web_sessions_counted();
CREATE FUNCTION rate_counters_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO row_counts (name, counted) VALUES ('rate_counters:' || NEW.bucket, 1)
      ON CONFLICT (name) DO UPDATE SET counted = row_counts.counted + 1;
  ELSE
    UPDATE row_counts SET counted = counted - 1 WHERE name = 'rate_counters:' || OLD.bucket;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER rate_counters_counted AFTER INSERT OR DELETE ON rate_counters
  FOR EACH ROW EXECUTE FUNCTION rate_counters_counted();

CREATE TABLE poll_counts (
  device_code_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  polls            BIGINT NOT NULL,
  first_poll_ms    BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL
);
CREATE INDEX poll_counts_by_expiry ON poll_counts (expires_at);

CREATE TABLE leases (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  holder        TEXT COLLATE "C" NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
)sql"},
    {6, "standard OAuth face: operator clients, nonce of authorization codes, device scopes", R"sql(
ALTER TABLE clients ADD COLUMN origin TEXT COLLATE "C" NOT NULL DEFAULT 'registered'
  CHECK (origin IN ('registered', 'operator'));
CREATE INDEX clients_by_origin ON clients (origin, client_id);
ALTER TABLE authorization_codes ADD COLUMN nonce TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE device_authorizations ADD COLUMN scopes TEXT COLLATE "C" NOT NULL DEFAULT '[]';
)sql"},
    {7, "retry grace shared by every server process", R"sql(
CREATE TABLE retry_grace (
  key_hash      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  sealed        TEXT COLLATE "C" NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX retry_grace_by_expiry ON retry_grace (expires_at_ms);
)sql"},
};

constexpr bool numbered_in_order() {
  int previous = 0;
  for (const auto& migration : kMigrations) {
    if (migration.version <= previous) return false;
    previous = migration.version;
  }
  return true;
}
static_assert(numbered_in_order(), "migration versions must increase");

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// Every pending migration and its schema_migrations row in one transaction: PostgreSQL's DDL is
// transactional, so a failure half way leaves the schema at the version it records.
Result<void> apply_pending(Connection& connection) {
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  if (auto bounded = connection.execute_script("bound the migrations",
                                               std::string(kMigrationStatementTimeout));
      !bounded) {
    return std::unexpected(std::move(bounded.error()));
  }
  if (auto created =
          connection.execute_script("create schema_migrations", std::string(kCreateMigrationsTable));
      !created) {
    return std::unexpected(std::move(created.error()));
  }
  auto rows = connection.execute(Sql::kLatestSchemaVersion, Params{});
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::unexpected(backend_error("read schema version", "no row"));
  const std::int64_t version = rows->integer(0, 0);
  const std::int64_t latest = std::end(kMigrations)[-1].version;
  // Refused, not opened: this build would read and write tables whose meaning it does not know
  // (an older binary started against a database a newer one migrated).
  if (version > latest) {
    return std::unexpected(backend_error(
        "open postgres", "schema version " + std::to_string(version) +
                             " is newer than this build knows (" + std::to_string(latest) + ")"));
  }
  for (const auto& migration : kMigrations) {
    if (migration.version <= version) continue;
    const std::string operation = "migrate to version " + std::to_string(migration.version);
    if (auto ran = connection.execute_script(operation, std::string(migration.sql)); !ran)
      return std::unexpected(std::move(ran.error()));
    Params params;
    params.integer(migration.version).text(migration.description);
    if (auto recorded = connection.execute(Sql::kRecordMigration, params); !recorded)
      return std::unexpected(std::move(recorded.error()));
  }
  return transaction->commit();
}

Result<void> lock_migrations(Connection& connection, const std::string& key) {
  const auto deadline = std::chrono::steady_clock::now() + kMigrationLockWait;
  for (;;) {
    auto locked = connection.execute_script("lock migrations",
                                            "SELECT pg_try_advisory_lock(" + key + ")");
    if (!locked) return std::unexpected(std::move(locked.error()));
    if (locked->size() == 1 && locked->view(0, 0) == "t") return {};
    if (std::chrono::steady_clock::now() >= deadline)
      return std::unexpected(backend_error("lock migrations",
                                           "another process has held the migration lock for 5 minutes"));
    std::this_thread::sleep_for(kMigrationLockRetry);
  }
}

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }

Result<void> migrate(Connection& connection) {
  // Replicas starting at once each migrate. An advisory lock exists before any table does, so it
  // serialises them where a lock on schema_migrations could not (the first replica creates that
  // table, and concurrent CREATE TABLE IF NOT EXISTS can still collide in pg_type with 23505).
  // It is taken before the transaction that reads the version, so that a replica that waited
  // reads what its predecessor committed and applies nothing twice.
  const std::string key(kMigrationLock);
  if (auto locked = lock_migrations(connection, key); !locked) return locked;
  auto applied = apply_pending(connection);
  // On failure the caller closes the connection, which drops the lock too.
  if (!applied) return applied;
  if (auto unlocked = connection.execute_script("unlock migrations",
                                                "SELECT pg_advisory_unlock(" + key + ")");
      !unlocked) {
    return std::unexpected(std::move(unlocked.error()));
  }
  return {};
}

}  // namespace ssooidc::storage::postgres
