#include "storage/sqlite/migrations.h"

#include <string>

#include "storage/backend_error.h"

namespace ssooidc::storage::sqlite {
namespace {

// To change the schema, append one entry; never edit an entry that has been released.
//
// Conventions: secrets are stored hashed (see storage.h); lists are JSON arrays of strings
// (storage/list_codec.h); enums are lower-case words; booleans are 0/1; times are epoch seconds.
// No foreign keys between the four aggregates: the interface does not promise referential checks
// and every backend must behave alike; PRAGMA foreign_keys is on for tables that will want them.
constexpr Migration kMigrations[] = {
    {1, "clients, device authorizations, tokens, users", R"sql(
CREATE TABLE clients (
  client_id     TEXT NOT NULL PRIMARY KEY,
  secret_hash   TEXT NOT NULL,
  client_name   TEXT NOT NULL,
  client_type   TEXT NOT NULL,
  scopes        TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types   TEXT NOT NULL,
  issuer_url    TEXT NOT NULL,
  issued_at     INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE device_authorizations (
  device_code_hash  TEXT NOT NULL PRIMARY KEY,
  user_code         TEXT NOT NULL UNIQUE,
  client_id         TEXT NOT NULL,
  start_url         TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  interval_seconds  INTEGER NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
  user_name         TEXT NOT NULL,
  decided_at        INTEGER NOT NULL,
  requester_address TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX device_authorizations_by_expiry ON device_authorizations (expires_at);

CREATE TABLE tokens (
  token_hash TEXT NOT NULL PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  family_id  TEXT NOT NULL,
  client_id  TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  scopes     TEXT NOT NULL,
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used       INTEGER NOT NULL CHECK (used IN (0, 1)),
  revoked    INTEGER NOT NULL CHECK (revoked IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE users (
  name          TEXT NOT NULL PRIMARY KEY,
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at    INTEGER NOT NULL,
  email         TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    {2, "authorization codes (PKCE) and ID token signing keys", R"sql(
CREATE TABLE authorization_codes (
  code_hash      TEXT NOT NULL PRIMARY KEY,
  client_id      TEXT NOT NULL,
  redirect_uri   TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  scopes         TEXT NOT NULL,
  user_name      TEXT NOT NULL,
  auth_time      INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  used           INTEGER NOT NULL CHECK (used IN (0, 1)),
  family_id      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

CREATE TABLE signing_keys (
  kid           TEXT NOT NULL PRIMARY KEY,
  private_pem   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  retire_after  INTEGER NOT NULL,
  publish_until INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {3, "indexes for purging expired registrations and what hangs off them", R"sql(
CREATE INDEX clients_by_expiry ON clients (expires_at);
CREATE INDEX device_authorizations_by_client ON device_authorizations (client_id);
CREATE INDEX tokens_by_client ON tokens (client_id);
CREATE INDEX authorization_codes_by_client ON authorization_codes (client_id);
)sql"},
    {4, "SSO portal: accounts, roles, groups, assignments, credential records", R"sql(
CREATE TABLE accounts (
  account_id TEXT NOT NULL PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE account_roles (
  account_id               TEXT NOT NULL,
  role_name                TEXT NOT NULL,
  session_duration_seconds INTEGER NOT NULL,
  credential_source        TEXT NOT NULL CHECK (credential_source IN ('minted', 'static', 'command')),
  static_access_key_id     TEXT NOT NULL,
  static_secret_access_key TEXT NOT NULL,
  static_session_token     TEXT NOT NULL,
  command                  TEXT NOT NULL,
  created_at               INTEGER NOT NULL,
  PRIMARY KEY (account_id, role_name)
) WITHOUT ROWID;

CREATE TABLE user_groups (
  name        TEXT NOT NULL PRIMARY KEY,
  description TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE group_members (
  group_name TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  PRIMARY KEY (group_name, user_name)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (user_name);

CREATE TABLE assignments (
  principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'group')),
  principal_name TEXT NOT NULL,
  account_id     TEXT NOT NULL,
  role_name      TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (principal_type, principal_name, account_id, role_name)
) WITHOUT ROWID;
CREATE INDEX assignments_by_role ON assignments (account_id, role_name);

CREATE TABLE credential_records (
  id                INTEGER PRIMARY KEY,
  issued_at         INTEGER NOT NULL,
  user_name         TEXT NOT NULL,
  account_id        TEXT NOT NULL,
  role_name         TEXT NOT NULL,
  access_key_id     TEXT NOT NULL,
  expires_at        INTEGER NOT NULL,
  credential_source TEXT NOT NULL
);
CREATE INDEX credential_records_by_time ON credential_records (issued_at);
)sql"},
    {5, "state shared by every server process: sessions, rate counters, poll counts, leases",
     R"sql(
CREATE TABLE web_sessions (
  id_hash            TEXT NOT NULL PRIMARY KEY,
  browser_key        TEXT NOT NULL,
  user_name          TEXT NOT NULL,
  checked_user_codes TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  last_seen          INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_use ON web_sessions (user_name <> '', last_seen);

CREATE TABLE rate_counters (
  bucket           TEXT NOT NULL,
  key              TEXT NOT NULL,
  marks            TEXT NOT NULL,
  blocked_until_ms INTEGER NOT NULL,
  expires_at_ms    INTEGER NOT NULL,
  version          INTEGER NOT NULL,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX rate_counters_by_expiry ON rate_counters (bucket, expires_at_ms);
CREATE INDEX rate_counters_by_global_expiry ON rate_counters (expires_at_ms);

-- How many rows the capped tables hold, kept by triggers, so that checking a cap on insert does
-- not count a whole table: 'web_sessions' and 'rate_counters:' || bucket.
CREATE TABLE row_counts (
  name    TEXT NOT NULL PRIMARY KEY,
  counted INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO row_counts (name, counted) VALUES ('web_sessions', 0);
CREATE TRIGGER web_sessions_counted_in AFTER INSERT ON web_sessions BEGIN
  UPDATE row_counts SET counted = counted + 1 WHERE name = 'web_sessions';
END;
CREATE TRIGGER web_sessions_counted_out AFTER DELETE ON web_sessions BEGIN
  UPDATE row_counts SET counted = counted - 1 WHERE name = 'web_sessions';
END;
CREATE TRIGGER rate_counters_counted_in AFTER INSERT ON rate_counters BEGIN
  INSERT INTO row_counts (name, counted)
    SELECT 'rate_counters:' || NEW.bucket, 0
    WHERE NOT EXISTS (SELECT 1 FROM row_counts WHERE name = 'rate_counters:' || NEW.bucket);
  UPDATE row_counts SET counted = counted + 1 WHERE name = 'rate_counters:' || NEW.bucket;
END;
CREATE TRIGGER rate_counters_counted_out AFTER DELETE ON rate_counters BEGIN
  UPDATE row_counts SET counted = counted - 1 WHERE name = 'rate_counters:' || OLD.bucket;
END;

CREATE TABLE poll_counts (
  device_code_hash TEXT NOT NULL PRIMARY KEY,
  polls            INTEGER NOT NULL,
  first_poll_ms    INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX poll_counts_by_expiry ON poll_counts (expires_at);

CREATE TABLE leases (
  name          TEXT NOT NULL PRIMARY KEY,
  holder        TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // Versions 5 and 6 were written at the same time in session 4 (helpers `state` and
    // `oauth`); the check below asks only for increasing versions.
    {6, "standard OAuth face: operator clients, nonce of authorization codes, device scopes", R"sql(
ALTER TABLE clients ADD COLUMN origin TEXT NOT NULL DEFAULT 'registered'
  CHECK (origin IN ('registered', 'operator'));
CREATE INDEX clients_by_origin ON clients (origin, client_id);
ALTER TABLE authorization_codes ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE device_authorizations ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
)sql"},
    // Written as 6 beside oauth's 6 in session 4; renumbered 7 when the two met (helper pg).
    {7, "retry grace shared by every server process", R"sql(
CREATE TABLE retry_grace (
  key_hash      TEXT NOT NULL PRIMARY KEY,
  sealed        TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX retry_grace_by_expiry ON retry_grace (expires_at_ms);
)sql"},
    // Issue 15 (10 million pending logins): 489 bytes a row before, since the 64-character hex
    // key of the WITHOUT ROWID table was repeated in each of its three indexes. Now the hash is
    // its 32 bytes (ssooidc_hash_key, which every Connection defines and the statements apply)
    // and the indexes point at a rowid: about 270 bytes a row.
    {8, "device authorizations: hashes as bytes, indexes on a rowid", R"sql(
CREATE TABLE device_authorizations_by_rowid (
  device_code_hash  BLOB NOT NULL UNIQUE,
  user_code         TEXT NOT NULL UNIQUE,
  client_id         TEXT NOT NULL,
  start_url         TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  interval_seconds  INTEGER NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
  user_name         TEXT NOT NULL,
  decided_at        INTEGER NOT NULL,
  requester_address TEXT NOT NULL,
  scopes            TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO device_authorizations_by_rowid (device_code_hash, user_code, client_id, start_url,
    created_at, expires_at, interval_seconds, state, user_name, decided_at, requester_address,
    scopes)
  SELECT ssooidc_hash_key(device_code_hash), user_code, client_id, start_url, created_at,
    expires_at, interval_seconds, state, user_name, decided_at, requester_address, scopes
  FROM device_authorizations ORDER BY expires_at;
DROP TABLE device_authorizations;
ALTER TABLE device_authorizations_by_rowid RENAME TO device_authorizations;
CREATE INDEX device_authorizations_by_expiry ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_by_client ON device_authorizations (client_id);
)sql"},
    // Issue 15 (issuance): an issuance inserts two tokens, and each insert wrote its random
    // 64-character key into the table and again into each of its three indexes, so about eight
    // pages of the WAL were random leaves. Now the hash is its 32 bytes (ssooidc_hash_key, as
    // migration 8) and the indexes point at a rowid: the table grows at its end, the family's two
    // tokens share their index leaf, and the expiry and client indexes mostly append.
    {9, "tokens: hashes as bytes, indexes on a rowid", R"sql(
CREATE TABLE tokens_by_rowid (
  token_hash BLOB NOT NULL UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  family_id  TEXT NOT NULL,
  client_id  TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  scopes     TEXT NOT NULL,
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used       INTEGER NOT NULL CHECK (used IN (0, 1)),
  revoked    INTEGER NOT NULL CHECK (revoked IN (0, 1))
);
INSERT INTO tokens_by_rowid (token_hash, kind, family_id, client_id, user_name, scopes,
    issued_at, expires_at, used, revoked)
  SELECT ssooidc_hash_key(token_hash), kind, family_id, client_id, user_name, scopes, issued_at,
    expires_at, used, revoked
  FROM tokens ORDER BY issued_at;
DROP TABLE tokens;
ALTER TABLE tokens_by_rowid RENAME TO tokens;
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
CREATE INDEX tokens_by_client ON tokens (client_id);
)sql"},
    // Issue 15 (issuance): every issuance stores its retry-grace entry (a sealed response of
    // about 1.5 KB) and deletes the entries that expired, which in a table keyed by a random
    // hash were two more random leaves of the table and two of its expiry index. In a rowid
    // table the entries are stored in the order they are made, which is the order they expire
    // in, so the insert appends at the end and the purge takes from the front; only the index
    // on the hash (32 bytes, ssooidc_hash_key) is random.
    {10, "retry grace: hashes as bytes, entries in a rowid table", R"sql(
CREATE TABLE retry_grace_by_rowid (
  key_hash      BLOB NOT NULL UNIQUE,
  sealed        TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
INSERT INTO retry_grace_by_rowid (key_hash, sealed, expires_at_ms)
  SELECT ssooidc_hash_key(key_hash), sealed, expires_at_ms FROM retry_grace
  ORDER BY expires_at_ms;
DROP TABLE retry_grace;
ALTER TABLE retry_grace_by_rowid RENAME TO retry_grace;
CREATE INDEX retry_grace_by_expiry ON retry_grace (expires_at_ms);
)sql"},
    // Issue 15 (10 million pending logins): the poll's pending index (domain/pending_index.h)
    // keeps what a poll needs of every pending row in memory and must learn of each pending row
    // that stops being pending, whichever process changes it (the device page, the operator's
    // `ssooidc-server device approve`, another replica). A trigger records it, in the writer's
    // own transaction, so that no writer can forget: any change of a pending row, and the
    // deletion of one that had not expired five minutes before (clock skew between replicas).
    // The purge's deletions of long-expired rows are not recorded (the index never answers for
    // an expired row), so the hourly purge of a million rows writes no more than before. Inserts
    // are not recorded either: a row the index does not hold is read from the table. The newest
    // rows are kept (the purge trims the rest, statements.cc), AUTOINCREMENT so that numbers
    // are never reused and a reader can tell that rows it had not read were trimmed.
    {11, "device authorizations: log of pending rows decided or removed", R"sql(
CREATE TABLE device_authorization_changes (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  device_code_hash BLOB NOT NULL
);
CREATE TRIGGER device_authorization_changed AFTER UPDATE ON device_authorizations
  WHEN old.state = 'pending'
BEGIN
  INSERT INTO device_authorization_changes (device_code_hash) VALUES (old.device_code_hash);
END;
CREATE TRIGGER device_authorization_removed AFTER DELETE ON device_authorizations
  WHEN old.state = 'pending' AND old.expires_at > CAST(strftime('%s', 'now') AS INTEGER) - 300
BEGIN
  INSERT INTO device_authorization_changes (device_code_hash) VALUES (old.device_code_hash);
END;
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
    " version INTEGER NOT NULL PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL)";

Result<std::int64_t> recorded_version(Connection& connection) {
  auto statement = connection.statement(Sql::kLatestSchemaVersion);
  if (!statement) return std::unexpected(std::move(statement.error()));
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::unexpected(statement->error("no row"));
  return statement->column_int(0);
}

Result<void> apply(Connection& connection, const Migration& migration) {
  const std::string operation = "migrate " + std::string(connection.path()) + " to version " +
                                std::to_string(migration.version);
  if (auto ran = connection.execute_script(operation, std::string(migration.sql)); !ran) {
    return ran;
  }
  auto statement = connection.statement(Sql::kRecordMigration);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_int(1, migration.version).bind_text(2, migration.description);
  return statement->run();
}

}  // namespace

std::span<const Migration> migrations() noexcept { return kMigrations; }

Result<void> migrate(Connection& connection) {
  // BEGIN IMMEDIATE takes the file's write lock before the version is read: of two processes
  // opening a new file at once, the second waits (busy timeout) and then reads the version the
  // first committed, so each migration runs once. SQLite's DDL is transactional, so a failure
  // half way leaves the file at the version it records.
  auto transaction = WriteTransaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  if (auto created = connection.execute_script("create schema_migrations",
                                               std::string(kCreateMigrationsTable));
      !created) {
    return created;
  }
  auto version = recorded_version(connection);
  if (!version) return std::unexpected(std::move(version.error()));
  const std::int64_t latest = std::end(kMigrations)[-1].version;
  // Refused, not opened: this build would read and write tables whose meaning it does not know
  // (an older binary started on a file a newer one migrated).
  if (*version > latest) {
    return std::unexpected(backend_error("open sqlite:" + std::string(connection.path()),
                                         "schema version " + std::to_string(*version) +
                                             " is newer than this build knows (" +
                                             std::to_string(latest) + ")"));
  }
  for (const auto& migration : kMigrations) {
    if (migration.version <= *version) continue;
    if (auto applied = apply(connection, migration); !applied) return applied;
  }
  return transaction->commit();
}

}  // namespace ssooidc::storage::sqlite
