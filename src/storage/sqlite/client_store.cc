#include <utility>

#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<void> SqliteClientStore::insert(const ClientRecord& client) {
  // RegisterClient: grouped with the other inserts waiting, one fsync for all (group_commit.h).
  auto inserted =
      write_one_grouped(database_, Sql::kInsertClient, bind_record(write_client, client));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

void SqliteClientStore::insert_without_waiting(ClientRecord client, InsertDone done) {
  write_one_grouped_without_waiting(
      database_, Sql::kInsertClient, &write_client, std::move(client),
      [done = std::move(done)](Result<std::int64_t> inserted) mutable {
        if (!inserted) {
          done(std::unexpected(std::move(inserted.error())));
          return;
        }
        done({});
      });
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
  return read_rows<ClientRecord>(database_, Sql::kListOperatorClients, [](Statement&) {},
                                 read_client);
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
