#include "storage/backend_error.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

// Columns of Sql::kFindClient.
Result<ClientRecord> read_client(const Rows& rows, int row) {
  ClientRecord client;
  client.client_id = rows.text(row, 0);
  client.secret_hash = rows.text(row, 1);
  client.client_name = rows.text(row, 2);
  client.client_type = rows.text(row, 3);
  auto scopes = read_list(rows, row, 4, "find client");
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  client.scopes = std::move(*scopes);
  auto redirect_uris = read_list(rows, row, 5, "find client");
  if (!redirect_uris) return std::unexpected(std::move(redirect_uris.error()));
  client.redirect_uris = std::move(*redirect_uris);
  auto grant_types = read_list(rows, row, 6, "find client");
  if (!grant_types) return std::unexpected(std::move(grant_types.error()));
  client.grant_types = std::move(*grant_types);
  client.issuer_url = rows.text(row, 7);
  client.issued_at = rows.integer(row, 8);
  client.expires_at = rows.integer(row, 9);
  const std::string_view origin = rows.view(row, 10);
  if (origin == "operator") {
    client.origin = ClientOrigin::kOperator;
  } else if (origin != "registered") {
    return std::unexpected(backend_error("find client", "unknown client origin"));
  }
  return client;
}

}  // namespace

Result<std::vector<std::string>> read_list(const Rows& rows, int row, int column,
                                           std::string_view operation) {
  auto list = decode_string_list(rows.view(row, column));
  if (!list) return std::unexpected(backend_error(operation, "stored list is not a JSON array"));
  return std::move(*list);
}

Result<void> PostgresClientStore::insert(const ClientRecord& client) {
  const std::string scopes = encode_string_list(client.scopes);
  const std::string redirect_uris = encode_string_list(client.redirect_uris);
  const std::string grant_types = encode_string_list(client.grant_types);
  Params params;
  params.text(client.client_id)
      .text(client.secret_hash)
      .text(client.client_name)
      .text(client.client_type)
      .text(scopes)
      .text(redirect_uris)
      .text(grant_types)
      .text(client.issuer_url)
      .integer(client.issued_at)
      .integer(client.expires_at)
      .text(client.origin == ClientOrigin::kOperator ? "operator" : "registered");
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
