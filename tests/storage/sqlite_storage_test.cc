// What only the SQLite backend has: URLs and files, the schema's migrations, faults inside its
// transactions, and durability across kill -9. The storage contract itself is checked by
// storage_conformance_test.cc.
#include "storage/sqlite/sqlite_storage.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/migrations.h"
#include "storage/storage.h"
#include "storage_test_support.h"

namespace ssooidc::storage {
namespace {

using test_support::describe;
using test_support::must;
using test_support::TempDir;

constexpr std::int64_t kNow = 1'700'000'000;

// Direct access to the file, behind the backend's back.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;
  ~RawDatabase() { sqlite3_close_v2(db_); }

  void execute(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message != nullptr ? message : "?");
    }
    sqlite3_free(message);
  }

  // Defines ssooidc_hash_key as the identity, so that a migration naming it can be run here.
  void define_hash_key_stand_in() {
    const auto identity = [](sqlite3_context* context, int, sqlite3_value** arguments) {
      sqlite3_result_value(context, arguments[0]);
    };
    if (sqlite3_create_function_v2(db_, "ssooidc_hash_key", 1, SQLITE_UTF8, nullptr, identity,
                                   nullptr, nullptr, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot define ssooidc_hash_key: " << sqlite3_errmsg(db_);
    }
  }

  // Column `column` of the first row of `sql`.
  std::string query_text(const char* sql, int column = 0) {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(statement, column);
      value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

TokenRecord make_token(std::string hash, TokenKind kind) {
  TokenRecord token;
  token.token_hash = std::move(hash);
  token.kind = kind;
  token.family_id = "family-1";
  token.client_id = "client-1";
  token.user_name = "alice";
  token.scopes = {"sso:account:access"};
  token.issued_at = kNow;
  token.expires_at = kNow + 3600;
  return token;
}

DeviceAuthorizationRecord make_authorization(std::string hash, std::string user_code) {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = std::move(hash);
  authorization.user_code = std::move(user_code);
  authorization.client_id = "client-1";
  authorization.created_at = kNow;
  authorization.expires_at = kNow + 600;
  return authorization;
}

UserRecord make_user(std::string name) {
  UserRecord user;
  user.name = std::move(name);
  user.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  user.created_at = kNow;
  return user;
}

template <typename T>
void expect_internal_error(const Result<T>& result, std::string_view mentions) {
  ASSERT_FALSE(result.has_value()) << "expected an error mentioning " << mentions;
  EXPECT_EQ(result.error().type, ErrorType::kInternalServer);
  EXPECT_NE(result.error().error_description.find(mentions), std::string::npos)
      << result.error().error_description;
}

// ---- URLs and files -----------------------------------------------------------------------------

TEST(OpenStorageTest, OpensMemory) {
  auto storage = must(open_storage("memory:"));
  EXPECT_TRUE(must(storage->users().insert(make_user("alice"))));
  // Every memory: storage is a new one.
  EXPECT_EQ(must(must(open_storage("memory:"))->users().count()), 0);
}

TEST(OpenStorageTest, OpensSqliteByAbsolutePathInBothSpellings) {
  TempDir dir;
  const auto file = dir.path() / "a" / "b" / "ssooidc.db";
  {
    auto storage = must(open_storage("sqlite:" + file.string()));
    EXPECT_TRUE(must(storage->users().insert(make_user("alice"))));
  }
  EXPECT_TRUE(std::filesystem::exists(file));
  // sqlite:///abs/path names the same file.
  auto storage = must(open_storage("sqlite://" + file.string()));
  EXPECT_EQ(must(storage->users().count()), 1);
}

TEST(OpenStorageTest, OpensSqliteByRelativePathInBothSpellings) {
  TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto first = open_storage("sqlite:one/ssooidc.db");
  auto second = open_storage("sqlite://two/ssooidc.db");
  auto third = open_storage("sqlite:plain.db");
  std::filesystem::current_path(previous);
  EXPECT_TRUE(first.has_value()) << describe(first);
  EXPECT_TRUE(second.has_value()) << describe(second);
  EXPECT_TRUE(third.has_value()) << describe(third);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "one" / "ssooidc.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "two" / "ssooidc.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "plain.db"));
}

#if SSOOIDC_TEST_POSTGRES
// Both schemes reach the PostgreSQL backend (postgres_storage_test.cc has the rest); nothing
// listens on port 1, and the error names the server but not the password.
TEST(OpenStorageTest, PostgresUrlsReachTheBackendWithoutEchoingThePassword) {
  for (const char* url : {"postgres://ssooidc:hunter2@127.0.0.1:1/ssooidc",
                          "postgresql://ssooidc:hunter2@127.0.0.1:1/ssooidc"}) {
    const auto opened = open_storage(url);
    expect_internal_error(opened, "cannot connect to PostgreSQL");
    expect_internal_error(opened, "database ssooidc on 127.0.0.1:1 as ssooidc");
    EXPECT_EQ(opened.error().error_description.find("hunter2"), std::string::npos);
  }
}
#else
// A build without the PostgreSQL backend (SSOOIDC_STORAGE_POSTGRES=OFF) says so for both schemes,
// without echoing the URL.
TEST(OpenStorageTest, PostgresUrlsSayTheBackendIsNotBuilt) {
  for (const char* url : {"postgres://ssooidc:hunter2@127.0.0.1:1/ssooidc",
                          "postgresql://ssooidc:hunter2@127.0.0.1:1/ssooidc"}) {
    const auto opened = open_storage(url);
    expect_internal_error(opened, "the PostgreSQL backend is not built");
    EXPECT_EQ(opened.error().error_description.find("hunter2"), std::string::npos);
  }
}
#endif

TEST(OpenStorageTest, RejectsUnknownSchemesWithoutEchoingTheUrl) {
  const auto unknown = open_storage("mysql://root:hunter2@db.example/ssooidc");
  expect_internal_error(unknown, "'mysql'");
  EXPECT_EQ(unknown.error().error_description.find("hunter2"), std::string::npos);
  expect_internal_error(open_storage("hunter2"), "no scheme");
  EXPECT_EQ(open_storage("hunter2").error().error_description.find("hunter2"), std::string::npos);
  expect_internal_error(open_storage(""), "no scheme");
  expect_internal_error(open_storage("memory:extra"), "'memory'");
}

TEST(OpenStorageTest, RejectsUnusableSqlitePaths) {
  expect_internal_error(open_storage("sqlite:"), "empty");
  expect_internal_error(open_storage("sqlite://"), "empty");
  expect_internal_error(open_storage("sqlite::memory:"), "use memory:");
  TempDir dir;
  // A directory where the file should be.
  std::filesystem::create_directories(dir.path() / "is-a-directory");
  expect_internal_error(open_storage("sqlite:" + (dir.path() / "is-a-directory").string()),
                        "is-a-directory");
  // A file where a parent directory should be.
  { auto file = must(open_storage("sqlite:" + (dir.path() / "file").string())); }
  expect_internal_error(open_storage("sqlite:" + (dir.path() / "file" / "x.db").string()),
                        "cannot create");
}

// ---- schema -------------------------------------------------------------------------------------

TEST(SqliteSchemaTest, MigrationsApplyOnceAndAreRecorded) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  for (int i = 0; i < 3; ++i) must(open_storage("sqlite:" + file.string()));
  RawDatabase raw(file);
  EXPECT_EQ(raw.query_text("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqlite::migrations().size()));
  EXPECT_EQ(raw.query_text("SELECT max(version) FROM schema_migrations"),
            std::to_string(sqlite::migrations().back().version));
  EXPECT_EQ(raw.query_text("SELECT description FROM schema_migrations WHERE version = 1"),
            sqlite::migrations()[0].description);
}

// Issue 11 item 9: an existing database left world-readable (0644), with its -wal and -shm, is
// made owner-only when opened.
TEST(SqliteFilesTest, LooseFilePermissionsAreTightenedAtOpen) {
  TempDir dir;
  const auto path = dir.path() / "loose.db";
  {
    auto storage = must(open_storage("sqlite:" + path.string()));
    must(storage->users().insert(UserRecord{"alice", "hash", false, kNow, ""}));
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  for (const char* suffix : {"-wal", "-shm"}) {
    const auto side = path.string() + suffix;
    if (!std::filesystem::exists(side)) {  // closed cleanly: SQLite removed them; leave stale ones
      std::FILE* f = std::fopen(side.c_str(), "w");
      ASSERT_NE(f, nullptr);
      std::fclose(f);
    }
    std::filesystem::permissions(side, std::filesystem::perms(0644));
  }
  auto storage = must(open_storage("sqlite:" + path.string()));
  EXPECT_TRUE(must(storage->users().find("alice")).has_value());
  for (const std::string& file : {path.string(), path.string() + "-wal", path.string() + "-shm"}) {
    const auto perms = std::filesystem::status(file).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none)
        << file;
  }
}

TEST(SqliteSchemaTest, FileIsInWalMode) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  must(open_storage("sqlite:" + file.string()));
  RawDatabase raw(file);
  EXPECT_EQ(raw.query_text("PRAGMA journal_mode"), "wal");
}

TEST(SqliteSchemaTest, RefusesAFileFromANewerBuild) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  must(open_storage("sqlite:" + file.string()));
  {
    RawDatabase raw(file);
    raw.execute("INSERT INTO schema_migrations VALUES (1000, 'from the future', 0)");
  }
  expect_internal_error(open_storage("sqlite:" + file.string()), "newer than this build");
}

// Issue 15: version 8 keeps device code hashes as their 32 bytes in a rowid table. A file the
// server wrote at version 7, with rows, is converted in place when opened, and its codes work.
TEST(SqliteSchemaTest, MigratesDeviceAuthorizationsOfAVersion7FileInPlace) {
  TempDir dir;
  const auto file = dir.path() / "version7.db";
  // SHA-256 in hex, as the server stores device codes; and a key that is not (as the conformance
  // suite's "hash-1"), which stays text.
  const std::string pending = "5b1c3f0e8a61d2b4c97e0f3a6d85b2c14e7a9f0d3b6c8e1a2f4d7b9c0e3a5f61";
  const std::string approved = "0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d";
  {
    std::FILE* empty = std::fopen(file.c_str(), "w");  // an empty file is a new database
    ASSERT_NE(empty, nullptr);
    std::fclose(empty);
    RawDatabase raw(file);
    raw.execute("PRAGMA journal_mode = WAL; CREATE TABLE schema_migrations (version INTEGER NOT "
                "NULL PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const auto& migration : sqlite::migrations()) {
      if (migration.version > 7) break;
      raw.execute(std::string(migration.sql).c_str());
      raw.execute(("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) +
                   ", 'old', 0)")
                      .c_str());
    }
    const std::string insert =
        "INSERT INTO device_authorizations (device_code_hash, user_code, client_id, start_url, "
        "created_at, expires_at, interval_seconds, state, user_name, decided_at, "
        "requester_address, scopes) VALUES ";
    raw.execute((insert + "('" + pending + "', 'PENDINGA', 'client-1', 'https://start', " +
                 std::to_string(kNow) + ", " + std::to_string(kNow + 600) +
                 ", 5, 'pending', '', 0, '192.0.2.1', '[\"sso:account:access\"]'), ('" + approved +
                 "', 'APPROVED', 'client-1', 'https://start', " + std::to_string(kNow) + ", " +
                 std::to_string(kNow + 600) + ", 5, 'approved', 'alice', " +
                 std::to_string(kNow + 5) + ", '192.0.2.1', '[]'), ('hash-legacy', 'LEGACYAA', " +
                 "'client-1', 'https://start', " + std::to_string(kNow) + ", " +
                 std::to_string(kNow + 600) + ", 5, 'pending', '', 0, '192.0.2.1', '[]')")
                    .c_str());
  }
  auto storage = must(open_storage("sqlite:" + file.string()));
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT max(version) FROM schema_migrations"),
              std::to_string(sqlite::migrations().back().version));
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM device_authorizations"), "3");
    // Stored as bytes: no hex text of the hash is left in the file's rows.
    EXPECT_EQ(raw.query_text(("SELECT typeof(device_code_hash) || length(device_code_hash) FROM "
                              "device_authorizations WHERE user_code = 'PENDINGA'")),
              "blob32");
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM device_authorizations WHERE "
                             "typeof(device_code_hash) = 'text'"),
              "1");
    EXPECT_EQ(raw.query_text("SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                             "WHERE tbl_name = 'device_authorizations' AND type = 'index' AND "
                             "sql IS NOT NULL ORDER BY name)"),
              "device_authorizations_by_client device_authorizations_by_expiry");
  }
  auto& devices = storage->device_authorizations();
  const auto found = must(devices.find_by_device_code_hash(pending));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->device_code_hash, pending);
  EXPECT_EQ(found->user_code, "PENDINGA");
  EXPECT_EQ(found->client_id, "client-1");
  EXPECT_EQ(found->start_url, "https://start");
  EXPECT_EQ(found->expires_at, kNow + 600);
  EXPECT_EQ(found->interval, 5);
  EXPECT_EQ(found->state, DeviceState::kPending);
  EXPECT_EQ(found->requester_address, "192.0.2.1");
  EXPECT_EQ(found->scopes, std::vector<std::string>{"sso:account:access"});
  const auto by_user_code = must(devices.find_by_user_code("PENDINGA"));
  ASSERT_TRUE(by_user_code.has_value());
  EXPECT_EQ(by_user_code->device_code_hash, pending);
  // The pending one can be approved and redeemed, the approved one redeemed, the other key found.
  ASSERT_TRUE(must(devices.decide("PENDINGA", true, "bob", kNow + 10)).has_value());
  EXPECT_TRUE(must(devices.redeem(pending, "client-1", kNow + 11,
                                  {make_token("token-p", TokenKind::kAccess)})));
  EXPECT_TRUE(must(devices.redeem(approved, "client-1", kNow + 11,
                                  {make_token("token-a", TokenKind::kAccess)})));
  EXPECT_FALSE(must(devices.redeem(approved, "client-1", kNow + 12, {})));
  EXPECT_EQ(must(devices.find_by_device_code_hash(approved))->state, DeviceState::kRedeemed);
  EXPECT_EQ(must(devices.find_by_device_code_hash("hash-legacy"))->user_code, "LEGACYAA");
  // Upper-case hex is another key (stored as text), not the same hash.
  std::string upper = pending;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(must(devices.find_by_device_code_hash(upper)).has_value());
  // What the server inserts now is stored as bytes too, and found by its hex.
  const std::string inserted = "aa" + pending.substr(2);
  ASSERT_TRUE(must(devices.insert(make_authorization(inserted, "INSERTED"))));
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT typeof(device_code_hash) || length(device_code_hash) FROM "
                             "device_authorizations WHERE user_code = 'INSERTED'"),
              "blob32");
  }
  EXPECT_EQ(must(devices.find_by_device_code_hash(inserted))->user_code, "INSERTED");
  EXPECT_EQ(must(devices.find_by_user_code("INSERTED"))->device_code_hash, inserted);
  // Issue 15: an ordered secret's key (crypto::secret_hash: six bytes of time, then the SHA-256)
  // is stored as its 38 bytes, sorted by its time, and read back as the same hex.
  const std::string ordered = "019ae0510f7b" + pending;
  ASSERT_TRUE(must(devices.insert(make_authorization(ordered, "ORDERED1"))));
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT typeof(device_code_hash) || length(device_code_hash) || "
                             "substr(hex(device_code_hash), 1, 12) FROM device_authorizations "
                             "WHERE user_code = 'ORDERED1'"),
              "blob38019AE0510F7B");
  }
  EXPECT_EQ(must(devices.find_by_device_code_hash(ordered))->user_code, "ORDERED1");
  EXPECT_EQ(must(devices.find_by_user_code("ORDERED1"))->device_code_hash, ordered);
  EXPECT_EQ(must(devices.purge_expired(kNow + 601)), 5);
  EXPECT_FALSE(must(devices.find_by_device_code_hash(pending)).has_value());
}

// Issue 15: versions 9 and 10 keep token and retry-grace key hashes as their 32 bytes in rowid
// tables. A file the server wrote at version 8, with tokens and retry-grace entries, is converted
// in place when opened, and what it held works.
TEST(SqliteSchemaTest, MigratesTokensAndRetryGraceOfAVersion8FileInPlace) {
  TempDir dir;
  const auto file = dir.path() / "version8.db";
  const std::string refresh = "5b1c3f0e8a61d2b4c97e0f3a6d85b2c14e7a9f0d3b6c8e1a2f4d7b9c0e3a5f61";
  const std::string access = "0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d";
  {
    std::FILE* empty = std::fopen(file.c_str(), "w");  // an empty file is a new database
    ASSERT_NE(empty, nullptr);
    std::fclose(empty);
    RawDatabase raw(file);
    raw.execute("PRAGMA journal_mode = WAL; CREATE TABLE schema_migrations (version INTEGER NOT "
                "NULL PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const auto& migration : sqlite::migrations()) {
      if (migration.version > 8) break;
      // Migration 8 names ssooidc_hash_key, which only the server's connections define; its
      // table is empty here, so the stand-in is never called.
      if (migration.version == 8) raw.define_hash_key_stand_in();
      raw.execute(std::string(migration.sql).c_str());
      raw.execute(("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) +
                   ", 'old', 0)")
                      .c_str());
    }
    const std::string insert =
        "INSERT INTO tokens (token_hash, kind, family_id, client_id, user_name, scopes, "
        "issued_at, expires_at, used, revoked) VALUES ";
    const std::string times = std::to_string(kNow) + ", " + std::to_string(kNow + 3600);
    raw.execute((insert + "('" + refresh + "', 'refresh', 'family-1', 'client-1', 'alice', " +
                 "'[\"sso:account:access\"]', " + times + ", 0, 0), ('" + access +
                 "', 'access', 'family-1', 'client-1', 'alice', '[]', " + times +
                 ", 0, 0), ('hash-legacy', 'access', 'family-2', 'client-1', 'bob', '[]', " +
                 times + ", 1, 0)")
                    .c_str());
    raw.execute(("INSERT INTO retry_grace (key_hash, sealed, expires_at_ms) VALUES ('" + refresh +
                 "', 'sealed-hex', " + std::to_string(kNow * 1000 + 5000) +
                 "), ('grace-legacy', 'sealed-text', " + std::to_string(kNow * 1000 + 5000) + ")")
                    .c_str());
  }
  auto storage = must(open_storage("sqlite:" + file.string()));
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT max(version) FROM schema_migrations"),
              std::to_string(sqlite::migrations().back().version));
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM tokens"), "3");
    EXPECT_EQ(raw.query_text("SELECT typeof(token_hash) || length(token_hash) FROM tokens WHERE "
                             "kind = 'refresh'"),
              "blob32");
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM tokens WHERE typeof(token_hash) = 'text'"),
              "1");
    EXPECT_EQ(raw.query_text("SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                             "WHERE tbl_name = 'tokens' AND type = 'index' AND sql IS NOT NULL "
                             "ORDER BY name)"),
              "tokens_by_client tokens_by_expiry tokens_by_family");
    EXPECT_EQ(raw.query_text("SELECT group_concat(typeof(key_hash) || length(key_hash), ' ') FROM "
                             "(SELECT key_hash FROM retry_grace ORDER BY sealed)"),
              "blob32 text12");
    EXPECT_EQ(raw.query_text("SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema "
                             "WHERE tbl_name = 'retry_grace' AND type = 'index' AND sql IS NOT "
                             "NULL ORDER BY name)"),
              "retry_grace_by_expiry");
  }
  // The retry-grace entries are found by their keys, replaced by a put, and purged.
  auto& grace = storage->retry_grace();
  const std::int64_t now_ms = kNow * 1000;
  EXPECT_EQ(must(grace.find(refresh, now_ms)), "sealed-hex");
  EXPECT_EQ(must(grace.find("grace-legacy", now_ms)), "sealed-text");
  must(grace.put(refresh, "sealed-again", now_ms, now_ms + 9000));
  EXPECT_EQ(must(grace.find(refresh, now_ms + 6000)), "sealed-again");
  EXPECT_FALSE(must(grace.find("grace-legacy", now_ms + 6000)).has_value());
  EXPECT_EQ(must(grace.purge_expired(now_ms + 6000)), 1);
  EXPECT_EQ(must(grace.find(refresh, now_ms + 6000)), "sealed-again");
  auto& tokens = storage->tokens();
  const auto found = must(tokens.find(refresh));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->token_hash, refresh);
  EXPECT_EQ(found->kind, TokenKind::kRefresh);
  EXPECT_EQ(found->family_id, "family-1");
  EXPECT_EQ(found->client_id, "client-1");
  EXPECT_EQ(found->user_name, "alice");
  EXPECT_EQ(found->scopes, std::vector<std::string>{"sso:account:access"});
  EXPECT_EQ(found->issued_at, kNow);
  EXPECT_EQ(found->expires_at, kNow + 3600);
  EXPECT_FALSE(found->used);
  EXPECT_EQ(must(tokens.find(access))->kind, TokenKind::kAccess);
  EXPECT_TRUE(must(tokens.find("hash-legacy"))->used);
  // Upper-case hex is another key (stored as text), not the same hash.
  std::string upper = refresh;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(must(tokens.find(upper)).has_value());
  // The migrated refresh token rotates once; what replaces it is stored as bytes and found.
  const std::string successor = "aa" + refresh.substr(2);
  EXPECT_TRUE(must(tokens.rotate(refresh, {make_token(successor, TokenKind::kRefresh)}, nullptr)));
  EXPECT_FALSE(must(tokens.rotate(refresh, {make_token("bb" + refresh.substr(2),
                                                       TokenKind::kRefresh)},
                                  nullptr)));
  EXPECT_TRUE(must(tokens.find(refresh))->used);
  {
    RawDatabase raw(file);
    const std::string stored = "SELECT typeof(token_hash) || length(token_hash) FROM tokens "
                               "WHERE token_hash = x'" + successor + "'";
    EXPECT_EQ(raw.query_text(stored.c_str()), "blob32");
  }
  EXPECT_EQ(must(tokens.find(successor))->token_hash, successor);
  // A second insert of a migrated hash is refused as a duplicate, as before.
  const auto again = tokens.insert({make_token(access, TokenKind::kAccess)});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(storage_error_code(again.error()), StorageErrorCode::kAlreadyExists);
  EXPECT_EQ(must(tokens.revoke_family("family-1")), 3);
  EXPECT_EQ(must(tokens.purge_expired(kNow + 3601)), 4);
  EXPECT_FALSE(must(tokens.find(access)).has_value());
}

// Issue 15: a put takes over the row of the oldest expired entry instead of deleting it and
// inserting anew, so that the table does not free pages that the next inserts take back (an
// issuance was about 5 % dearer with that churn, session 14), and stays at about the size of
// what one window holds.
TEST(SqliteRetryGraceTest, APutTakesTheRowOfAnExpiredEntryInsteadOfGrowingTheTable) {
  TempDir dir;
  const auto file = dir.path() / "grace.db";
  auto storage = must(open_storage("sqlite:" + file.string()));
  auto& grace = storage->retry_grace();
  const std::int64_t now_ms = kNow * 1000;
  for (int i = 0; i < 50; ++i) {
    must(grace.put("old-" + std::to_string(i), "sealed-old", now_ms, now_ms + 1000));
  }
  // Unexpired throughout, and last: a delete-then-insert would number the new rows after it.
  must(grace.put("kept", "sealed-kept", now_ms, now_ms + 9000));
  for (int i = 0; i < 50; ++i) {
    must(grace.put("new-" + std::to_string(i), "sealed-new-" + std::to_string(i), now_ms + 1000,
                   now_ms + 2000));
  }
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT count(*) || ' ' || max(rowid) FROM retry_grace"), "51 51");
  }
  EXPECT_EQ(must(grace.find("new-7", now_ms + 1500)), "sealed-new-7");
  EXPECT_FALSE(must(grace.find("old-7", now_ms + 500)).has_value());
  // With no expired entry to take, a put of a new key inserts, and one of a known key replaces.
  must(grace.put("new-7", "sealed-again", now_ms + 1500, now_ms + 2500));
  must(grace.put("later", "sealed-later", now_ms + 1500, now_ms + 3000));
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM retry_grace"), "52");
  }
  EXPECT_EQ(must(grace.find("new-7", now_ms + 2200)), "sealed-again");
  // A known key put while another entry has expired: that row takes the key, and the key's
  // former row goes (UPDATE OR REPLACE), so each key is stored once.
  must(grace.put("later", "sealed-latest", now_ms + 2000, now_ms + 4000));
  EXPECT_EQ(must(grace.find("later", now_ms + 3500)), "sealed-latest");
  {
    RawDatabase raw(file);
    EXPECT_EQ(raw.query_text("SELECT count(*) FROM retry_grace"), "51");
  }
  EXPECT_EQ(must(grace.purge_expired(now_ms + 2500)), 49);
  EXPECT_EQ(must(grace.purge_expired(now_ms + 4000)), 1);
  EXPECT_EQ(must(grace.find("kept", now_ms + 4000)), "sealed-kept");
}

TEST(SqliteSchemaTest, ReportsARowItCannotDecode) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  auto storage = must(open_storage("sqlite:" + file.string()));
  ClientRecord client;
  client.client_id = "client-1";
  must(storage->clients().insert(client));
  must(storage->tokens().insert({make_token("token-1", TokenKind::kAccess)}));
  {
    RawDatabase raw(file);
    raw.execute("UPDATE clients SET scopes = 'a,b'");
    raw.execute("PRAGMA ignore_check_constraints = ON; UPDATE tokens SET kind = 'bogus'");
  }
  expect_internal_error(storage->clients().find("client-1"), "find client");
  expect_internal_error(storage->tokens().find("token-1"), "unknown token kind");
}

// ---- faults inside transactions -----------------------------------------------------------------

class SqliteFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.faults = faults_;
    auto opened = open_sqlite_storage((dir_.path() / "ssooidc.db").string(), options);
    ASSERT_TRUE(opened.has_value()) << describe(opened);
    storage_ = std::move(*opened);
  }

  bool token_exists(const char* hash) { return must(storage_->tokens().find(hash)).has_value(); }

  // Counts the statement executions of `operation` when nothing fails.
  template <typename Operation>
  std::int64_t executions_of(Operation operation) {
    faults_->arm(0);
    operation();
    return faults_->executions();
  }

  TempDir dir_;
  std::shared_ptr<SqliteFaultInjector> faults_ = std::make_shared<SqliteFaultInjector>();
  std::unique_ptr<Storage> storage_;
};

TEST_F(SqliteFaultTest, RedeemFailingAtAnyStatementChangesNothing) {
  auto& devices = storage_->device_authorizations();
  for (const char* code : {"AAAAAAAA", "BBBBBBBB"}) {
    ASSERT_TRUE(must(devices.insert(make_authorization(std::string("hash-") + code, code))));
    ASSERT_TRUE(must(devices.decide(code, true, "alice", kNow + 10)));
  }
  // BEGIN, SAVEPOINT, UPDATE, two INSERTs, RELEASE, COMMIT (the group commit, group_commit.h).
  const auto executions = executions_of([&] {
    must(devices.redeem("hash-BBBBBBBB", "client-1", kNow + 20,
                        {make_token("b-access", TokenKind::kAccess),
                         make_token("b-refresh", TokenKind::kRefresh)}));
  });
  ASSERT_EQ(executions, 7);
  const std::vector<TokenRecord> tokens = {make_token("access", TokenKind::kAccess),
                                           make_token("refresh", TokenKind::kRefresh)};
  for (const bool sticky : {false, true}) {
    for (std::int64_t n = 1; n <= executions; ++n) {
      SCOPED_TRACE(::testing::Message() << "statement " << n << (sticky ? ", sticky" : ""));
      faults_->arm(n, sticky);  // sticky: the ROLLBACK fails too
      expect_internal_error(devices.redeem("hash-AAAAAAAA", "client-1", kNow + 20, tokens),
                            "injected fault");
      faults_->disarm();
      EXPECT_EQ(must(devices.find_by_user_code("AAAAAAAA"))->state, DeviceState::kApproved);
      EXPECT_FALSE(token_exists("access"));
      EXPECT_FALSE(token_exists("refresh"));
    }
  }
  faults_->disarm();
  EXPECT_TRUE(must(devices.redeem("hash-AAAAAAAA", "client-1", kNow + 20, tokens)));
  EXPECT_TRUE(token_exists("access"));
  EXPECT_TRUE(token_exists("refresh"));
}

TEST_F(SqliteFaultTest, RotateFailingAtAnyStatementChangesNothing) {
  auto& tokens = storage_->tokens();
  must(tokens.insert(
      {make_token("old", TokenKind::kRefresh), make_token("b", TokenKind::kRefresh)}));
  const auto executions = executions_of([&] {
    must(tokens.rotate("b", {make_token("b-access", TokenKind::kAccess),
                             make_token("b-refresh", TokenKind::kRefresh)}));
  });
  ASSERT_EQ(executions, 7);  // BEGIN, SAVEPOINT, UPDATE, two INSERTs, RELEASE, COMMIT
  const std::vector<TokenRecord> replacements = {make_token("new-access", TokenKind::kAccess),
                                                 make_token("new-refresh", TokenKind::kRefresh)};
  for (const bool sticky : {false, true}) {
    for (std::int64_t n = 1; n <= executions; ++n) {
      SCOPED_TRACE(::testing::Message() << "statement " << n << (sticky ? ", sticky" : ""));
      faults_->arm(n, sticky);
      expect_internal_error(tokens.rotate("old", replacements), "injected fault");
      faults_->disarm();
      EXPECT_FALSE(must(tokens.find("old"))->used);
      EXPECT_FALSE(token_exists("new-access"));
      EXPECT_FALSE(token_exists("new-refresh"));
    }
  }
  EXPECT_TRUE(must(tokens.rotate("old", replacements)));
  EXPECT_TRUE(must(tokens.find("old"))->used);
  EXPECT_TRUE(token_exists("new-access"));
  EXPECT_TRUE(token_exists("new-refresh"));
}

TEST_F(SqliteFaultTest, TokenBatchFailingAtAnyStatementInsertsNone) {
  auto& tokens = storage_->tokens();
  const std::vector<TokenRecord> batch = {make_token("one", TokenKind::kAccess),
                                          make_token("two", TokenKind::kRefresh),
                                          make_token("three", TokenKind::kRefresh)};
  for (std::int64_t n = 1; n <= 7; ++n) {  // BEGIN, SAVEPOINT, three INSERTs, RELEASE, COMMIT
    SCOPED_TRACE(n);
    faults_->arm(n, /*sticky=*/true);
    expect_internal_error(tokens.insert(batch), "injected fault");
    faults_->disarm();
    for (const auto& token : batch) EXPECT_FALSE(token_exists(token.token_hash.c_str()));
  }
  must(tokens.insert(batch));
  for (const auto& token : batch) EXPECT_TRUE(token_exists(token.token_hash.c_str()));
}

// ---- group commit (issue 15) --------------------------------------------------------------------

// Pages in the WAL of `file` (what a PASSIVE checkpoint found there), read from outside.
// -1 means another checkpoint held the lock (the writer's own, just then), so it asks again.
int wal_pages(const std::filesystem::path& file) {
  RawDatabase raw(file);
  for (;;) {
    const std::string pages = raw.query_text("PRAGMA wal_checkpoint(PASSIVE)", 1);  // busy, log, checkpointed
    if (pages.empty()) return -1;
    if (pages != "-1") return std::stoi(pages);
  }
}

// The writer checkpoints between batches in place of SQLite's checkpoint inside a COMMIT: the WAL
// of a long run of writes stays near wal_checkpoint_limit_pages even when writes always wait
// (here one insert after another, so that no checkpoint depends on an idle moment), and without
// the writer's checkpoints (both marks out of reach) it grows with every insert.
TEST(SqliteCheckpointTest, TheWriterBoundsTheWalBetweenBatches) {
  for (const bool checkpoints : {true, false}) {
    SCOPED_TRACE(checkpoints);
    TempDir dir;
    const auto file = dir.path() / "ssooidc.db";
    SqliteOptions options;
    options.wal_checkpoint_idle_pages = checkpoints ? 30 : 1'000'000'000;
    options.wal_checkpoint_limit_pages = checkpoints ? 60 : 1'000'000'000;
    auto storage = must(open_sqlite_storage(file.string(), options));
    constexpr int kInserts = 300;
    for (int i = 0; i < kInserts; ++i) {
      ASSERT_TRUE(must(storage->device_authorizations().insert(make_authorization(
          "hash-" + std::to_string(i), "CODE" + std::to_string(100'000 + i)))));
    }
    const int pages = wal_pages(file);
    if (checkpoints) {
      // The limit plus what one commit adds, whichever insert the last checkpoint followed.
      EXPECT_GE(pages, 0);
      EXPECT_LT(pages, 60 + 30);
    } else {
      EXPECT_GE(pages, kInserts);  // every insert's commit wrote at least its table's page
    }
    // Everything written is there, checkpointed or not.
    for (int i = 0; i < kInserts; i += 37) {
      EXPECT_TRUE(must(storage->device_authorizations().find_by_device_code_hash(
                           "hash-" + std::to_string(i)))
                      .has_value());
    }
  }
}

// Issue 15: past wal_checkpoint_idle_pages the copy into the file is the checkpointer's, on its
// own thread: with the writer never finishing one (wal_checkpoint_finish_pages negative, the
// limit out of reach), the rows still reach the database file itself, which without any checkpoint keeps the
// size it had after the schema, and every checkpoint was the checkpointer's.
TEST(SqliteCheckpointTest, TheCheckpointerCopiesTheWalIntoTheFileWithoutTheWriter) {
  std::uintmax_t unchecked_size = 0;
  for (const bool checkpointer : {false, true}) {
    SCOPED_TRACE(checkpointer);
    TempDir dir;
    const auto file = dir.path() / "ssooidc.db";
    auto gate = std::make_shared<SqliteCommitGate>();
    SqliteOptions options;
    options.commit_gate = gate;
    options.wal_checkpoint_idle_pages = checkpointer ? 30 : 1'000'000'000;
    options.wal_checkpoint_limit_pages = 1'000'000'000;
    options.wal_checkpoint_finish_pages = -1;
    auto storage = must(open_sqlite_storage(file.string(), options));
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(must(storage->device_authorizations().insert(make_authorization(
          "hash-" + std::to_string(i), "CODE" + std::to_string(100'000 + i)))));
    }
    if (!checkpointer) {
      unchecked_size = std::filesystem::file_size(file);
      continue;
    }
    // Its passes run beside the inserts; the last may still be under way.
    for (int i = 0; i < 1000 && std::filesystem::file_size(file) < unchecked_size + 64 * 1024; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GE(std::filesystem::file_size(file), unchecked_size + 64 * 1024);
    const auto checkpoints = gate->checkpoints();
    ASSERT_FALSE(checkpoints.empty());
    for (const auto& checkpoint : checkpoints) EXPECT_FALSE(checkpoint.by_writer);
    for (int i = 0; i < 300; i += 37) {
      EXPECT_TRUE(must(storage->device_authorizations().find_by_device_code_hash(
                           "hash-" + std::to_string(i)))
                      .has_value());
    }
  }
}

// Writes queued behind a closed SqliteCommitGate, so that the writer takes them as one batch.
class SqliteGroupCommitTest : public ::testing::Test {
 protected:
  void open(std::size_t queue_limit = 4096, std::int64_t purge_batch_rows = 200) {
    SqliteOptions options;
    options.faults = faults_;
    options.commit_gate = gate_;
    options.write_queue_limit = queue_limit;
    options.purge_batch_rows = purge_batch_rows;
    auto opened = open_sqlite_storage((dir_.path() / "ssooidc.db").string(), options);
    ASSERT_TRUE(opened.has_value()) << describe(opened);
    storage_ = std::move(*opened);
  }

  // Inserts every authorization from a thread of its own while the gate is closed, then opens
  // it: the writer takes all of them in one batch. Returns each insert's outcome.
  std::vector<Result<bool>> insert_as_one_batch(
      const std::vector<DeviceAuthorizationRecord>& authorizations) {
    gate_->close();
    std::vector<Result<bool>> outcomes(authorizations.size(), Result<bool>(false));
    std::vector<std::thread> writers;
    for (std::size_t i = 0; i < authorizations.size(); ++i) {
      writers.emplace_back([&, i] {
        outcomes[i] = storage_->device_authorizations().insert(authorizations[i]);
      });
    }
    gate_->wait_until_waiting(authorizations.size());
    gate_->open();
    for (auto& writer : writers) writer.join();
    return outcomes;
  }

  bool stored(const std::string& hash) {
    return must(storage_->device_authorizations().find_by_device_code_hash(hash)).has_value();
  }
  bool token_exists(const std::string& hash) {
    return must(storage_->tokens().find(hash)).has_value();
  }

  TempDir dir_;
  std::shared_ptr<SqliteFaultInjector> faults_ = std::make_shared<SqliteFaultInjector>();
  std::shared_ptr<SqliteCommitGate> gate_ = std::make_shared<SqliteCommitGate>();
  std::unique_ptr<Storage> storage_;
};

TEST_F(SqliteGroupCommitTest, WritesWaitingTogetherAreCommittedInOneBatch) {
  open();
  must(storage_->device_authorizations().insert(make_authorization("hash-taken", "TAKENAAA")));
  std::vector<DeviceAuthorizationRecord> batch;
  for (int i = 0; i < 8; ++i) {
    batch.push_back(make_authorization("hash-" + std::to_string(i),
                                       std::string("CODEAAA") + static_cast<char>('A' + i)));
  }
  batch.push_back(make_authorization("hash-other", "TAKENAAA"));  // a taken user code
  batch.push_back(make_authorization("hash-taken", "FRESHAAA"));  // a taken device code hash
  faults_->arm(0);
  const auto outcomes = insert_as_one_batch(batch);
  // BEGIN, ten INSERTs, one COMMIT: one transaction (and so one fsync) for all of them.
  EXPECT_EQ(faults_->executions(), 12);
  EXPECT_EQ(gate_->batches().back(), batch.size());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(outcomes[i].has_value()) << describe(outcomes[i]);
    EXPECT_TRUE(*outcomes[i]);
    EXPECT_TRUE(stored("hash-" + std::to_string(i)));
  }
  // The two collisions fail alone, each in its own way (storage.h), and leave nothing behind.
  ASSERT_TRUE(outcomes[8].has_value()) << describe(outcomes[8]);
  EXPECT_FALSE(*outcomes[8]);
  EXPECT_FALSE(stored("hash-other"));
  ASSERT_FALSE(outcomes[9].has_value());
  EXPECT_EQ(storage_error_code(outcomes[9].error()), StorageErrorCode::kAlreadyExists);
  EXPECT_FALSE(must(storage_->device_authorizations().find_by_user_code("FRESHAAA")).has_value());
}

// What insert_without_waiting's `done` saw (issue 15): called from the writer's thread.
struct Answers {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<Result<bool>>> outcomes;
  // Whether the row was readable from another connection when its `done` ran.
  std::vector<bool> visible;
  std::vector<std::thread::id> threads;

  explicit Answers(std::size_t n) : outcomes(n), visible(n, false), threads(n) {}
  std::size_t count() {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(
        std::ranges::count_if(outcomes, [](const auto& o) { return o.has_value(); }));
  }
  void wait_for_all() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] {
      return std::ranges::all_of(outcomes, [](const auto& o) { return o.has_value(); });
    });
  }
};

// Issue 15: a write nobody waits for. The caller returns before its batch is even taken; its
// `done` comes only once the batch is committed (the row readable from another connection), on
// the writer's thread, and every write waiting shares the batch.
TEST_F(SqliteGroupCommitTest, AWriteNobodyWaitsForIsAnsweredOnlyOnceItsBatchIsCommitted) {
  open();
  auto& devices = storage_->device_authorizations();
  ASSERT_TRUE(devices.inserts_without_waiting());
  must(devices.insert(make_authorization("hash-taken", "TAKENAAA")));
  constexpr std::size_t kWrites = 6;
  std::vector<DeviceAuthorizationRecord> rows;
  for (std::size_t i = 0; i < kWrites; ++i) {
    rows.push_back(make_authorization("hash-" + std::to_string(i),
                                      std::string("CODEAAA") + static_cast<char>('A' + i)));
  }
  rows.push_back(make_authorization("hash-other", "TAKENAAA"));  // a taken user code
  Answers answers(rows.size());
  gate_->close();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // Returns at once: the gate holds the writer, so a caller that waited would hang here.
    devices.insert_without_waiting(rows[i], [&, i](Result<bool> inserted) {
      const bool visible = stored(rows[i].device_code_hash);
      std::lock_guard lock(answers.mutex);
      answers.outcomes[i] = std::move(inserted);
      answers.visible[i] = visible;
      answers.threads[i] = std::this_thread::get_id();
      answers.changed.notify_all();
    });
  }
  gate_->wait_until_waiting(rows.size());
  // All queued, none answered: nothing is acknowledged before its commit.
  EXPECT_EQ(answers.count(), 0U);
  gate_->open();
  answers.wait_for_all();
  EXPECT_EQ(gate_->batches().back(), rows.size());  // one batch, one transaction, one fsync
  for (std::size_t i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(answers.outcomes[i]->has_value()) << describe(*answers.outcomes[i]);
    EXPECT_TRUE(**answers.outcomes[i]);
    EXPECT_TRUE(answers.visible[i]) << "answered before its row was committed";
    EXPECT_NE(answers.threads[i], std::this_thread::get_id());
  }
  // The taken user code: false for that write alone, as insert() answers it.
  ASSERT_TRUE(answers.outcomes[kWrites]->has_value());
  EXPECT_FALSE(**answers.outcomes[kWrites]);
  EXPECT_FALSE(stored("hash-other"));
}

// Issuance the same way (CreateToken's grants, issue 15): a redemption and a rotation nobody
// waits for are answered only once their tokens are committed, and of two uses of one value in
// the same batch exactly one wins, the other changing nothing.
TEST_F(SqliteGroupCommitTest, RedemptionsNobodyWaitsForAreAnsweredOnceCommittedWithOneWinner) {
  open();
  auto& devices = storage_->device_authorizations();
  auto& tokens = storage_->tokens();
  ASSERT_TRUE(devices.redeems_without_waiting());
  ASSERT_TRUE(tokens.rotates_without_waiting());
  ASSERT_TRUE(storage_->authorization_codes().redeems_without_waiting());
  must(devices.insert(make_authorization("hash-approved", "APPROVED")));
  ASSERT_TRUE(must(devices.decide("APPROVED", true, "bob", kNow + 1)).has_value());
  must(tokens.insert({make_token("refresh-old", TokenKind::kRefresh)}));
  // Two redemptions of the device code, two rotations of the refresh token, each issuing a
  // token of its own.
  const std::vector<std::string> issued = {"issued-d0", "issued-d1", "issued-r0", "issued-r1"};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<Result<bool>>> outcomes(issued.size());
  std::vector<bool> visible(issued.size(), false);
  gate_->close();
  for (std::size_t i = 0; i < issued.size(); ++i) {
    Redemption redemption;
    redemption.hash = i < 2 ? "hash-approved" : "refresh-old";
    redemption.client_id = "client-1";
    redemption.now = kNow + 2;
    redemption.tokens = {make_token(issued[i], TokenKind::kAccess)};
    auto done = [&, i](Result<bool> outcome) {
      const auto found = tokens.find(issued[i]);
      std::lock_guard lock(mutex);
      visible[i] = found && found->has_value();
      outcomes[i] = std::move(outcome);
      changed.notify_all();
    };
    // Returns at once: the gate holds the writer.
    if (i < 2) {
      devices.redeem_without_waiting(std::move(redemption), done);
    } else {
      tokens.rotate_without_waiting(std::move(redemption), done);
    }
  }
  gate_->wait_until_waiting(issued.size());
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(std::ranges::none_of(outcomes, [](const auto& o) { return o.has_value(); }))
        << "answered before its commit";
  }
  gate_->open();
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] {
      return std::ranges::all_of(outcomes, [](const auto& o) { return o.has_value(); });
    });
  }
  EXPECT_EQ(gate_->batches().back(), issued.size());  // one batch
  for (std::size_t i = 0; i < issued.size(); ++i)
    ASSERT_TRUE(outcomes[i]->has_value()) << describe(*outcomes[i]);
  // The first of each pair wins, its tokens stored; the second changes nothing.
  for (std::size_t first : {0U, 2U}) {
    EXPECT_TRUE(**outcomes[first]);
    EXPECT_TRUE(visible[first]) << "answered before its tokens were committed";
    EXPECT_FALSE(**outcomes[first + 1]);
    EXPECT_FALSE(must(tokens.find(issued[first + 1])).has_value());
  }
  EXPECT_EQ(must(devices.find_by_device_code_hash("hash-approved"))->state,
            DeviceState::kRedeemed);
  EXPECT_TRUE(must(tokens.find("refresh-old"))->used);
}

// RegisterClient's insert the same way: answered after its batch's commit; a taken id fails that
// registration alone.
TEST_F(SqliteGroupCommitTest, ARegistrationNobodyWaitsForIsAnsweredOnlyOnceCommitted) {
  open();
  auto& clients = storage_->clients();
  ASSERT_TRUE(clients.inserts_without_waiting());
  ClientRecord taken;
  taken.client_id = "client-taken";
  must(clients.insert(taken));
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<Result<void>>> outcomes(3);
  std::vector<bool> visible(3, false);
  gate_->close();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    ClientRecord client;
    client.client_id = i == 2 ? "client-taken" : "client-" + std::to_string(i);
    client.client_name = "new " + std::to_string(i);
    clients.insert_without_waiting(client, [&, i, id = client.client_id](Result<void> inserted) {
      auto found = storage_->clients().find(id);
      std::lock_guard lock(mutex);
      visible[i] = found && *found && (*found)->client_name == "new " + std::to_string(i);
      outcomes[i] = std::move(inserted);
      changed.notify_all();
    });
  }
  gate_->wait_until_waiting(outcomes.size());
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(std::ranges::none_of(outcomes, [](const auto& o) { return o.has_value(); }));
  }
  gate_->open();
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] {
      return std::ranges::all_of(outcomes, [](const auto& o) { return o.has_value(); });
    });
  }
  EXPECT_EQ(gate_->batches().back(), outcomes.size());
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(outcomes[i]->has_value()) << describe(*outcomes[i]);
    EXPECT_TRUE(visible[i]) << "answered before its row was committed";
  }
  ASSERT_FALSE(outcomes[2]->has_value());
  EXPECT_EQ(storage_error_code(outcomes[2]->error()), StorageErrorCode::kAlreadyExists);
  EXPECT_FALSE(visible[2]);
}

TEST_F(SqliteGroupCommitTest, AFailedBatchAnswersEveryWriteNobodyWaitsForWithItsError) {
  open();
  auto& devices = storage_->device_authorizations();
  constexpr std::size_t kWrites = 4;
  // BEGIN, the INSERTs, COMMIT: the COMMIT fails, so the batch's fsync never happened.
  for (const std::int64_t failing : {std::int64_t{1}, std::int64_t{3}, std::int64_t{kWrites + 2}}) {
    SCOPED_TRACE(::testing::Message() << "statement " << failing);
    std::vector<DeviceAuthorizationRecord> rows;
    for (std::size_t i = 0; i < kWrites; ++i) {
      std::string user_code = "FAILAAAA";
      user_code[4] = static_cast<char>('A' + failing);
      user_code[5] = static_cast<char>('A' + i);
      rows.push_back(make_authorization(
          "hash-fail-" + std::to_string(failing) + "-" + std::to_string(i), user_code));
    }
    Answers answers(rows.size());
    gate_->close();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      devices.insert_without_waiting(rows[i], [&, i](Result<bool> inserted) {
        std::lock_guard lock(answers.mutex);
        answers.outcomes[i] = std::move(inserted);
        answers.changed.notify_all();
      });
    }
    gate_->wait_until_waiting(rows.size());
    faults_->arm(failing);
    gate_->open();
    answers.wait_for_all();
    faults_->disarm();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      expect_internal_error(*answers.outcomes[i], "injected fault");
      EXPECT_FALSE(stored(rows[i].device_code_hash));
    }
  }
}

TEST_F(SqliteGroupCommitTest, AWriteNobodyWaitsForFindingTheQueueFullIsRefusedAtOnce) {
  open(/*queue_limit=*/2);
  auto& devices = storage_->device_authorizations();
  Answers answers(3);
  gate_->close();
  for (std::size_t i = 0; i < 3; ++i) {
    devices.insert_without_waiting(
        make_authorization("hash-q" + std::to_string(i),
                           std::string("QUEUEAA") + static_cast<char>('A' + i)),
        [&, i](Result<bool> inserted) {
          std::lock_guard lock(answers.mutex);
          answers.outcomes[i] = std::move(inserted);
          answers.threads[i] = std::this_thread::get_id();
          answers.changed.notify_all();
        });
  }
  // The third was answered on this thread before insert_without_waiting returned.
  ASSERT_TRUE(answers.outcomes[2].has_value());
  EXPECT_EQ(answers.threads[2], std::this_thread::get_id());
  ASSERT_FALSE(answers.outcomes[2]->has_value());
  EXPECT_EQ(storage_error_code(answers.outcomes[2]->error()), StorageErrorCode::kUnavailable);
  EXPECT_NE(answers.outcomes[2]->error().error_description.find("the write queue is full"),
            std::string::npos);
  EXPECT_EQ(answers.count(), 1U);
  gate_->open();
  answers.wait_for_all();
  EXPECT_TRUE(stored("hash-q0"));
  EXPECT_TRUE(stored("hash-q1"));
  EXPECT_FALSE(stored("hash-q2"));
}

TEST_F(SqliteGroupCommitTest, AFailureAtAnyStatementFailsTheWholeBatchAndStoresNothing) {
  open();
  constexpr int kWrites = 5;
  constexpr std::int64_t kStatements = kWrites + 2;  // BEGIN, the INSERTs, COMMIT
  int round = 0;
  for (const bool sticky : {false, true}) {
    for (std::int64_t n = 1; n <= kStatements; ++n, ++round) {
      SCOPED_TRACE(::testing::Message() << "statement " << n << (sticky ? ", sticky" : ""));
      std::vector<DeviceAuthorizationRecord> batch;
      for (int i = 0; i < kWrites; ++i) {
        const std::string key = std::to_string(round) + "-" + std::to_string(i);
        std::string user_code = "AAAAAAAA";
        user_code[0] = static_cast<char>('A' + round % 26);
        user_code[1] = static_cast<char>('A' + round / 26);
        user_code[2] = static_cast<char>('A' + i);
        batch.push_back(make_authorization("hash-" + key, user_code));
      }
      faults_->arm(n, sticky);  // sticky: the ROLLBACK fails too
      const auto outcomes = insert_as_one_batch(batch);
      faults_->disarm();
      EXPECT_EQ(gate_->batches().back(), static_cast<std::size_t>(kWrites));
      for (int i = 0; i < kWrites; ++i) {
        expect_internal_error(outcomes[i], "injected fault");
        EXPECT_FALSE(stored(batch[i].device_code_hash));
      }
    }
  }
  // The writer recovers: the next batch commits.
  const auto outcomes = insert_as_one_batch({make_authorization("hash-after", "AFTERAAA")});
  ASSERT_TRUE(outcomes[0].has_value()) << describe(outcomes[0]);
  EXPECT_TRUE(*outcomes[0]);
  EXPECT_TRUE(stored("hash-after"));
}

// Issuance in one batch: each redemption in a savepoint of its own, so that one that does not
// qualify (redeemed a moment before in the same batch, or its token taken) keeps nothing, while
// the others commit with the batch.
TEST_F(SqliteGroupCommitTest, RedemptionsOfOneBatchSucceedOrFailEachAlone) {
  open();
  auto& devices = storage_->device_authorizations();
  for (const char* code : {"AAAAAAAA", "BBBBBBBB", "CCCCCCCC"}) {
    ASSERT_TRUE(must(devices.insert(make_authorization(std::string("hash-") + code, code))));
    ASSERT_TRUE(must(devices.decide(code, true, "alice", kNow + 10)));
  }
  must(storage_->tokens().insert({make_token("taken", TokenKind::kAccess),
                                  make_token("old", TokenKind::kRefresh)}));
  struct Redemption {
    std::string hash;
    std::vector<TokenRecord> tokens;
  };
  // Four redemptions of AAAAAAAA race: one wins. CCCCCCCC's second token is taken, so its
  // redemption fails and must leave the code approved. Two rotations of "old" race too.
  std::vector<Redemption> redemptions;
  for (int i = 0; i < 4; ++i) {
    redemptions.push_back({"hash-AAAAAAAA", {make_token("a-" + std::to_string(i), TokenKind::kAccess)}});
  }
  redemptions.push_back({"hash-BBBBBBBB", {make_token("b", TokenKind::kAccess)}});
  redemptions.push_back(
      {"hash-CCCCCCCC", {make_token("c", TokenKind::kAccess), make_token("taken", TokenKind::kAccess)}});
  gate_->close();
  std::vector<Result<bool>> outcomes(redemptions.size() + 2, Result<bool>(false));
  std::vector<std::thread> writers;
  for (std::size_t i = 0; i < redemptions.size(); ++i) {
    writers.emplace_back([&, i] {
      outcomes[i] = devices.redeem(redemptions[i].hash, "client-1", kNow + 20,
                                   redemptions[i].tokens);
    });
  }
  for (int i = 0; i < 2; ++i) {
    writers.emplace_back([&, i] {
      outcomes[redemptions.size() + i] = storage_->tokens().rotate(
          "old", {make_token("new-" + std::to_string(i), TokenKind::kRefresh)});
    });
  }
  gate_->wait_until_waiting(outcomes.size());
  gate_->open();
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(gate_->batches().back(), outcomes.size());  // one transaction, one fsync

  int winners = 0;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(outcomes[i].has_value()) << describe(outcomes[i]);
    const bool won = *outcomes[i];
    winners += won ? 1 : 0;
    EXPECT_EQ(token_exists("a-" + std::to_string(i)), won);
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(must(devices.find_by_user_code("AAAAAAAA"))->state, DeviceState::kRedeemed);
  ASSERT_TRUE(outcomes[4].has_value()) << describe(outcomes[4]);
  EXPECT_TRUE(*outcomes[4]);
  EXPECT_TRUE(token_exists("b"));
  ASSERT_FALSE(outcomes[5].has_value());
  EXPECT_EQ(storage_error_code(outcomes[5].error()), StorageErrorCode::kAlreadyExists);
  EXPECT_FALSE(token_exists("c"));
  EXPECT_EQ(must(devices.find_by_user_code("CCCCCCCC"))->state, DeviceState::kApproved);
  ASSERT_TRUE(outcomes[6].has_value() && outcomes[7].has_value());
  EXPECT_NE(*outcomes[6], *outcomes[7]);  // exactly one rotation
  EXPECT_EQ(token_exists("new-0"), *outcomes[6]);
  EXPECT_EQ(token_exists("new-1"), *outcomes[7]);
  EXPECT_TRUE(must(storage_->tokens().find("old"))->used);
}

// Issue 15: an issuance with its retry-grace entry is one item of one batch (one fsync), not a
// redemption's batch followed by a put's.
TEST_F(SqliteGroupCommitTest, AnIssuanceWithItsRetryGraceEntryIsOneItemOfOneBatch) {
  open();
  auto& devices = storage_->device_authorizations();
  ASSERT_TRUE(must(devices.insert(make_authorization("hash-AAAAAAAA", "AAAAAAAA"))));
  ASSERT_TRUE(must(devices.decide("AAAAAAAA", true, "alice", kNow + 10)));
  must(storage_->tokens().insert({make_token("old", TokenKind::kRefresh)}));
  const std::size_t batches_before = gate_->batches().size();
  gate_->close();
  const RetryGraceEntry redeemed{"grace-redeem", "sealed-1", kNow * 1000, kNow * 1000 + 5000};
  const RetryGraceEntry rotated{"grace-rotate", "sealed-2", kNow * 1000, kNow * 1000 + 5000};
  Result<bool> redemption(false);
  Result<bool> rotation(false);
  std::thread redeem([&] {
    redemption = devices.redeem("hash-AAAAAAAA", "client-1", kNow + 20,
                                {make_token("access", TokenKind::kAccess)}, &redeemed);
  });
  std::thread rotate([&] {
    rotation = storage_->tokens().rotate("old", {make_token("new", TokenKind::kRefresh)}, &rotated);
  });
  gate_->wait_until_waiting(2);
  gate_->open();
  redeem.join();
  rotate.join();
  ASSERT_TRUE(redemption.has_value() && rotation.has_value());
  EXPECT_TRUE(*redemption);
  EXPECT_TRUE(*rotation);
  const std::vector<std::size_t> batches = gate_->batches();
  ASSERT_EQ(batches.size(), batches_before + 1);  // both issuances and both entries: one commit
  EXPECT_EQ(batches.back(), 2U);
  const std::int64_t now_ms = kNow * 1000;
  EXPECT_EQ(must(storage_->retry_grace().find("grace-redeem", now_ms)), "sealed-1");
  EXPECT_EQ(must(storage_->retry_grace().find("grace-rotate", now_ms)), "sealed-2");
}

TEST_F(SqliteGroupCommitTest, AFullQueueRefusesTheWriteAtOnce) {
  open(/*queue_limit=*/2);
  gate_->close();
  std::vector<std::thread> writers;
  std::vector<Result<bool>> outcomes(2, Result<bool>(false));
  for (int i = 0; i < 2; ++i) {
    writers.emplace_back([&, i] {
      outcomes[i] = storage_->device_authorizations().insert(
          make_authorization("hash-" + std::to_string(i), i == 0 ? "QUEUEDAA" : "QUEUEDAB"));
    });
  }
  gate_->wait_until_waiting(2);
  // The third finds two waiting: refused at once, on this thread, with nothing stored.
  const auto refused =
      storage_->device_authorizations().insert(make_authorization("hash-refused", "REFUSEDA"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(storage_error_code(refused.error()), StorageErrorCode::kUnavailable);
  EXPECT_NE(refused.error().error_description.find("write queue is full"), std::string::npos)
      << refused.error().error_description;
  gate_->open();
  for (auto& writer : writers) writer.join();
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.has_value()) << describe(outcome);
    EXPECT_TRUE(*outcome);
  }
  EXPECT_TRUE(stored("hash-0"));
  EXPECT_TRUE(stored("hash-1"));
  EXPECT_FALSE(stored("hash-refused"));
}

// The purge deletes in batches of at most purge_batch_rows, each in a transaction of its own,
// and an insert queued while it waits with a purge batch is committed first, alone: it never
// waits for the whole purge nor shares a transaction with its deletes (issue 15).
TEST_F(SqliteGroupCommitTest, APurgeDeletesInBoundedBatchesAndLetsAQueuedInsertThroughFirst) {
  open(/*queue_limit=*/4096, /*purge_batch_rows=*/2);
  auto& devices = storage_->device_authorizations();
  for (int i = 0; i < 5; ++i) {
    auto expired = make_authorization("hash-expired-" + std::to_string(i),
                                      std::string("EXPIREA") + static_cast<char>('A' + i));
    expired.expires_at = kNow - 10;
    ASSERT_TRUE(must(devices.insert(expired)));
  }
  ASSERT_TRUE(must(devices.insert(make_authorization("hash-live", "LIVEAAAA"))));
  const std::size_t before = gate_->transactions().size();

  gate_->close();
  Result<std::int64_t> purged(0);
  std::thread purge([&] { purged = devices.purge_expired(kNow); });
  gate_->wait_until_waiting(1);  // the purge's first batch
  Result<bool> inserted(false);
  std::thread insert([&] { inserted = devices.insert(make_authorization("hash-new", "NEWAAAAA")); });
  gate_->wait_until_waiting(2);  // queued behind it
  gate_->open();
  insert.join();
  purge.join();

  ASSERT_TRUE(purged.has_value()) << describe(purged);
  EXPECT_EQ(*purged, 5);
  ASSERT_TRUE(inserted.has_value()) << describe(inserted);
  EXPECT_TRUE(*inserted);
  const std::string insert_op = "insert device authorization";  // the statements' names
  const std::string purge_op = "purge device authorizations";
  const std::string trim_op = "trim device authorization changes";
  // The insert queued after the first purge batch, yet is committed before it; then the purge
  // goes on 2 + 2 + 1 rows, one batch per transaction, and trims the change log last.
  const auto transactions = gate_->transactions();
  const std::vector<std::vector<std::string>> expected{
      {insert_op}, {purge_op}, {purge_op}, {purge_op}, {trim_op}};
  EXPECT_EQ(std::vector(transactions.begin() + static_cast<std::ptrdiff_t>(before),
                        transactions.end()),
            expected);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(stored("hash-expired-" + std::to_string(i))) << i;
  EXPECT_TRUE(stored("hash-live"));
  EXPECT_TRUE(stored("hash-new"));
}

// ---- the change log of pending rows (issue 15, migration 11) --------------------------------------

// A device code hash as the domain gives it: 64 hex digits (stored as its 32 bytes).
std::string hex_hash(char digit) { return std::string(64, digit); }

// Every pending row that any opener of the file decides or removes before it expired is numbered
// in the change log, whatever the writer (a trigger: a second Storage on the file stands for
// another process); an insert, a redemption of a decided row and the purge of a long-expired one
// are not. The scan hands out the rows pending now, as the poll reads them.
TEST(SqlitePendingChangesTest, PendingRowsDecidedOrRemovedAnywhereAreNumberedInTheLog) {
  TempDir dir;
  const std::string file = (dir.path() / "ssooidc.db").string();
  auto storage = must(open_sqlite_storage(file));
  auto other = must(open_sqlite_storage(file));
  auto& devices = storage->device_authorizations();
  // The trigger's clock is the machine's (it spares rows expired five minutes before).
  const std::int64_t now = ::time(nullptr);
  auto row = [&](char digit, const char* user_code, std::int64_t expires_at) {
    auto authorization = make_authorization(hex_hash(digit), user_code);
    authorization.created_at = now - 10;
    authorization.expires_at = expires_at;
    authorization.interval = 5;
    return authorization;
  };
  ASSERT_TRUE(must(devices.insert(row('a', "AAAAAAAA", now + 600))));
  ASSERT_TRUE(must(devices.insert(row('b', "BBBBBBBB", now + 600))));
  ASSERT_TRUE(must(devices.insert(row('c', "CCCCCCCC", now + 600))));
  ASSERT_TRUE(must(devices.insert(row('d', "DDDDDDDD", now - 3600))));  // long expired
  EXPECT_EQ(must(devices.latest_change()), std::optional<std::int64_t>(0));

  std::vector<std::string> scanned;
  ASSERT_TRUE(devices
                  .scan_pending(now,
                                [&](const PendingRow& pending) {
                                  EXPECT_EQ(pending.client_id, "client-1");
                                  EXPECT_EQ(pending.expires_at, now + 600);
                                  EXPECT_EQ(pending.interval, 5);
                                  scanned.emplace_back(pending.device_code_hash);
                                })
                  .has_value());
  std::ranges::sort(scanned);
  EXPECT_EQ(scanned, (std::vector<std::string>{hex_hash('a'), hex_hash('b'), hex_hash('c')}));

  // Decided by the other opener: numbered 1 and 2. Redeeming the approved one adds nothing.
  ASSERT_TRUE(must(other->device_authorizations().decide("AAAAAAAA", true, "alice", now)));
  ASSERT_TRUE(must(other->device_authorizations().decide("BBBBBBBB", false, "alice", now)));
  ASSERT_TRUE(must(devices.redeem(hex_hash('a'), "client-1", now, {make_token(std::string(64, 'e'),
                                                                          TokenKind::kAccess)})));
  auto changes = must(devices.changes_since(0, 100));
  ASSERT_TRUE(changes.has_value());
  EXPECT_TRUE(changes->complete);
  EXPECT_EQ(changes->last, 2);
  EXPECT_EQ(changes->device_code_hashes, (std::vector<std::string>{hex_hash('a'), hex_hash('b')}));

  // The purge takes the unexpired 'c' (numbered) and the long-expired 'd' (not).
  EXPECT_EQ(must(other->device_authorizations().purge_expired(now + 3600)), 4);
  changes = must(devices.changes_since(2, 100));
  ASSERT_TRUE(changes.has_value());
  EXPECT_TRUE(changes->complete);
  EXPECT_EQ(changes->last, 3);
  EXPECT_EQ(changes->device_code_hashes, std::vector<std::string>{hex_hash('c')});
  EXPECT_EQ(must(devices.latest_change()), std::optional<std::int64_t>(3));

  // Nothing new: complete, and `last` stays.
  changes = must(devices.changes_since(3, 100));
  ASSERT_TRUE(changes.has_value());
  EXPECT_TRUE(changes->complete);
  EXPECT_EQ(changes->last, 3);
  EXPECT_TRUE(changes->device_code_hashes.empty());
  // More than asked for, or numbers missing (trimmed before they were read): not complete.
  changes = must(devices.changes_since(0, 2));
  ASSERT_TRUE(changes.has_value());
  EXPECT_FALSE(changes->complete);
  EXPECT_EQ(changes->device_code_hashes.size(), 2U);
  {
    RawDatabase raw(file);
    raw.execute("DELETE FROM device_authorization_changes WHERE seq = 2");
  }
  changes = must(devices.changes_since(1, 100));
  ASSERT_TRUE(changes.has_value());
  EXPECT_FALSE(changes->complete);
}

// ---- poll counts (issue 15) -----------------------------------------------------------------------

// The rows of poll_counts and the polls of `hash` there ("none" without a row), read behind the
// backend's back.
std::string poll_count_rows(const std::filesystem::path& file, const std::string& hash) {
  RawDatabase raw(file);
  const std::string polls = raw.query_text(
      ("SELECT coalesce((SELECT polls FROM poll_counts WHERE device_code_hash = '" + hash +
       "'), 'none')")
          .c_str());
  return raw.query_text("SELECT count(*) FROM poll_counts") + " rows, " + polls;
}

// Alone on its file, a storage counts polls in memory and writes no row; the totals are those
// the table would give. When a second storage opens the file, the first one's next add writes
// its counts to the table, so the second one's totals include them; alone again, it counts in
// memory from the table's count on.
TEST(SqlitePollCountTest, CountsStayInMemoryWhileAloneAndReachTheTableWhenShared) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  auto first = must(open_sqlite_storage(file.string()));
  auto& polls = first->poll_counts();
  EXPECT_EQ(must(polls.add("code-a", 1, kNow * 1000, kNow + 600)).polls, 1);
  EXPECT_EQ(must(polls.add("code-a", 2, kNow * 1000 - 5, kNow + 600)).polls, 3);
  EXPECT_EQ(must(polls.add("code-b", 1, kNow * 1000, kNow + 600)).polls, 1);
  EXPECT_EQ(must(polls.add("code-a", 0, kNow * 1000, kNow + 600)).first_poll_ms, kNow * 1000 - 5);
  EXPECT_EQ(poll_count_rows(file, "code-a"), "0 rows, none");

  {
    auto second = must(open_sqlite_storage(file.string()));
    EXPECT_EQ(must(polls.add("code-a", 1, kNow * 1000 + 10, kNow + 600)).polls, 4);
    EXPECT_EQ(poll_count_rows(file, "code-a"), "2 rows, 4");
    const auto a = must(second->poll_counts().add("code-a", 1, kNow * 1000 + 20, kNow + 600));
    EXPECT_EQ(a.polls, 5);
    EXPECT_EQ(a.first_poll_ms, kNow * 1000 - 5);
    EXPECT_EQ(must(second->poll_counts().add("code-b", 1, kNow * 1000 + 20, kNow + 600)).polls, 2);
  }

  // Alone again: on from the table's 5, in memory.
  EXPECT_EQ(must(polls.add("code-a", 1, kNow * 1000 + 30, kNow + 600)).polls, 6);
  EXPECT_EQ(poll_count_rows(file, "code-a"), "2 rows, 5");
  // The purge forgets the expired ones in memory and in the table alike.
  EXPECT_GE(must(polls.purge_expired(kNow + 601)), 2);
  EXPECT_EQ(poll_count_rows(file, "code-a"), "0 rows, none");
  EXPECT_EQ(must(polls.add("code-a", 1, kNow * 1000 + 40, kNow + 600)).polls, 1);
}

// Counts written while the file was shared are where a storage opened later, alone, counts on.
TEST(SqlitePollCountTest, AStorageOpenedLaterCountsOnFromTheTable) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  {
    auto one = must(open_sqlite_storage(file.string()));
    auto two = must(open_sqlite_storage(file.string()));
    EXPECT_EQ(must(one->poll_counts().add("code-a", 2, kNow * 1000, kNow + 600)).polls, 2);
  }
  EXPECT_EQ(poll_count_rows(file, "code-a"), "1 rows, 2");
  auto later = must(open_sqlite_storage(file.string()));
  EXPECT_EQ(must(later->poll_counts().add("code-a", 1, kNow * 1000, kNow + 600)).polls, 3);
  EXPECT_EQ(must(later->poll_counts().add("code-b", 1, kNow * 1000, kNow + 600)).polls, 1);
  EXPECT_EQ(poll_count_rows(file, "code-a"), "1 rows, 2");  // counted on in memory
}

// Past SqliteOptions::poll_counts_in_memory codes, the others' counts go to the table; the totals
// are the same either way.
TEST(SqlitePollCountTest, CodesBeyondTheMemoryBoundAreCountedInTheTable) {
  TempDir dir;
  const auto file = dir.path() / "ssooidc.db";
  SqliteOptions options;
  options.poll_counts_in_memory = 2;
  auto storage = must(open_sqlite_storage(file.string(), options));
  auto& polls = storage->poll_counts();
  for (const char* code : {"code-a", "code-b", "code-c", "code-d"})
    EXPECT_EQ(must(polls.add(code, 1, kNow * 1000, kNow + 600)).polls, 1) << code;
  for (const char* code : {"code-a", "code-b", "code-c", "code-d"})
    EXPECT_EQ(must(polls.add(code, 2, kNow * 1000, kNow + 600)).polls, 3) << code;
  EXPECT_EQ(poll_count_rows(file, "code-a"), "2 rows, none");
  EXPECT_EQ(poll_count_rows(file, "code-c"), "2 rows, 3");
}

// ---- durability ---------------------------------------------------------------------------------

// A child process inserts users and acknowledges each one through a pipe once insert() returned;
// the parent kills it with SIGKILL mid-stream. Every acknowledged user must be in the file.
TEST(SqliteDurabilityTest, AcknowledgedWritesSurviveKill9) {
  TempDir dir;
  const std::string url = "sqlite:" + (dir.path() / "ssooidc.db").string();
  must(open_storage(url));  // create the schema first, then close
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    auto storage = open_storage(url);
    if (!storage) _exit(2);
    for (int i = 0; i < 1'000'000; ++i) {
      const auto inserted = (*storage)->users().insert(make_user("user-" + std::to_string(i)));
      if (!inserted || !*inserted) _exit(3);
      if (write(pipe_fds[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(4);
    }
    _exit(0);
  }
  close(pipe_fds[1]);
  int acknowledged = 0;
  bool killed = false;
  while (true) {
    int index = 0;
    const ssize_t got = read(pipe_fds[0], &index, sizeof index);
    if (got == 0) break;  // the child is gone and the pipe drained
    if (got < 0 && errno == EINTR) continue;
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof index));
    ASSERT_EQ(index, acknowledged);
    ++acknowledged;
    if (acknowledged == 100 && !killed) {
      ASSERT_EQ(kill(child, SIGKILL), 0);
      killed = true;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  auto storage = must(open_storage(url));
  EXPECT_GE(must(storage->users().count()), acknowledged);
  for (int i = 0; i < acknowledged; ++i) {
    EXPECT_TRUE(must(storage->users().find("user-" + std::to_string(i))).has_value()) << i;
  }
}

}  // namespace
}  // namespace ssooidc::storage
