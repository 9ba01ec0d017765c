#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {

Result<void> SqliteAuthorizationCodeStore::insert(const AuthorizationCodeRecord& code) {
  auto inserted = write_one(database_, Sql::kInsertAuthorizationCode,
                            bind_record(write_authorization_code, code));
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<AuthorizationCodeRecord>> SqliteAuthorizationCodeStore::find(
    std::string_view code_hash) {
  return find_one<AuthorizationCodeRecord>(database_, Sql::kFindAuthorizationCode, code_hash,
                                           read_authorization_code);
}

Result<bool> SqliteAuthorizationCodeStore::redeem(std::string_view code_hash,
                                                  std::string_view client_id, std::int64_t now,
                                                  const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemAuthorizationCode, code_hash, client_id,
                                  now, tokens, nullptr);
}

void SqliteAuthorizationCodeStore::redeem_without_waiting(Redemption redemption,
                                                          RedeemDone done) {
  redemption.remember.reset();  // a code has no retry-grace entry (storage.h)
  redeem_grouped_without_waiting(database_, Sql::kRedeemAuthorizationCode, std::move(redemption),
                                 std::move(done));
}

Result<std::int64_t> SqliteAuthorizationCodeStore::purge_expired(std::int64_t before) {
  return write_one(database_, Sql::kPurgeAuthorizationCodes,
                   [&](Statement& statement) { statement.bind_int(1, before); });
}

}  // namespace ssooidc::storage::sqlite
