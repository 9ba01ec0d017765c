// What only the PostgreSQL backend has (storage/postgres/postgres_storage.h): URLs in libpq's
// forms (Unix socket, password from PGPASSFILE), migrations safe when replicas start at once, a
// bounded pool, statement timeouts, and error texts that never carry SQL or a secret. The
// shared contract runs in storage_conformance_test.cc; a restart of the server under load runs in
// tests/replicas (it would disturb the other tests of a shared server).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <atomic>
#include <functional>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_support.h"
#include "storage/postgres/connection.h"
#include "storage/postgres/migrations.h"
#include "storage/postgres/postgres_storage.h"
#include "storage/storage.h"
#include "storage_test_support.h"

namespace ssooidc::storage {
namespace {

using test_support::describe;
using test_support::must;
using test_support::postgres_test_url;
using test_support::ScratchSchema;
using test_support::TempDir;
using test_support::with_url_parameter;

constexpr std::int64_t kNow = 1'700'000'000;

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

Connection connect(const std::string& url) {
  Connection connection(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("connect: ") + PQerrorMessage(connection.get()));
  return connection;
}

std::string scalar(PGconn* connection, const std::string& sql) {
  ResultPtr result(PQexec(connection, sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1)
    throw std::runtime_error("query failed: " + std::string(PQerrorMessage(connection)));
  return PQgetvalue(result.get(), 0, 0);
}

void exec(PGconn* connection, const std::string& sql) {
  ResultPtr result(PQexec(connection, sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error("exec failed: " + std::string(PQerrorMessage(connection)));
}

// The URL's parts, as libpq parses them.
struct UrlParts {
  std::string host, port, dbname, user, password;
};
UrlParts parts_of(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) throw std::runtime_error("bad test URL");
  UrlParts parts;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string keyword = o->keyword;
    if (keyword == "host") parts.host = o->val;
    if (keyword == "port") parts.port = o->val;
    if (keyword == "dbname") parts.dbname = o->val;
    if (keyword == "user") parts.user = o->val;
    if (keyword == "password") parts.password = o->val;
  }
  PQconninfoFree(options);
  return parts;
}

DeviceAuthorizationRecord make_authorization(std::string hash, std::string user_code) {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = std::move(hash);
  authorization.user_code = std::move(user_code);
  authorization.client_id = "client-1";
  authorization.start_url = "https://example.awsapps.com/start";
  authorization.created_at = kNow;
  authorization.expires_at = kNow + 600;
  return authorization;
}

void expect_no_sql_or_secret(const Error& error, const std::string& secret) {
  const std::string& text = error.error_description;
  EXPECT_TRUE(text.starts_with("storage: ")) << text;
  for (const char* sql : {"SELECT", "UPDATE", "INSERT", "DELETE", "WHERE", "$1"})
    EXPECT_EQ(text.find(sql), std::string::npos) << text;
  if (!secret.empty()) {
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }
}

TEST(PostgresStorageTest, BothSchemesOpenTheSameDatabase) {
  ScratchSchema schema;
  auto first = must(open_storage(schema.url()));
  ASSERT_TRUE(schema.url().starts_with("postgresql://"));
  auto second = must(open_storage("postgres://" + schema.url().substr(13)));
  ASSERT_TRUE(must(first->users().insert({"alice", "$argon2id$x", false, kNow, ""})));
  EXPECT_TRUE(must(second->users().find("alice")).has_value());
}

TEST(PostgresStorageTest, OpensOverAUnixSocketDirectory) {
  const char* socket_dir = std::getenv("SSOOIDC_TEST_POSTGRES_SOCKET_DIR");
  ASSERT_NE(socket_dir, nullptr) << "SSOOIDC_TEST_POSTGRES_SOCKET_DIR is not set (scripts/test.sh)";
  ScratchSchema schema;
  const UrlParts parts = parts_of(postgres_test_url());
  // The socket's path is a query parameter: postgresql:///db?host=/run/postgresql.
  const std::string url = "postgresql:///" + parts.dbname + "?host=" + socket_dir +
                          "&port=" + parts.port + "&user=" + parts.user +
                          "&options=-csearch_path%3D" + schema.name();
  auto storage = open_storage(url);
  ASSERT_TRUE(storage.has_value()) << describe(storage);
  EXPECT_EQ(must((*storage)->users().count()), 0);
}

TEST(PostgresStorageTest, PasswordComesFromPgpassfile) {
  ScratchSchema schema;
  const UrlParts parts = parts_of(postgres_test_url());
  TempDir dir;
  const std::string passfile = (dir.path() / "pgpass").string();
  {
    std::ofstream out(passfile);
    out << parts.host << ":" << parts.port << ":" << parts.dbname << ":" << parts.user << ":"
        << parts.password << "\n";
  }
  std::filesystem::permissions(passfile, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write);
  const std::string url = "postgresql://" + parts.user + "@" + parts.host + ":" + parts.port +
                          "/" + parts.dbname + "?options=-csearch_path%3D" + schema.name();
  ::setenv("PGPASSFILE", (dir.path() / "missing").c_str(), 1);
  auto refused = open_storage(url);
  ASSERT_FALSE(refused.has_value()) << "the server must ask for a password over TCP";
  ::setenv("PGPASSFILE", passfile.c_str(), 1);
  auto opened = open_storage(url);
  ASSERT_TRUE(opened.has_value()) << describe(opened);
  // The pool's connections read the file too, when they are opened.
  EXPECT_EQ(must((*opened)->users().count()), 0);
  ::unsetenv("PGPASSFILE");
}

// sslmode reaches libpq as any other parameter: the test cluster runs without TLS (ssl = off), so
// `disable` and `prefer` connect and `require` is refused with libpq's reason.
TEST(PostgresStorageTest, SslmodeIsLibpqs) {
  ScratchSchema schema;
  for (const char* mode : {"disable", "prefer"}) {
    auto opened = open_storage(with_url_parameter(schema.url(), std::string("sslmode=") + mode));
    ASSERT_TRUE(opened.has_value()) << mode << ": " << describe(opened);
    EXPECT_EQ(must((*opened)->users().count()), 0);
  }
  auto refused = open_storage(with_url_parameter(schema.url(), "sslmode=require"));
  ASSERT_FALSE(refused.has_value()) << "sslmode=require against a server without TLS";
  EXPECT_EQ(storage_error_code(refused.error()), StorageErrorCode::kUnavailable);
  EXPECT_NE(refused.error().error_description.find("SSL"), std::string::npos)
      << refused.error().error_description;
  expect_no_sql_or_secret(refused.error(), parts_of(postgres_test_url()).password);
}

TEST(PostgresStorageTest, ConnectionErrorsNameTheServerButNeverThePassword) {
  const UrlParts parts = parts_of(postgres_test_url());
  const std::string wrong = "postgresql://" + parts.user + ":not-" + parts.password + "@" +
                            parts.host + ":" + parts.port + "/" + parts.dbname;
  auto refused = open_storage(wrong);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(storage_error_code(refused.error()), StorageErrorCode::kUnavailable);
  expect_no_sql_or_secret(refused.error(), parts.password);
  EXPECT_NE(refused.error().error_description.find("password authentication failed"),
            std::string::npos)
      << refused.error().error_description;
  EXPECT_NE(refused.error().error_description.find("database " + parts.dbname),
            std::string::npos)
      << refused.error().error_description;
  EXPECT_EQ(describe_postgres_url(wrong).find(parts.password), std::string::npos);
}

TEST(PostgresStorageTest, ReplicasStartingAtOnceApplyEachMigrationOnce) {
  ScratchSchema schema;
  constexpr int kReplicas = 6;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      auto opened = open_storage(schema.url());
      if (!opened) {
        ++failures;
        errors[i] = opened.error().error_description;
        return;
      }
      if (!(*opened)->users().count()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << errors[0] << errors[1];
  auto connection = connect(schema.url());
  EXPECT_EQ(scalar(connection.get(), "SELECT count(*) FROM schema_migrations"),
            scalar(connection.get(), "SELECT count(DISTINCT version) FROM schema_migrations"));
  EXPECT_NE(scalar(connection.get(), "SELECT count(*) FROM schema_migrations"), "0");
}

TEST(PostgresStorageTest, ADatabaseNewerThanTheBuildIsRefused) {
  ScratchSchema schema;
  must(open_storage(schema.url()));
  auto connection = connect(schema.url());
  exec(connection.get(),
       "INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'x', 0)");
  auto refused = open_storage(schema.url());
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().error_description.find("newer than this build"), std::string::npos)
      << refused.error().error_description;
}

// Opens `url` with a 100 ms statement timeout on a thread while the caller's session holds a
// lock: the open must still be waiting once `waited` (a count over pg_stat_activity, by the
// database's clock) is not 0, and must succeed after `release` lets the lock go.
void expect_open_outlasts_the_lock(const ScratchSchema& schema, const std::string& url,
                                   const std::string& waited, const std::function<void()>& release) {
  PostgresOptions options;
  options.statement_timeout_ms = 100;
  std::atomic<bool> done{false};
  std::string error;
  std::thread opening([&] {
    auto opened = open_postgres_storage(url, options);
    if (!opened) error = opened.error().error_description;
    done = true;
  });
  auto observer = connect(schema.url());
  while (!done && scalar(observer.get(), waited) == "0") std::this_thread::yield();
  EXPECT_FALSE(done.load()) << "the open ended while the lock was held: " << error;
  release();
  opening.join();
  EXPECT_EQ(error, "");
}

// A replica whose statement timeout is shorter than another's migration waits for the migration
// lock instead of failing its start: here the lock is held for three statement timeouts (by the
// database's clock) while the replica opens, and the open succeeds once it is let go.
TEST(PostgresStorageTest, MigrationLockWaitOutlastsTheStatementTimeout) {
  ScratchSchema schema;
  const std::string url = with_url_parameter(schema.url(), "application_name=" + schema.name());
  auto holder = connect(schema.url());
  exec(holder.get(), "SELECT pg_advisory_lock(" + std::string(postgres::kMigrationLock) + ")");
  expect_open_outlasts_the_lock(
      schema, url,
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + schema.name() +
          "' AND now() - backend_start > interval '300 milliseconds'",
      [&] {
        exec(holder.get(),
             "SELECT pg_advisory_unlock(" + std::string(postgres::kMigrationLock) + ")");
      });
}

// A migration is not bound by the statement timeout of requests (a table rewrite may take
// minutes): here the migration's read of schema_migrations waits on another session's lock for
// three statement timeouts, and the open succeeds once it is let go.
TEST(PostgresStorageTest, AMigrationOutlastsTheStatementTimeout) {
  ScratchSchema schema;
  must(open_storage(schema.url()));
  const std::string url = with_url_parameter(schema.url(), "application_name=" + schema.name());
  auto locker = connect(schema.url());
  exec(locker.get(), "BEGIN");
  exec(locker.get(), "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE");
  expect_open_outlasts_the_lock(
      schema, url,
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + schema.name() +
          "' AND wait_event_type = 'Lock' AND now() - query_start > interval '300 milliseconds'",
      [&] { exec(locker.get(), "ROLLBACK"); });
}

// A statement blocked on a row lock ends at the statement timeout, as kUnavailable naming the
// operation, and the store works again at once.
TEST(PostgresStorageTest, StatementTimeoutEndsABlockedStatement) {
  ScratchSchema schema;
  PostgresOptions options;
  options.statement_timeout_ms = 200;
  auto storage = must(open_postgres_storage(schema.url(), options));
  ASSERT_TRUE(must(storage->device_authorizations().insert(make_authorization("h1", "ABCDEFGH"))));
  auto locker = connect(schema.url());
  exec(locker.get(), "BEGIN");
  exec(locker.get(), "SELECT 1 FROM device_authorizations WHERE user_code = 'ABCDEFGH' FOR UPDATE");
  const auto blocked = storage->device_authorizations().decide("ABCDEFGH", true, "alice", kNow);
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(storage_error_code(blocked.error()), StorageErrorCode::kUnavailable);
  EXPECT_NE(blocked.error().error_description.find("decide device authorization"),
            std::string::npos);
  EXPECT_NE(blocked.error().error_description.find("timed out"), std::string::npos)
      << blocked.error().error_description;
  expect_no_sql_or_secret(blocked.error(), "");
  exec(locker.get(), "ROLLBACK");
  EXPECT_TRUE(must(storage->device_authorizations().decide("ABCDEFGH", true, "alice", kNow)));
}

// With one connection lent to a blocked call, another caller gets "busy" after the acquire
// timeout instead of a second connection; once the first call ends, the pool serves again.
TEST(PostgresStorageTest, ThePoolIsBounded) {
  ScratchSchema schema;
  const std::string url = with_url_parameter(schema.url(), "application_name=" + schema.name());
  PostgresOptions options;
  options.max_connections = 1;
  options.acquire_timeout_ms = 100;
  auto storage = must(open_postgres_storage(url, options));
  ASSERT_TRUE(must(storage->device_authorizations().insert(make_authorization("h1", "ABCDEFGH"))));
  auto locker = connect(schema.url());
  exec(locker.get(), "BEGIN");
  exec(locker.get(), "SELECT 1 FROM device_authorizations WHERE user_code = 'ABCDEFGH' FOR UPDATE");
  std::thread blocked([&] {
    EXPECT_TRUE(must(storage->device_authorizations().decide("ABCDEFGH", true, "alice", kNow)));
  });
  // Wait until the pool's one connection is waiting on the lock.
  auto observer = connect(schema.url());
  const std::string waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                              schema.name() + "' AND wait_event_type = 'Lock'";
  while (scalar(observer.get(), waiting) != "1") std::this_thread::yield();
  const auto busy = storage->users().count();
  ASSERT_FALSE(busy.has_value());
  EXPECT_NE(busy.error().error_description.find("busy"), std::string::npos)
      << busy.error().error_description;
  EXPECT_EQ(scalar(observer.get(), "SELECT count(*) FROM pg_stat_activity WHERE "
                                   "application_name = '" + schema.name() + "'"),
            "1");
  exec(locker.get(), "ROLLBACK");
  blocked.join();
  EXPECT_EQ(must(storage->users().count()), 0);
}

// Connections the server ended (as a restart does) are noticed and replaced: the next call works.
TEST(PostgresStorageTest, ConnectionsEndedByTheServerAreReplaced) {
  ScratchSchema schema;
  const std::string url = with_url_parameter(schema.url(), "application_name=" + schema.name());
  auto storage = must(open_storage(url));
  EXPECT_EQ(must(storage->users().count()), 0);
  auto admin = connect(schema.url());
  EXPECT_EQ(scalar(admin.get(), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = '" + schema.name() + "'"),
            "1");
  // pg_terminate_backend returns before the backend has gone: wait until it has.
  while (scalar(admin.get(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                                 schema.name() + "'") != "0")
    std::this_thread::yield();
  EXPECT_EQ(must(storage->users().count()), 0);
  ASSERT_TRUE(must(storage->users().insert({"alice", "$argon2id$x", false, kNow, ""})));
}

// The vocabulary of storage_error.h, in fixed words: the server's message (which can quote a
// value) never reaches an error.
TEST(PostgresStorageTest, SqlstatesMapToTheVocabulary) {
  using postgres::error_for_sqlstate;
  EXPECT_EQ(storage_error_code(error_for_sqlstate("insert client", "23505")),
            StorageErrorCode::kAlreadyExists);
  EXPECT_EQ(storage_error_code(error_for_sqlstate("rotate", "40001")), StorageErrorCode::kConflict);
  EXPECT_EQ(storage_error_code(error_for_sqlstate("rotate", "40P01")), StorageErrorCode::kConflict);
  // Class 22 (data exception) is the caller's value, not the server: a 400-type error.
  for (const char* state : {"22021", "22001", "22P02"}) {
    const Error error = error_for_sqlstate("find client", state);
    EXPECT_EQ(storage_error_code(error), StorageErrorCode::kInvalidValue) << state;
    EXPECT_EQ(error.type, ErrorType::kInvalidRequest) << state;
    EXPECT_NE(error.error_description.find(std::string("SQLSTATE ") + state), std::string::npos);
  }
  for (const char* state : {"57014", "08006", "57P01", "53300", "42P01", "XX000"}) {
    const Error error = error_for_sqlstate("find token", state);
    EXPECT_EQ(storage_error_code(error), StorageErrorCode::kUnavailable) << state;
    EXPECT_EQ(error.type, ErrorType::kInternalServer);
    EXPECT_EQ(error.error_description.rfind("storage: find token: ", 0), 0u)
        << error.error_description;
    EXPECT_NE(error.error_description.find(std::string("SQLSTATE ") + state), std::string::npos);
  }
  EXPECT_NE(error_for_sqlstate("x", "57014").error_description.find("timed out"),
            std::string::npos);
  EXPECT_NE(error_for_sqlstate("x", "57P01").error_description.find("restarting"),
            std::string::npos);
}

// Values never become SQL: a name full of quotes and SQL is stored and found as it is.
TEST(PostgresStorageTest, ValuesAreBoundNeverSpliced) {
  ScratchSchema schema;
  auto storage = must(open_storage(schema.url()));
  const std::string name = "x'); DROP TABLE users; --\"$1";
  ASSERT_TRUE(must(storage->users().insert({name, "$argon2id$x", false, kNow, ""})));
  EXPECT_EQ(must(storage->users().find(name))->name, name);
  EXPECT_EQ(must(storage->users().count()), 1);
}

// A NUL or bytes that are not UTF-8 reaching PostgreSQL (the faces refuse them before): the lookup
// fails as kInvalidValue, the caller's error, and the connection goes on serving.
TEST(PostgresStorageTest, TextThatIsNotUtf8IsTheCallersError) {
  ScratchSchema schema;
  auto storage = must(open_storage(schema.url()));
  for (const std::string& name : {std::string("a\0b", 3), std::string("\xff\xfe"),
                                 std::string("\xc3")}) {
    auto found = storage->users().find(name);
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(storage_error_code(found.error()), StorageErrorCode::kInvalidValue);
    EXPECT_EQ(found.error().type, ErrorType::kInvalidRequest);
  }
  EXPECT_EQ(must(storage->users().count()), 0);
}

}  // namespace
}  // namespace ssooidc::storage
