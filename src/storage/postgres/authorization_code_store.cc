#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

// Columns of Sql::kFindAuthorizationCode.
Result<AuthorizationCodeRecord> read_code(const Rows& rows, int row) {
  AuthorizationCodeRecord code;
  code.code_hash = rows.text(row, 0);
  code.client_id = rows.text(row, 1);
  code.redirect_uri = rows.text(row, 2);
  code.code_challenge = rows.text(row, 3);
  auto scopes = read_list(rows, row, 4, "find authorization code");
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  code.scopes = std::move(*scopes);
  code.user_name = rows.text(row, 5);
  code.auth_time = rows.integer(row, 6);
  code.created_at = rows.integer(row, 7);
  code.expires_at = rows.integer(row, 8);
  code.used = rows.integer(row, 9) != 0;
  code.family_id = rows.text(row, 10);
  code.nonce = rows.text(row, 11);
  return code;
}

}  // namespace

Result<void> PostgresAuthorizationCodeStore::insert(const AuthorizationCodeRecord& code) {
  const std::string scopes = encode_string_list(code.scopes);
  Params params;
  params.text(code.code_hash)
      .text(code.client_id)
      .text(code.redirect_uri)
      .text(code.code_challenge)
      .text(scopes)
      .text(code.user_name)
      .integer(code.auth_time)
      .integer(code.created_at)
      .integer(code.expires_at)
      .boolean(code.used)
      .text(code.family_id)
      .text(code.nonce);
  auto inserted = write(database_, Sql::kInsertAuthorizationCode, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<AuthorizationCodeRecord>> PostgresAuthorizationCodeStore::find(
    std::string_view code_hash) {
  Params params;
  params.text(code_hash);
  return read_first<AuthorizationCodeRecord>(database_, Sql::kFindAuthorizationCode, params,
                                             read_code);
}

Result<bool> PostgresAuthorizationCodeStore::redeem(std::string_view code_hash,
                                                    std::string_view client_id, std::int64_t now,
                                                    const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemAuthorizationCode, code_hash, client_id,
                                  now, tokens);
}

Result<std::int64_t> PostgresAuthorizationCodeStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeAuthorizationCodes, params);
}

}  // namespace ssooidc::storage::postgres
