#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<void> PostgresClientStore::insert(const ClientRecord& client) {
  Params params;
  write_client(client, params);
  auto inserted = write(database_, Sql::kInsertClient, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<ClientRecord>> PostgresClientStore::find(std::string_view client_id) {
  Params params;
  params.text(client_id);
  return read_first<ClientRecord>(database_, Sql::kFindClient, params, read_client);
}

Result<std::vector<ClientRecord>> PostgresClientStore::list_operator_clients() {
  return read_all<ClientRecord>(database_, Sql::kListOperatorClients, Params{}, read_client);
}

Result<bool> PostgresClientStore::remove(std::string_view client_id) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  Params params;
  params.text(client_id);
  std::int64_t removed = 0;
  for (Sql id : {Sql::kRemoveClientDeviceAuthorizations, Sql::kRemoveClientTokens,
                 Sql::kRemoveClientAuthorizationCodes, Sql::kRemoveClient}) {
    auto rows = connection.execute(id, params);
    if (!rows) return std::unexpected(std::move(rows.error()));
    removed = rows->changed();  // of the last statement: the client
  }
  if (removed == 0) return false;  // rolls back: nothing hung off an unknown id
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

Result<std::int64_t> PostgresClientStore::purge_expired(std::int64_t before) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  Params params;
  params.integer(before);
  std::int64_t purged = 0;
  // Dependents first, the registrations last: their count is the answer.
  for (Sql id : {Sql::kPurgeClientDeviceAuthorizations, Sql::kPurgeClientTokens,
                 Sql::kPurgeClientAuthorizationCodes, Sql::kPurgeClients}) {
    auto rows = connection.execute(id, params);
    if (!rows) return std::unexpected(std::move(rows.error()));
    purged = rows->changed();
  }
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return purged;
}

}  // namespace ssooidc::storage::postgres
