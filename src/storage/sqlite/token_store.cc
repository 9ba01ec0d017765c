#include "storage/issued_rows.h"
#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<void> insert_tokens(Connection& connection, const std::vector<TokenRecord>& tokens) {
  for (const auto& token : tokens) {
    auto statement = connection.statement(Sql::kInsertToken);
    if (!statement) return std::unexpected(std::move(statement.error()));
    StatementParams params(*statement);
    write_token(token, params);
    if (auto ran = statement->run(); !ran) return ran;
  }
  return {};
}

namespace {

// One redemption's work in its savepoint of the batch: the conditional UPDATE `redeem` (?1 the
// hash; unless `rotation`, ?2 client_id and ?3 now), then, when it changed exactly one row, the
// tokens and the retry-grace entry. false: no row qualified, and the writer rolls back to the
// savepoint, so nothing of it is kept.
Result<bool> run_redemption(Connection& connection, Sql redeem, bool rotation,
                            std::string_view hash, std::string_view client_id, std::int64_t now,
                            const std::vector<TokenRecord>& tokens,
                            const RetryGraceEntry* remember) {
  auto statement = connection.statement(redeem);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_text(1, hash);
  if (!rotation) statement->bind_text(2, client_id).bind_int(3, now);
  if (auto ran = statement->run(); !ran) return std::unexpected(std::move(ran.error()));
  if (connection.changes() != 1) return false;
  if (auto inserted = storage::insert_issued(connection, tokens, remember); !inserted) {
    return std::unexpected(std::move(inserted.error()));
  }
  return true;
}

Result<bool> redeem_grouped(Database& database, Sql redeem, bool rotation, std::string_view hash,
                            std::string_view client_id, std::int64_t now,
                            const std::vector<TokenRecord>& tokens,
                            const RetryGraceEntry* remember) {
  auto work = [&](Connection& connection) -> Result<bool> {
    return run_redemption(connection, redeem, rotation, hash, client_id, now, tokens, remember);
  };
  return database.group_commit.write_isolated(sql_statement(redeem).operation, work);
}

}  // namespace

// Issuance is grouped with the other writes waiting at that moment (issue 15): one transaction and
// one fsync for the batch, each redemption in a savepoint of its own (group_commit.h).
Result<bool> redeem_and_insert_tokens(Database& database, Sql redeem, std::string_view hash,
                                      std::string_view client_id, std::int64_t now,
                                      const std::vector<TokenRecord>& tokens,
                                      const RetryGraceEntry* remember) {
  return redeem_grouped(database, redeem, false, hash, client_id, now, tokens, remember);
}

void redeem_grouped_without_waiting(Database& database, Sql redeem, Redemption redemption,
                                    RedeemDone done) {
  const bool rotation = redeem == Sql::kMarkRefreshTokenUsed;
  database.group_commit.write_without_waiting(
      sql_statement(redeem).operation, true,
      [redeem, rotation, redemption = std::move(redemption)](
          Connection& connection) -> Result<std::int64_t> {
        auto kept = run_redemption(connection, redeem, rotation, redemption.hash,
                                   redemption.client_id, redemption.now, redemption.tokens,
                                   redemption.remember ? &*redemption.remember : nullptr);
        if (!kept) return std::unexpected(std::move(kept.error()));
        return *kept ? 1 : 0;
      },
      [done = std::move(done)](Result<std::int64_t> outcome) mutable {
        if (!outcome) {
          done(std::unexpected(std::move(outcome.error())));
          return;
        }
        done(*outcome == 1);
      });
}

Result<void> SqliteTokenStore::insert(const std::vector<TokenRecord>& tokens) {
  auto work = [&](Connection& connection) -> Result<bool> {
    if (auto inserted = insert_tokens(connection, tokens); !inserted) {
      return std::unexpected(std::move(inserted.error()));
    }
    return true;
  };
  auto inserted = database_.group_commit.write_isolated("insert token", work);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<TokenRecord>> SqliteTokenStore::find(std::string_view token_hash) {
  return find_one<TokenRecord>(database_, Sql::kFindToken, token_hash, read_token);
}

Result<bool> SqliteTokenStore::rotate(std::string_view old_hash,
                                      const std::vector<TokenRecord>& replacements,
                                      const RetryGraceEntry* remember) {
  // Marks used only a refresh token that is neither used nor revoked: exactly one of two
  // concurrent rotations of the same token changes the row. Grouped like the redemptions above.
  return redeem_grouped(database_, Sql::kMarkRefreshTokenUsed, true, old_hash, {}, 0,
                        replacements, remember);
}

void SqliteTokenStore::rotate_without_waiting(Redemption redemption, RedeemDone done) {
  redeem_grouped_without_waiting(database_, Sql::kMarkRefreshTokenUsed, std::move(redemption),
                                 std::move(done));
}

Result<std::optional<std::int64_t>> SqliteTokenStore::family_expires_at(
    std::string_view family_id) {
  auto lease = database_.pool.acquire();
  if (!lease) return std::unexpected(std::move(lease.error()));
  auto statement = (*lease)->statement(Sql::kFamilyExpiresAt);
  if (!statement) return std::unexpected(std::move(statement.error()));
  statement->bind_text(1, family_id);
  auto row = statement->step();
  if (!row) return std::unexpected(std::move(row.error()));
  // Column 0 says whether the family has any unrevoked token (max() of no rows is NULL).
  if (!*row || statement->column_int(0) == 0) return std::nullopt;
  return std::optional<std::int64_t>(statement->column_int(1));
}

Result<std::int64_t> SqliteTokenStore::revoke_family(std::string_view family_id) {
  return write_one(database_, Sql::kRevokeTokenFamily,
                   [&](Statement& statement) { statement.bind_text(1, family_id); });
}

Result<std::int64_t> SqliteTokenStore::purge_expired(std::int64_t before) {
  return write_one(database_, Sql::kPurgeTokens,
                   [&](Statement& statement) { statement.bind_int(1, before); });
}

}  // namespace ssooidc::storage::sqlite
