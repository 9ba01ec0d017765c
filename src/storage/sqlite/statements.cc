#include "storage/sqlite/statements.h"

#include <iterator>

namespace ssooidc::storage::sqlite {
namespace {

// The column lists are spelled out so that the readers in the *_store.cc files can take columns by
// position.
constexpr SqlStatement kStatements[] = {
    // Write transactions take the write lock up front, so that they never fail half-way with
    // SQLITE_BUSY on upgrading a read lock.
    {Sql::kBegin, "begin transaction", "BEGIN IMMEDIATE"},
    {Sql::kCommit, "commit", "COMMIT"},
    {Sql::kRollback, "roll back", "ROLLBACK"},
    {Sql::kLatestSchemaVersion, "read schema version",
     "SELECT coalesce(max(version), 0) FROM schema_migrations"},
    {Sql::kRecordMigration, "record migration",
     "INSERT INTO schema_migrations (version, description, applied_at) "
     "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))"},

    {Sql::kInsertClient, "insert client",
     "INSERT INTO clients (client_id, secret_hash, client_name, client_type, scopes, "
     "redirect_uris, grant_types, issuer_url, issued_at, expires_at) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {Sql::kFindClient, "find client",
     "SELECT client_id, secret_hash, client_name, client_type, scopes, redirect_uris, "
     "grant_types, issuer_url, issued_at, expires_at FROM clients WHERE client_id = ?1"},

    // A taken user code is an expected outcome (the caller draws another), not an error.
    {Sql::kInsertDeviceAuthorization, "insert device authorization",
     "INSERT INTO device_authorizations (device_code_hash, user_code, client_id, start_url, "
     "created_at, expires_at, interval_seconds, state, user_name, decided_at, requester_address) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (user_code) DO NOTHING"},
    {Sql::kFindDeviceAuthorizationByHash, "find device authorization",
     "SELECT device_code_hash, user_code, client_id, start_url, created_at, expires_at, "
     "interval_seconds, state, user_name, decided_at, requester_address "
     "FROM device_authorizations WHERE device_code_hash = ?1"},
    {Sql::kFindDeviceAuthorizationByUserCode, "find device authorization by user code",
     "SELECT device_code_hash, user_code, client_id, start_url, created_at, expires_at, "
     "interval_seconds, state, user_name, decided_at, requester_address "
     "FROM device_authorizations WHERE user_code = ?1"},
    // The WHERE is DeviceAuthorizationRecord::awaiting_decision, evaluated atomically.
    {Sql::kDecideDeviceAuthorization, "decide device authorization",
     "UPDATE device_authorizations SET state = ?2, user_name = ?3, decided_at = ?4 "
     "WHERE user_code = ?1 AND state = 'pending' AND expires_at > ?4"},
    {Sql::kRedeemDeviceAuthorization, "redeem device authorization",
     "UPDATE device_authorizations SET state = 'redeemed' "
     "WHERE device_code_hash = ?1 AND client_id = ?2 AND state = 'approved' AND expires_at > ?3"},
    {Sql::kPurgeDeviceAuthorizations, "purge device authorizations",
     "DELETE FROM device_authorizations WHERE expires_at < ?1"},

    {Sql::kInsertToken, "insert token",
     "INSERT INTO tokens (token_hash, kind, family_id, client_id, user_name, scopes, issued_at, "
     "expires_at, used, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {Sql::kFindToken, "find token",
     "SELECT token_hash, kind, family_id, client_id, user_name, scopes, issued_at, expires_at, "
     "used, revoked FROM tokens WHERE token_hash = ?1"},
    {Sql::kMarkRefreshTokenUsed, "rotate refresh token",
     "UPDATE tokens SET used = 1 "
     "WHERE token_hash = ?1 AND kind = 'refresh' AND used = 0 AND revoked = 0"},
    {Sql::kRevokeTokenFamily, "revoke token family",
     "UPDATE tokens SET revoked = 1 WHERE family_id = ?1 AND revoked = 0"},
    {Sql::kPurgeTokens, "purge tokens", "DELETE FROM tokens WHERE expires_at < ?1"},

    {Sql::kInsertUser, "insert user",
     "INSERT INTO users (name, password_hash, disabled, created_at, email) "
     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING"},
    {Sql::kFindUser, "find user",
     "SELECT name, password_hash, disabled, created_at, email FROM users WHERE name = ?1"},
    {Sql::kListUsers, "list users",
     "SELECT name, password_hash, disabled, created_at, email FROM users ORDER BY name"},
    {Sql::kSetUserDisabled, "set user disabled", "UPDATE users SET disabled = ?2 WHERE name = ?1"},
    {Sql::kCountUsers, "count users", "SELECT count(*) FROM users"},

    {Sql::kInsertAuthorizationCode, "insert authorization code",
     "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, code_challenge, "
     "scopes, user_name, auth_time, created_at, expires_at, used, family_id) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
    {Sql::kFindAuthorizationCode, "find authorization code",
     "SELECT code_hash, client_id, redirect_uri, code_challenge, scopes, user_name, auth_time, "
     "created_at, expires_at, used, family_id FROM authorization_codes WHERE code_hash = ?1"},
    {Sql::kRedeemAuthorizationCode, "redeem authorization code",
     "UPDATE authorization_codes SET used = 1 "
     "WHERE code_hash = ?1 AND client_id = ?2 AND used = 0 AND expires_at > ?3"},
    {Sql::kPurgeAuthorizationCodes, "purge authorization codes",
     "DELETE FROM authorization_codes WHERE expires_at < ?1"},
    {Sql::kInsertSigningKey, "insert signing key",
     "INSERT INTO signing_keys (kid, private_pem, created_at, retire_after, publish_until) "
     "VALUES (?1, ?2, ?3, ?4, ?5)"},
    {Sql::kListSigningKeys, "list signing keys",
     "SELECT kid, private_pem, created_at, retire_after, publish_until FROM signing_keys "
     "ORDER BY created_at, kid"},
    {Sql::kPurgeSigningKeys, "purge signing keys",
     "DELETE FROM signing_keys WHERE retire_after < ?1 AND publish_until < ?2"},
};
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(kStatements); ++i) {
    if (static_cast<std::size_t>(kStatements[i].id) != i) return false;
  }
  return true;
}
static_assert(std::size(kStatements) == kSqlCount, "one entry per Sql");
static_assert(in_enum_order(), "entries in the order of enum Sql");

}  // namespace

const SqlStatement& sql_statement(Sql id) noexcept {
  return kStatements[static_cast<std::size_t>(id)];
}

}  // namespace ssooidc::storage::sqlite
