#include "storage/postgres/postgres_storage.h"

#include <libpq-fe.h>

#include <string>

#include "storage/backend_error.h"
#include "storage/postgres/migrations.h"
#include "storage/postgres/shared_state_stores.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage {
namespace {

class PostgresStorage final : public Storage {
 public:
  PostgresStorage(std::string url, PostgresOptions options) : database_(std::move(url), options) {}

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

  postgres::Database& database() noexcept { return database_; }

 private:
  postgres::Database database_;
  postgres::PostgresClientStore clients_{database_};
  postgres::PostgresDeviceAuthorizationStore devices_{database_};
  postgres::PostgresTokenStore tokens_{database_};
  postgres::PostgresUserStore users_{database_};
  postgres::PostgresAuthorizationCodeStore codes_{database_};
  postgres::PostgresSigningKeyStore signing_keys_{database_};
  postgres::PostgresAccountStore accounts_{database_};
  postgres::PostgresGroupStore groups_{database_};
  postgres::PostgresAssignmentStore assignments_{database_};
  postgres::PostgresCredentialRecordStore credential_records_{database_};
  postgres::PostgresWebSessionStore web_sessions_{database_};
  postgres::PostgresRateCounterStore rate_counters_{database_};
  postgres::PostgresPollCountStore poll_counts_{database_};
  postgres::PostgresLeaseStore leases_{database_};
  postgres::PostgresRetryGraceStore retry_grace_{database_};
};

struct ConninfoFreer {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

}  // namespace

Result<std::unique_ptr<Storage>> open_postgres_storage(std::string_view url,
                                                       PostgresOptions options) {
  if (options.max_connections == 0)
    return std::unexpected(backend_error("open postgres", "max_connections must be at least 1"));
  auto storage = std::make_unique<PostgresStorage>(std::string(url), options);
  auto connection = storage->database().pool.open_detailed();
  if (!connection) {
    // "storage: connect: <libpq's reason>" becomes "storage: open <what the URL names>: <reason>".
    std::string reason = connection.error().error_description;
    if (const auto colon = reason.find(": connect: "); colon != std::string::npos)
      reason.erase(0, colon + 11);
    return std::unexpected(backend_error("open " + describe_postgres_url(url), reason));
  }
  if (auto migrated = postgres::migrate(**connection); !migrated)
    return std::unexpected(std::move(migrated.error()));
  return storage;
}

std::string describe_postgres_url(std::string_view url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoFreer> parsed(
      PQconninfoParse(std::string(url).c_str(), &error));
  if (error != nullptr) PQfreemem(error);
  if (!parsed) return "PostgreSQL (unparsable URL)";
  std::string host, port, dbname, user;
  for (PQconninfoOption* option = parsed.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "host") host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
    if (keyword == "user") user = option->val;
  }
  std::string text = "PostgreSQL";
  if (!dbname.empty()) text += " database " + dbname;
  text += " on " + (host.empty() ? std::string("the default socket") : host);
  if (!port.empty()) text += ":" + port;
  if (!user.empty()) text += " as " + user;
  return text;
}

}  // namespace ssooidc::storage
