// scale_pending: loads many pending device authorizations straight into a SQLite database, for
// bench/scale_pending.sh (issue 15 item 4). Creating them over HTTP would take hours.
//
//   scale_pending DATABASE CLIENT_ID COUNT EXPIRES_AT [PREFIX]
//
// Brings DATABASE to this build's schema through the storage library (open_sqlite_storage), then
// inserts COUNT pending authorizations of CLIENT_ID whose device codes are PREFIX followed by the
// index in ten digits (PREFIX0000000000, PREFIX0000000001, ...; PREFIX defaults to "scale-"), so
// that a benchmark can poll random ones, each with a distinct user code and EXPIRES_AT as expiry,
// and a poll interval of 0, as the benchmark's servers give their own (--poll-interval 0): a poll
// is then the lookup of a pending code, without the slow_down bookkeeping of each code's polls
// (until session 8 the rows said 1 s, so that every first poll of a code was also reported to
// the shared poll count, which the 10,000 server's repeated polls mostly were not).
// Rows are stored as the backend stores them (device_authorization_store.cc, migration 8): the
// device code as the 32 bytes of its SHA-256 (what SQL's ssooidc_hash_key makes of its hex).
// A loader, not the server: one transaction, one prepared statement, no journal and no sync
// during the load (a crashed load is simply run again; the file goes back to WAL at the end), the
// rows sorted by device code hash and given increasing user codes, so that every B-tree (the
// table by rowid, the two unique indexes, expiry and client with a single key each) is appended
// to. The schema is the migrations' own: nothing is dropped or created. Prints the rows, seconds
// and the file's size.
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "storage/sqlite/sqlite_storage.h"

namespace {

constexpr char kUserCodeAlphabet[] = "BCDFGHJKLMNPQRSTVWXZ";  // RFC 8628 6.1 base 20

int fail(sqlite3* db, const char* what) {
  std::fprintf(stderr, "scale_pending: %s: %s\n", what, db != nullptr ? sqlite3_errmsg(db) : "?");
  return 1;
}

bool exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string device_code(const std::string& prefix, std::uint64_t index) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(index));
  return prefix + digits;
}

// The rank-th user code in base 20: distinct for every rank below 20^8 (2.56e10).
std::string user_code(std::uint64_t rank) {
  std::string code(8, 'B');
  for (int i = 7; i >= 0; --i) {
    code[static_cast<std::size_t>(i)] = kUserCodeAlphabet[rank % 20];
    rank /= 20;
  }
  return code;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::fprintf(stderr, "usage: scale_pending DATABASE CLIENT_ID COUNT EXPIRES_AT [PREFIX]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string client_id = argv[2];
  const std::uint64_t count = std::strtoull(argv[3], nullptr, 10);
  const std::int64_t expires_at = std::strtoll(argv[4], nullptr, 10);
  const std::string prefix = argc == 6 ? argv[5] : "scale-";
  const auto started = std::chrono::steady_clock::now();

  {
    auto storage = ssooidc::storage::open_sqlite_storage(path);
    if (!storage) {
      std::fprintf(stderr, "scale_pending: %s\n", storage.error().error_description.c_str());
      return 1;
    }
  }

  // The hashes, sorted: the device code index is then appended to, and the rowids and user
  // codes are handed out in the same order.
  std::vector<std::array<unsigned char, 32>> hashes(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string hash = ssooidc::crypto::sha256(device_code(prefix, i));
    std::memcpy(hashes[i].data(), hash.data(), hashes[i].size());
  }
  std::sort(hashes.begin(), hashes.end());
  std::fprintf(stderr, "scale_pending: %llu hashes in %.1f s\n",
               static_cast<unsigned long long>(count), seconds_since(started));

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return fail(db, "open");
  // journal_mode answers with a row, which sqlite3_exec ignores; OFF leaves WAL (no other
  // connection is open) and writes every page once, to the file itself.
  if (!exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                "PRAGMA cache_size = -262144; BEGIN IMMEDIATE"))
    return fail(db, "begin");
  // The user codes continue after those already in the file (a second load of another prefix).
  std::uint64_t first_rank = 0;
  {
    sqlite3_stmt* counted = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM device_authorizations", -1, &counted,
                           nullptr) != SQLITE_OK ||
        sqlite3_step(counted) != SQLITE_ROW)
      return fail(db, "count");
    first_rank = static_cast<std::uint64_t>(sqlite3_column_int64(counted, 0)) * 7 + 1'000'000'007;
    sqlite3_finalize(counted);
  }
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(
          db,
          "INSERT INTO device_authorizations (device_code_hash, user_code, client_id, start_url, "
          "created_at, expires_at, interval_seconds, state, user_name, decided_at, "
          "requester_address, scopes) VALUES (?1, ?2, ?3, 'https://d-0000000000.awsapps.com/start', "
          "?4, ?5, 0, 'pending', '', 0, '127.0.0.1', '[]')",
          -1, &insert, nullptr) != SQLITE_OK)
    return fail(db, "prepare");
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string code = user_code(first_rank + i * 7);  // spread over the code space
    sqlite3_bind_blob(insert, 1, hashes[i].data(), static_cast<int>(hashes[i].size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, code.data(), 8, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, client_id.data(), static_cast<int>(client_id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(insert, 4, expires_at - 600);
    sqlite3_bind_int64(insert, 5, expires_at);
    if (sqlite3_step(insert) != SQLITE_DONE) return fail(db, "insert");
    sqlite3_reset(insert);
    if ((i + 1) % 1'000'000 == 0) {
      std::fprintf(stderr, "scale_pending: %llu rows in %.1f s\n",
                   static_cast<unsigned long long>(i + 1), seconds_since(started));
    }
  }
  sqlite3_finalize(insert);
  if (!exec(db, "COMMIT; PRAGMA journal_mode = WAL")) return fail(db, "commit");
  sqlite3_close_v2(db);

  const double seconds = seconds_since(started);
  const auto bytes = std::filesystem::file_size(path);
  std::printf("loaded %llu rows in %.1f s; %s is %llu bytes\n",
              static_cast<unsigned long long>(count), seconds, path.c_str(),
              static_cast<unsigned long long>(bytes));
  return 0;
}
