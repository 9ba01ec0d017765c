#include "storage/issued_rows.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<void> insert_tokens(Connection& connection, const std::vector<TokenRecord>& tokens) {
  for (const auto& token : tokens) {
    Params params;
    write_token(token, params);
    if (auto ran = connection.execute(Sql::kInsertToken, params); !ran)
      return std::unexpected(std::move(ran.error()));
  }
  return {};
}

Result<bool> redeem_and_insert_tokens(Database& database, Sql redeem, std::string_view hash,
                                      std::string_view client_id, std::int64_t now,
                                      const std::vector<TokenRecord>& tokens,
                                      const RetryGraceEntry* remember) {
  auto lease = database.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  Params params;
  params.text(hash).text(client_id).integer(now);
  auto won = connection.execute(redeem, params);
  if (!won) return std::unexpected(std::move(won.error()));
  if (won->empty()) return false;  // the transaction rolls back, having done nothing
  if (auto inserted = storage::insert_issued(connection, tokens, remember); !inserted)
    return std::unexpected(std::move(inserted.error()));
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

Result<void> PostgresTokenStore::insert(const std::vector<TokenRecord>& tokens) {
  if (tokens.empty()) return {};
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto transaction = Transaction::begin(**lease);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  if (auto inserted = insert_tokens(**lease, tokens); !inserted) return inserted;
  return transaction->commit();
}

Result<std::optional<TokenRecord>> PostgresTokenStore::find(std::string_view token_hash) {
  Params params;
  params.text(token_hash);
  return read_first<TokenRecord>(database_, Sql::kFindToken, params, read_token);
}

Result<bool> PostgresTokenStore::rotate(std::string_view old_hash,
                                        const std::vector<TokenRecord>& replacements,
                                        const RetryGraceEntry* remember) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  Connection& connection = **lease;
  auto transaction = Transaction::begin(connection);
  if (!transaction) return std::unexpected(std::move(transaction.error()));
  // Marks used only a refresh token that is neither used nor revoked: of concurrent rotations
  // of one token, on any replica, exactly one gets the row back.
  Params params;
  params.text(old_hash);
  auto won = connection.execute(Sql::kMarkRefreshTokenUsed, params);
  if (!won) return std::unexpected(std::move(won.error()));
  if (won->empty()) return false;  // rolls back, having done nothing
  if (auto inserted = storage::insert_issued(connection, replacements, remember); !inserted)
    return std::unexpected(std::move(inserted.error()));
  if (auto committed = transaction->commit(); !committed)
    return std::unexpected(std::move(committed.error()));
  return true;
}

Result<std::optional<std::int64_t>> PostgresTokenStore::family_expires_at(
    std::string_view family_id) {
  Params params;
  params.text(family_id);
  auto rows = run(database_, Sql::kFamilyExpiresAt, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  // max() over no rows is one NULL row.
  if (rows->empty() || rows->is_null(0, 0)) return std::nullopt;
  return std::optional<std::int64_t>(rows->integer(0, 0));
}

Result<std::int64_t> PostgresTokenStore::revoke_family(std::string_view family_id) {
  Params params;
  params.text(family_id);
  return write(database_, Sql::kRevokeTokenFamily, params);
}

Result<std::int64_t> PostgresTokenStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeTokens, params);
}

}  // namespace ssooidc::storage::postgres
