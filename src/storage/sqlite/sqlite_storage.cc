#include "storage/sqlite/sqlite_storage.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "storage/backend_error.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/portal_stores.h"
#include "storage/sqlite/shared_state_stores.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage {
namespace {

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(const std::string& path, SqliteOptions options)
      : database_(path, std::move(options)) {}

  ClientStore& clients() override { return clients_; }
  DeviceAuthorizationStore& device_authorizations() override { return devices_; }
  TokenStore& tokens() override { return tokens_; }
  UserStore& users() override { return users_; }
  AuthorizationCodeStore& authorization_codes() override { return codes_; }
  SigningKeyStore& signing_keys() override { return signing_keys_; }
  AccountStore& accounts() override { return accounts_; }
  GroupStore& groups() override { return groups_; }
  AssignmentStore& assignments() override { return assignments_; }
  CredentialRecordStore& credential_records() override { return credential_records_; }
  WebSessionStore& web_sessions() override { return web_sessions_; }
  RateCounterStore& rate_counters() override { return rate_counters_; }
  PollCountStore& poll_counts() override { return poll_counts_; }
  LeaseStore& leases() override { return leases_; }
  RetryGraceStore& retry_grace() override { return retry_grace_; }

  sqlite::Database& database() noexcept { return database_; }

 private:
  sqlite::Database database_;
  sqlite::SqliteClientStore clients_{database_};
  sqlite::SqliteDeviceAuthorizationStore devices_{database_};
  sqlite::SqliteTokenStore tokens_{database_};
  sqlite::SqliteUserStore users_{database_};
  sqlite::SqliteAuthorizationCodeStore codes_{database_};
  sqlite::SqliteSigningKeyStore signing_keys_{database_};
  sqlite::SqliteAccountStore accounts_{database_};
  sqlite::SqliteGroupStore groups_{database_};
  sqlite::SqliteAssignmentStore assignments_{database_};
  sqlite::SqliteCredentialRecordStore credential_records_{database_};
  sqlite::SqliteWebSessionStore web_sessions_{database_};
  sqlite::SqliteRateCounterStore rate_counters_{database_};
  sqlite::SqlitePollCountStore poll_counts_{database_};
  sqlite::SqliteLeaseStore leases_{database_};
  sqlite::SqliteRetryGraceStore retry_grace_{database_};
};

// The file holds password and secret hashes, and SQLite gives its -wal and -shm files the main
// file's permissions: an existing file readable by group or others is tightened to owner-only
// before it is opened (issue 11 item 9), or refused when that is not possible.
Result<void> make_private(const std::string& file, const std::string& operation) {
  for (const std::string& path : {file, file + "-wal", file + "-shm", file + "-journal"}) {
    struct stat info{};
    if (::stat(path.c_str(), &info) != 0) continue;  // not there (yet): created private
    const mode_t loose = info.st_mode & (S_IRWXG | S_IRWXO);
    if (loose == 0) continue;
    if (::chmod(path.c_str(), info.st_mode & S_IRWXU) != 0) {
      return std::unexpected(backend_error(
          operation, path + " is readable or writable by others (mode " +
                         std::to_string((info.st_mode & 0777) >> 6) +
                         std::to_string(((info.st_mode & 0777) >> 3) & 7) +
                         std::to_string(info.st_mode & 7) +
                         ") and cannot be made private: " + std::strerror(errno) +
                         "; run chmod 600 on it as its owner"));
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Storage>> open_sqlite_storage(std::string_view path, SqliteOptions options) {
  const std::string file(path);
  const std::string operation = "open sqlite:" + file;
  if (file.empty()) return std::unexpected(backend_error("open sqlite", "the path is empty"));
  // Each pooled connection would get a database of its own.
  if (file == ":memory:" || file.starts_with("file:")) {
    return std::unexpected(
        backend_error(operation, "in-memory and URI file names are not supported; use memory:"));
  }
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return std::unexpected(
          backend_error(operation, "cannot create " + parent.string() + ": " + error.message()));
    }
  }

  if (auto made_private = make_private(file, operation); !made_private)
    return std::unexpected(std::move(made_private.error()));

  auto storage = std::make_unique<SqliteStorage>(file, std::move(options));
  {
    auto connection = storage->database().pool.acquire();
    if (!connection) return std::unexpected(std::move(connection.error()));
    std::lock_guard write_lock(storage->database().write_mutex);
    if (auto migrated = sqlite::migrate(**connection); !migrated) {
      return std::unexpected(std::move(migrated.error()));
    }
  }
  return storage;
}

}  // namespace ssooidc::storage
