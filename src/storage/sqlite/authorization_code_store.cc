#include <optional>

#include "storage/sqlite/query.h"
#include "storage/sqlite/stores.h"

namespace ssooidc::storage::sqlite {
namespace {

// Columns of Sql::kFindAuthorizationCode.
Result<AuthorizationCodeRecord> read_code(Statement& row) {
  AuthorizationCodeRecord code;
  code.code_hash = row.column_text(0);
  code.client_id = row.column_text(1);
  code.redirect_uri = row.column_text(2);
  code.code_challenge = row.column_text(3);
  auto scopes = read_list(row, 4);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  code.scopes = std::move(*scopes);
  code.user_name = row.column_text(5);
  code.auth_time = row.column_int(6);
  code.created_at = row.column_int(7);
  code.expires_at = row.column_int(8);
  code.used = row.column_int(9) != 0;
  code.family_id = row.column_text(10);
  code.nonce = row.column_text(11);
  return code;
}

}  // namespace

Result<void> SqliteAuthorizationCodeStore::insert(const AuthorizationCodeRecord& code) {
  const std::string scopes = encode_string_list(code.scopes);
  auto inserted = write_one(database_, Sql::kInsertAuthorizationCode, [&](Statement& statement) {
    statement.bind_text(1, code.code_hash)
        .bind_text(2, code.client_id)
        .bind_text(3, code.redirect_uri)
        .bind_text(4, code.code_challenge)
        .bind_text(5, scopes)
        .bind_text(6, code.user_name)
        .bind_int(7, code.auth_time)
        .bind_int(8, code.created_at)
        .bind_int(9, code.expires_at)
        .bind_int(10, code.used ? 1 : 0)
        .bind_text(11, code.family_id)
        .bind_text(12, code.nonce);
  });
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<AuthorizationCodeRecord>> SqliteAuthorizationCodeStore::find(
    std::string_view code_hash) {
  return find_one<AuthorizationCodeRecord>(database_, Sql::kFindAuthorizationCode, code_hash,
                                           read_code);
}

Result<bool> SqliteAuthorizationCodeStore::redeem(std::string_view code_hash,
                                                  std::string_view client_id, std::int64_t now,
                                                  const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemAuthorizationCode, code_hash, client_id,
                                  now, tokens);
}

Result<std::int64_t> SqliteAuthorizationCodeStore::purge_expired(std::int64_t before) {
  return write_one(database_, Sql::kPurgeAuthorizationCodes,
                   [&](Statement& statement) { statement.bind_int(1, before); });
}

}  // namespace ssooidc::storage::sqlite
