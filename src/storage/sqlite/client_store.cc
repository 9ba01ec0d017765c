#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {
namespace {

// Columns of Sql::kFindClient.
Result<ClientRecord> read_client(Statement& row) {
  ClientRecord client;
  client.client_id = row.column_text(0);
  client.secret_hash = row.column_text(1);
  client.client_name = row.column_text(2);
  client.client_type = row.column_text(3);
  auto scopes = read_list(row, 4);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  client.scopes = std::move(*scopes);
  auto redirect_uris = read_list(row, 5);
  if (!redirect_uris) return std::unexpected(std::move(redirect_uris.error()));
  client.redirect_uris = std::move(*redirect_uris);
  auto grant_types = read_list(row, 6);
  if (!grant_types) return std::unexpected(std::move(grant_types.error()));
  client.grant_types = std::move(*grant_types);
  client.issuer_url = row.column_text(7);
  client.issued_at = row.column_int(8);
  client.expires_at = row.column_int(9);
  const std::string_view origin = row.column_view(10);
  if (origin == "operator") {
    client.origin = ClientOrigin::kOperator;
  } else if (origin != "registered") {
    return std::unexpected(row.error("unknown client origin"));
  }
  return client;
}

}  // namespace

Result<void> SqliteClientStore::insert(const ClientRecord& client) {
  // Encoded up front: bound text must outlive the statement's execution.
  const std::string scopes = encode_string_list(client.scopes);
  const std::string redirect_uris = encode_string_list(client.redirect_uris);
  const std::string grant_types = encode_string_list(client.grant_types);
  // RegisterClient: grouped with the other inserts waiting, one fsync for all (group_commit.h).
  auto inserted = write_one_grouped(database_, Sql::kInsertClient, [&](Statement& statement) {
    statement.bind_text(1, client.client_id)
        .bind_text(2, client.secret_hash)
        .bind_text(3, client.client_name)
        .bind_text(4, client.client_type)
        .bind_text(5, scopes)
        .bind_text(6, redirect_uris)
        .bind_text(7, grant_types)
        .bind_text(8, client.issuer_url)
        .bind_int(9, client.issued_at)
        .bind_int(10, client.expires_at)
        .bind_text(11, client.origin == ClientOrigin::kOperator ? "operator" : "registered");
  });
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<ClientRecord>> SqliteClientStore::find(std::string_view client_id) {
  return find_one<ClientRecord>(database_, Sql::kFindClient, client_id, read_client);
}

Result<std::int64_t> SqliteClientStore::purge_expired(std::int64_t before) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  std::lock_guard write_lock(database_.write_mutex);
  auto transaction = WriteTransaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  for (Sql id : {Sql::kPurgeClientDeviceAuthorizations, Sql::kPurgeClientTokens,
                 Sql::kPurgeClientAuthorizationCodes, Sql::kPurgeClients}) {
    auto statement = connection.statement(id);
    if (!statement) return std::unexpected(std::move(statement.error()));
    statement->bind_int(1, before);
    if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  }
  const std::int64_t purged = connection.changes();  // of the last statement: the clients
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return purged;
}

Result<std::vector<ClientRecord>> SqliteClientStore::list_operator_clients() {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kListOperatorClients);
  if (!statement) return std::unexpected(std::move(statement.error()));
  std::vector<ClientRecord> clients;
  while (true) {
    auto row = statement->step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return clients;
    auto client = read_client(*statement);
    if (!client) return std::unexpected(std::move(client.error()));
    clients.push_back(std::move(*client));
  }
}

Result<bool> SqliteClientStore::remove(std::string_view client_id) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  std::lock_guard write_lock(database_.write_mutex);
  auto transaction = WriteTransaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  for (Sql id : {Sql::kRemoveClientDeviceAuthorizations, Sql::kRemoveClientTokens,
                 Sql::kRemoveClientAuthorizationCodes, Sql::kRemoveClient}) {
    auto statement = connection.statement(id);
    if (!statement) return std::unexpected(std::move(statement.error()));
    statement->bind_text(1, client_id);
    if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  }
  const bool removed = connection.changes() > 0;  // of the last statement: the client
  if (!removed) return false;  // the transaction rolls back: nothing hung off an unknown id
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

}  // namespace ssooidc::storage::sqlite
