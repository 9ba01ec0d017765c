#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<void> PostgresAuthorizationCodeStore::insert(const AuthorizationCodeRecord& code) {
  Params params;
  write_authorization_code(code, params);
  auto inserted = write(database_, Sql::kInsertAuthorizationCode, params);
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return {};
}

Result<std::optional<AuthorizationCodeRecord>> PostgresAuthorizationCodeStore::find(
    std::string_view code_hash) {
  Params params;
  params.text(code_hash);
  return read_first<AuthorizationCodeRecord>(database_, Sql::kFindAuthorizationCode, params,
                                             read_authorization_code);
}

Result<bool> PostgresAuthorizationCodeStore::redeem(std::string_view code_hash,
                                                    std::string_view client_id, std::int64_t now,
                                                    const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemAuthorizationCode, code_hash, client_id,
                                  now, tokens, nullptr);
}

Result<std::int64_t> PostgresAuthorizationCodeStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeAuthorizationCodes, params);
}

}  // namespace ssooidc::storage::postgres
