#include <optional>

#include "storage/backend_error.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

std::string_view kind_name(TokenKind kind) noexcept {
  return kind == TokenKind::kRefresh ? "refresh" : "access";
}

std::optional<TokenKind> parse_kind(std::string_view name) noexcept {
  if (name == "access") return TokenKind::kAccess;
  if (name == "refresh") return TokenKind::kRefresh;
  return std::nullopt;
}

// Columns of Sql::kFindToken.
Result<TokenRecord> read_token(const Rows& rows, int row) {
  TokenRecord token;
  token.token_hash = rows.text(row, 0);
  const auto kind = parse_kind(rows.view(row, 1));
  if (!kind) return std::unexpected(backend_error("find token", "unknown token kind"));
  token.kind = *kind;
  token.family_id = rows.text(row, 2);
  token.client_id = rows.text(row, 3);
  token.user_name = rows.text(row, 4);
  auto scopes = read_list(rows, row, 5, "find token");
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  token.scopes = std::move(*scopes);
  token.issued_at = rows.integer(row, 6);
  token.expires_at = rows.integer(row, 7);
  token.used = rows.integer(row, 8) != 0;
  token.revoked = rows.integer(row, 9) != 0;
  return token;
}

}  // namespace

Result<void> insert_tokens(Connection& connection, const std::vector<TokenRecord>& tokens) {
  for (const auto& token : tokens) {
    const std::string scopes = encode_string_list(token.scopes);
    Params params;
    params.text(token.token_hash)
        .text(kind_name(token.kind))
        .text(token.family_id)
        .text(token.client_id)
        .text(token.user_name)
        .text(scopes)
        .integer(token.issued_at)
        .integer(token.expires_at)
        .boolean(token.used)
        .boolean(token.revoked);
    if (auto ran = connection.execute(Sql::kInsertToken, params); !ran)
      return std::unexpected(std::move(ran.error()));
  }
  return {};
}

Result<bool> redeem_and_insert_tokens(Database& database, Sql redeem, std::string_view hash,
                                      std::string_view client_id, std::int64_t now,
                                      const std::vector<TokenRecord>& tokens) {
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
  if (auto inserted = insert_tokens(connection, tokens); !inserted)
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
                                        const std::vector<TokenRecord>& replacements) {
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
  if (auto inserted = insert_tokens(connection, replacements); !inserted)
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
