#include "storage/sqlite/sqlite_storage.h"

#include <filesystem>
#include <string>
#include <system_error>

#include "storage/backend_error.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/portal_stores.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage {
namespace {

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(std::string path, SqliteOptions options)
      : database_(std::move(path), std::move(options)) {}

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
};

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
