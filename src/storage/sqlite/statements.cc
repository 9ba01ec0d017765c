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
    // One item of a group commit's batch (group_commit.h): rolled back alone when it fails.
    {Sql::kSavepoint, "begin savepoint", "SAVEPOINT item"},
    {Sql::kReleaseSavepoint, "release savepoint", "RELEASE item"},
    {Sql::kRollbackToSavepoint, "roll back to savepoint", "ROLLBACK TO item"},
    {Sql::kLatestSchemaVersion, "read schema version",
     "SELECT coalesce(max(version), 0) FROM schema_migrations"},
    {Sql::kRecordMigration, "record migration",
     "INSERT INTO schema_migrations (version, description, applied_at) "
     "VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))"},

    {Sql::kInsertClient, "insert client",
     "INSERT INTO clients (client_id, secret_hash, client_name, client_type, scopes, "
     "redirect_uris, grant_types, issuer_url, issued_at, expires_at, origin) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
    {Sql::kFindClient, "find client",
     "SELECT client_id, secret_hash, client_name, client_type, scopes, redirect_uris, "
     "grant_types, issuer_url, issued_at, expires_at, origin FROM clients WHERE client_id = ?1"},
    {Sql::kListOperatorClients, "list operator clients",
     "SELECT client_id, secret_hash, client_name, client_type, scopes, redirect_uris, "
     "grant_types, issuer_url, issued_at, expires_at, origin FROM clients "
     "WHERE origin = 'operator' ORDER BY client_id"},
    // Removing a client takes what hangs off it, in one transaction, dependents first.
    {Sql::kRemoveClientDeviceAuthorizations, "remove device authorizations of client",
     "DELETE FROM device_authorizations WHERE client_id = ?1"},
    {Sql::kRemoveClientTokens, "remove tokens of client", "DELETE FROM tokens WHERE client_id = ?1"},
    {Sql::kRemoveClientAuthorizationCodes, "remove authorization codes of client",
     "DELETE FROM authorization_codes WHERE client_id = ?1"},
    {Sql::kRemoveClient, "remove client", "DELETE FROM clients WHERE client_id = ?1"},
    // Purging a registration takes what hangs off it, in one transaction, dependents first.
    {Sql::kPurgeClientDeviceAuthorizations, "purge device authorizations of expired clients",
     "DELETE FROM device_authorizations WHERE client_id IN "
     "(SELECT client_id FROM clients WHERE expires_at < ?1)"},
    {Sql::kPurgeClientTokens, "purge tokens of expired clients",
     "DELETE FROM tokens WHERE client_id IN (SELECT client_id FROM clients WHERE expires_at < ?1)"},
    {Sql::kPurgeClientAuthorizationCodes, "purge authorization codes of expired clients",
     "DELETE FROM authorization_codes WHERE client_id IN "
     "(SELECT client_id FROM clients WHERE expires_at < ?1)"},
    {Sql::kPurgeClients, "purge clients", "DELETE FROM clients WHERE expires_at < ?1"},

    // A taken user code is an expected outcome (the caller draws another), not an error.
    // A device code hash is stored as ssooidc_hash_key gives it (its 32 bytes, migration 8) and
    // read back with ssooidc_hash_text (connection.cc).
    {Sql::kInsertDeviceAuthorization, "insert device authorization",
     "INSERT INTO device_authorizations (device_code_hash, user_code, client_id, start_url, "
     "created_at, expires_at, interval_seconds, state, user_name, decided_at, requester_address, "
     "scopes) "
     "VALUES (ssooidc_hash_key(?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
     "ON CONFLICT (user_code) DO NOTHING"},
    {Sql::kFindDeviceAuthorizationByHash, "find device authorization",
     "SELECT ssooidc_hash_text(device_code_hash), user_code, client_id, start_url, created_at, expires_at, "
     "interval_seconds, state, user_name, decided_at, requester_address, scopes "
     "FROM device_authorizations WHERE device_code_hash = ssooidc_hash_key(?1)"},
    {Sql::kFindDeviceAuthorizationByUserCode, "find device authorization by user code",
     "SELECT ssooidc_hash_text(device_code_hash), user_code, client_id, start_url, created_at, expires_at, "
     "interval_seconds, state, user_name, decided_at, requester_address, scopes "
     "FROM device_authorizations WHERE user_code = ?1"},
    // The WHERE is DeviceAuthorizationRecord::awaiting_decision, evaluated atomically.
    {Sql::kDecideDeviceAuthorization, "decide device authorization",
     "UPDATE device_authorizations SET state = ?2, user_name = ?3, decided_at = ?4 "
     "WHERE user_code = ?1 AND state = 'pending' AND expires_at > ?4"},
    {Sql::kRedeemDeviceAuthorization, "redeem device authorization",
     "UPDATE device_authorizations SET state = 'redeemed' "
     "WHERE device_code_hash = ssooidc_hash_key(?1) AND client_id = ?2 AND state = 'approved' "
     "AND expires_at > ?3"},
    // In batches of ?2 (issue 15): each a short transaction, so that a purge of a million rows
    // never holds the write lock long enough to stall the inserts waiting behind it.
    {Sql::kPurgeDeviceAuthorizations, "purge device authorizations",
     "DELETE FROM device_authorizations WHERE rowid IN (SELECT rowid "
     "FROM device_authorizations WHERE expires_at < ?1 LIMIT ?2)"},
    {Sql::kCountPendingDeviceAuthorizations, "count pending device authorizations",
     "SELECT count(*) FROM device_authorizations WHERE state = 'pending' AND expires_at > ?1"},
    // The pending index's load (domain/pending_index.h): a scan of the table (NOT INDEXED: most
    // rows match, and the expiry index would add a lookup per row).
    {Sql::kScanPendingDeviceAuthorizations, "scan pending device authorizations",
     "SELECT ssooidc_hash_text(device_code_hash), client_id, expires_at, interval_seconds "
     "FROM device_authorizations NOT INDEXED WHERE state = 'pending' AND expires_at > ?1"},
    // The log of pending rows decided or removed (migration 11), read from after ?1 on.
    {Sql::kLatestDeviceAuthorizationChange, "read latest device authorization change",
     "SELECT coalesce(max(seq), 0) FROM device_authorization_changes"},
    {Sql::kDeviceAuthorizationChangesSince, "read device authorization changes",
     "SELECT seq, ssooidc_hash_text(device_code_hash) FROM device_authorization_changes "
     "WHERE seq > ?1 ORDER BY seq LIMIT ?2"},
    // Keeps the newest ?1 (the newest at least, so that numbering goes on from it).
    {Sql::kTrimDeviceAuthorizationChanges, "trim device authorization changes",
     "DELETE FROM device_authorization_changes "
     "WHERE seq <= (SELECT max(seq) FROM device_authorization_changes) - max(?1, 1)"},

    // A token hash is stored as ssooidc_hash_key gives it (its 32 bytes, migration 9), like a
    // device code hash.
    {Sql::kInsertToken, "insert token",
     "INSERT INTO tokens (token_hash, kind, family_id, client_id, user_name, scopes, issued_at, "
     "expires_at, used, revoked) "
     "VALUES (ssooidc_hash_key(?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
    {Sql::kFindToken, "find token",
     "SELECT ssooidc_hash_text(token_hash), kind, family_id, client_id, user_name, scopes, "
     "issued_at, expires_at, used, revoked FROM tokens WHERE token_hash = ssooidc_hash_key(?1)"},
    {Sql::kMarkRefreshTokenUsed, "rotate refresh token",
     "UPDATE tokens SET used = 1 WHERE token_hash = ssooidc_hash_key(?1) AND kind = 'refresh' "
     "AND used = 0 AND revoked = 0"},
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
     "scopes, user_name, auth_time, created_at, expires_at, used, family_id, nonce) "
     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
    {Sql::kFindAuthorizationCode, "find authorization code",
     "SELECT code_hash, client_id, redirect_uri, code_challenge, scopes, user_name, auth_time, "
     "created_at, expires_at, used, family_id, nonce FROM authorization_codes "
     "WHERE code_hash = ?1"},
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
    {Sql::kSetSigningKeyPem, "set signing key",
     "UPDATE signing_keys SET private_pem = ?2 WHERE kid = ?1"},
    {Sql::kPurgeSigningKeys, "purge signing keys",
     "DELETE FROM signing_keys WHERE retire_after < ?1 AND publish_until < ?2"},

    // The SSO portal. "principal_type DESC" puts 'user' before 'group'.
    {Sql::kFamilyExpiresAt, "read token family expiry",
     "SELECT max(expires_at) IS NOT NULL, coalesce(max(expires_at), 0) FROM tokens "
     "WHERE family_id = ?1 AND revoked = 0"},
    {Sql::kPutAccount, "put account",
     "INSERT INTO accounts (account_id, name, email, created_at) VALUES (?1, ?2, ?3, "
     "?4) ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, email = "
     "excluded.email WHERE name IS NOT excluded.name OR email IS NOT excluded.email"},
    {Sql::kFindAccount, "find account",
     "SELECT account_id, name, email, created_at FROM accounts WHERE account_id = ?1"},
    {Sql::kListAccounts, "list accounts",
     "SELECT account_id, name, email, created_at FROM accounts ORDER BY account_id"},
    {Sql::kDeleteAccount, "remove account",
     "DELETE FROM accounts WHERE account_id = ?1"},
    {Sql::kDeleteAccountRoles, "remove roles of account",
     "DELETE FROM account_roles WHERE account_id = ?1"},
    {Sql::kDeleteAccountAssignments, "remove assignments of account",
     "DELETE FROM assignments WHERE account_id = ?1"},
    {Sql::kPutRole, "put role",
     "INSERT INTO account_roles (account_id, role_name, session_duration_seconds, "
     "credential_source, static_access_key_id, static_secret_access_key, "
     "static_session_token, command, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
     "?8, ?9) ON CONFLICT (account_id, role_name) DO UPDATE SET "
     "session_duration_seconds = excluded.session_duration_seconds, credential_source "
     "= excluded.credential_source, static_access_key_id = "
     "excluded.static_access_key_id, static_secret_access_key = "
     "excluded.static_secret_access_key, static_session_token = "
     "excluded.static_session_token, command = excluded.command WHERE "
     "session_duration_seconds IS NOT excluded.session_duration_seconds OR "
     "credential_source IS NOT excluded.credential_source OR static_access_key_id IS "
     "NOT excluded.static_access_key_id OR static_secret_access_key IS NOT "
     "excluded.static_secret_access_key OR static_session_token IS NOT "
     "excluded.static_session_token OR command IS NOT excluded.command"},
    {Sql::kFindRole, "find role",
     "SELECT r.account_id, r.role_name, r.session_duration_seconds, "
     "r.credential_source, r.static_access_key_id, r.static_secret_access_key, "
     "r.static_session_token, r.command, r.created_at FROM account_roles r WHERE "
     "r.account_id = ?1 AND r.role_name = ?2"},
    {Sql::kListRolesOfAccount, "list roles",
     "SELECT r.account_id, r.role_name, r.session_duration_seconds, "
     "r.credential_source, r.static_access_key_id, r.static_secret_access_key, "
     "r.static_session_token, r.command, r.created_at FROM account_roles r WHERE "
     "r.account_id = ?1 ORDER BY r.role_name"},
    {Sql::kListAllRoles, "list roles",
     "SELECT r.account_id, r.role_name, r.session_duration_seconds, "
     "r.credential_source, r.static_access_key_id, r.static_secret_access_key, "
     "r.static_session_token, r.command, r.created_at FROM account_roles r ORDER BY "
     "r.account_id, r.role_name"},
    {Sql::kDeleteRole, "remove role",
     "DELETE FROM account_roles WHERE account_id = ?1 AND role_name = ?2"},
    {Sql::kDeleteRoleAssignments, "remove assignments of role",
     "DELETE FROM assignments WHERE account_id = ?1 AND role_name = ?2"},
    {Sql::kPutGroup, "put group",
     "INSERT INTO user_groups (name, description, created_at) VALUES (?1, ?2, ?3) ON "
     "CONFLICT (name) DO UPDATE SET description = excluded.description WHERE "
     "description IS NOT excluded.description"},
    {Sql::kFindGroup, "find group",
     "SELECT name, description, created_at FROM user_groups WHERE name = ?1"},
    {Sql::kListGroups, "list groups",
     "SELECT name, description, created_at FROM user_groups ORDER BY name"},
    {Sql::kDeleteGroup, "remove group",
     "DELETE FROM user_groups WHERE name = ?1"},
    {Sql::kDeleteGroupMembers, "remove members of group",
     "DELETE FROM group_members WHERE group_name = ?1"},
    {Sql::kDeleteGroupAssignments, "remove assignments of group",
     "DELETE FROM assignments WHERE principal_type = 'group' AND principal_name = ?1"},
    {Sql::kAddGroupMember, "add group member",
     "INSERT INTO group_members (group_name, user_name) VALUES (?1, ?2) ON CONFLICT DO "
     "NOTHING"},
    {Sql::kRemoveGroupMember, "remove group member",
     "DELETE FROM group_members WHERE group_name = ?1 AND user_name = ?2"},
    {Sql::kListGroupMembers, "list group members",
     "SELECT user_name FROM group_members WHERE group_name = ?1 ORDER BY user_name"},
    {Sql::kAddAssignment, "add assignment",
     "INSERT INTO assignments (principal_type, principal_name, account_id, role_name, "
     "created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"},
    {Sql::kRemoveAssignment, "remove assignment",
     "DELETE FROM assignments WHERE principal_type = ?1 AND principal_name = ?2 AND "
     "account_id = ?3 AND role_name = ?4"},
    {Sql::kListAssignments, "list assignments",
     "SELECT principal_type, principal_name, account_id, role_name, created_at FROM "
     "assignments ORDER BY account_id, role_name, principal_type DESC, principal_name"},
    {Sql::kAccountsForUser, "list accounts of user",
     "SELECT a.account_id, a.name, a.email, a.created_at FROM accounts a WHERE "
     "a.account_id > ?2 AND EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = "
     "a.account_id AND EXISTS (SELECT 1 FROM assignments s WHERE s.account_id = "
     "r.account_id AND s.role_name = r.role_name AND ((s.principal_type = 'user' AND "
     "s.principal_name = ?1) OR (s.principal_type = 'group' AND s.principal_name IN "
     "(SELECT group_name FROM group_members WHERE user_name = ?1))))) ORDER BY "
     "a.account_id LIMIT ?3"},
    {Sql::kRolesForUser, "list roles of user",
     "SELECT r.account_id, r.role_name, r.session_duration_seconds, "
     "r.credential_source, r.static_access_key_id, r.static_secret_access_key, "
     "r.static_session_token, r.command, r.created_at FROM account_roles r WHERE "
     "r.account_id = ?2 AND r.role_name > ?3 AND EXISTS (SELECT 1 FROM accounts a "
     "WHERE a.account_id = r.account_id) AND EXISTS (SELECT 1 FROM assignments s WHERE "
     "s.account_id = r.account_id AND s.role_name = r.role_name AND ((s.principal_type "
     "= 'user' AND s.principal_name = ?1) OR (s.principal_type = 'group' AND "
     "s.principal_name IN (SELECT group_name FROM group_members WHERE user_name = "
     "?1)))) ORDER BY r.role_name LIMIT ?4"},
    {Sql::kAssignedRole, "find assigned role",
     "SELECT r.account_id, r.role_name, r.session_duration_seconds, "
     "r.credential_source, r.static_access_key_id, r.static_secret_access_key, "
     "r.static_session_token, r.command, r.created_at FROM account_roles r WHERE "
     "r.account_id = ?2 AND r.role_name = ?3 AND EXISTS (SELECT 1 FROM accounts a "
     "WHERE a.account_id = r.account_id) AND EXISTS (SELECT 1 FROM assignments s WHERE "
     "s.account_id = r.account_id AND s.role_name = r.role_name AND ((s.principal_type "
     "= 'user' AND s.principal_name = ?1) OR (s.principal_type = 'group' AND "
     "s.principal_name IN (SELECT group_name FROM group_members WHERE user_name = "
     "?1))))"},
    {Sql::kInsertCredentialRecord, "insert credential record",
     "INSERT INTO credential_records (issued_at, user_name, account_id, role_name, "
     "access_key_id, expires_at, credential_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
     "?7)"},
    {Sql::kListCredentialRecords, "list credential records",
     "SELECT issued_at, user_name, account_id, role_name, access_key_id, expires_at, "
     "credential_source FROM credential_records WHERE ?1 = '' OR user_name = ?1 ORDER "
     "BY issued_at DESC, id DESC LIMIT ?2"},
    {Sql::kPurgeCredentialRecords, "purge credential records",
     "DELETE FROM credential_records WHERE issued_at < ?1"},

    {Sql::kRowCount, "read row count", "SELECT counted FROM row_counts WHERE name = ?1"},
    // A session is live while last_seen > now - idle and created_at > now - absolute.
    {Sql::kInsertWebSession, "insert web session",
     "INSERT INTO web_sessions (id_hash, browser_key, user_name, checked_user_codes, created_at, "
     "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {Sql::kFindWebSession, "find web session",
     "SELECT id_hash, browser_key, user_name, checked_user_codes, created_at, last_seen "
     "FROM web_sessions WHERE id_hash = ?1"},
    {Sql::kTouchWebSession, "touch web session",
     "UPDATE web_sessions SET last_seen = ?2 WHERE id_hash = ?1 AND last_seen < ?2"},
    {Sql::kUpdateWebSession, "update web session",
     "UPDATE web_sessions SET user_name = ?2, checked_user_codes = ?3, last_seen = ?4 "
     "WHERE id_hash = ?1 AND last_seen > ?4 - ?5 AND created_at > ?4 - ?6"},
    {Sql::kDeleteWebSession, "delete web session", "DELETE FROM web_sessions WHERE id_hash = ?1"},
    {Sql::kPurgeEndedWebSessions, "purge ended web sessions",
     "DELETE FROM web_sessions WHERE last_seen <= ?1 - ?2 OR created_at <= ?1 - ?3"},
    {Sql::kEvictWebSessions, "evict web sessions",
     "DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions "
     "WHERE (user_name <> '') = ?1 ORDER BY last_seen LIMIT ?2)"},
    {Sql::kFindRateCounter, "find rate counter",
     "SELECT bucket, key, marks, blocked_until_ms, expires_at_ms, version FROM rate_counters "
     "WHERE bucket = ?1 AND key = ?2"},
    {Sql::kInsertRateCounter, "insert rate counter",
     "INSERT INTO rate_counters (bucket, key, marks, blocked_until_ms, expires_at_ms, version) "
     "VALUES (?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT (bucket, key) DO NOTHING"},
    // The compare-and-set: only the version that was read is replaced.
    {Sql::kUpdateRateCounter, "update rate counter",
     "UPDATE rate_counters SET marks = ?3, blocked_until_ms = ?4, expires_at_ms = ?5, "
     "version = version + 1 WHERE bucket = ?1 AND key = ?2 AND version = ?6"},
    {Sql::kDeleteRateCounter, "delete rate counter",
     "DELETE FROM rate_counters WHERE bucket = ?1 AND key = ?2"},
    {Sql::kPurgeBucketRateCounters, "purge expired rate counters of a bucket",
     "DELETE FROM rate_counters WHERE bucket = ?1 AND expires_at_ms <= ?2"},
    // Never a blocked counter: dropping it would lift its block.
    {Sql::kEvictRateCounters, "evict rate counters",
     "DELETE FROM rate_counters WHERE bucket = ?1 AND key IN (SELECT key FROM rate_counters "
     "WHERE bucket = ?1 AND blocked_until_ms <= ?2 ORDER BY expires_at_ms LIMIT ?3)"},
    {Sql::kPurgeRateCounters, "purge rate counters",
     "DELETE FROM rate_counters WHERE expires_at_ms <= ?1"},
    {Sql::kAddPollCount, "add poll count",
     "INSERT INTO poll_counts (device_code_hash, polls, first_poll_ms, expires_at) "
     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_code_hash) DO UPDATE SET "
     "polls = polls + excluded.polls, first_poll_ms = min(first_poll_ms, excluded.first_poll_ms) "
     "RETURNING polls, first_poll_ms"},
    {Sql::kFindPollCount, "find poll count",
     "SELECT polls, first_poll_ms FROM poll_counts WHERE device_code_hash = ?1"},
    {Sql::kAnyPollCount, "find any poll count", "SELECT 1 FROM poll_counts LIMIT 1"},
    {Sql::kPurgePollCounts, "purge poll counts", "DELETE FROM poll_counts WHERE expires_at < ?1"},
    // One statement: of concurrent takers exactly one changes the row.
    {Sql::kAcquireLease, "acquire lease",
     "INSERT INTO leases (name, holder, expires_at_ms) VALUES (?1, ?2, ?4) "
     "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
     "expires_at_ms = excluded.expires_at_ms "
     "WHERE leases.holder = excluded.holder OR leases.expires_at_ms <= ?3"},
    {Sql::kReleaseLease, "release lease", "DELETE FROM leases WHERE name = ?1 AND holder = ?2"},
    {Sql::kFindLease, "find lease",
     "SELECT name, holder, expires_at_ms FROM leases WHERE name = ?1"},
    // A key hash is stored as ssooidc_hash_key gives it (its 32 bytes, migration 10).
    {Sql::kPutRetryGrace, "put retry grace",
     "INSERT INTO retry_grace (key_hash, sealed, expires_at_ms) "
     "VALUES (ssooidc_hash_key(?1), ?2, ?3) "
     "ON CONFLICT (key_hash) DO UPDATE SET sealed = excluded.sealed, "
     "expires_at_ms = excluded.expires_at_ms"},
    {Sql::kFindRetryGrace, "find retry grace",
     "SELECT sealed FROM retry_grace "
     "WHERE key_hash = ssooidc_hash_key(?1) AND expires_at_ms > ?2"},
    {Sql::kPurgeRetryGrace, "purge retry grace",
     "DELETE FROM retry_grace WHERE expires_at_ms <= ?1"},
    {Sql::kRecycleRetryGrace, "recycle retry grace",
     "UPDATE OR REPLACE retry_grace SET key_hash = ssooidc_hash_key(?1), sealed = ?2, "
     "expires_at_ms = ?3 WHERE rowid = (SELECT rowid FROM retry_grace "
     "WHERE expires_at_ms <= ?4 ORDER BY expires_at_ms LIMIT 1)"},
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
