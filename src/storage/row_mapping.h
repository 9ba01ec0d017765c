// How each record of storage.h, portal_stores.h and shared_state_stores.h is laid out in the
// columns of an SQL table, written once for every SQL backend (SQLite, PostgreSQL): a record is
// written as the parameters of its INSERT, in the order below, and read back from the columns of
// its SELECT in the same order. A backend supplies a RowReader over one row of its results and a
// RowWriter over the parameters of one statement; the statements it prepares spell out their
// column lists in this order (storage/sqlite/statements.cc, storage/postgres/statements.cc).
//
// A column's type is the one call that reads or writes it here (text, integer, boolean, list):
// changing how one column is stored is that call plus, for a new kind of value, one method in
// each backend's reader and writer.
//
// Private to src/storage.
//
// Thread safety: pure functions over the reader or writer they are given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage.h"

namespace ssooidc::storage {

// One row of a result, read by column position (0-based). NULL reads as "" or 0 (no column of
// the schema is nullable).
class RowReader {
 public:
  [[nodiscard]] virtual std::string_view view(int column) = 0;
  [[nodiscard]] virtual std::int64_t integer(int column) = 0;
  // The backend's error for a row it cannot decode: names the statement, never a stored value.
  [[nodiscard]] virtual Error error(std::string_view reason) const = 0;

  [[nodiscard]] std::string text(int column) { return std::string(view(column)); }
  [[nodiscard]] bool boolean(int column) { return integer(column) != 0; }
  // A list column (list_codec.h); an error when the stored text is not such a list.
  [[nodiscard]] Result<std::vector<std::string>> list(int column);

 protected:
  ~RowReader() = default;
};

// The parameters of one statement, bound in the order written ($1 or ?1 first). `text` is
// referenced, not copied: it must outlive the statement's execution; `owned_text` is kept by the
// writer (or the backend) for that long, for values encoded on the way (a list, the marks).
class RowWriter {
 public:
  virtual RowWriter& text(std::string_view value) = 0;
  virtual RowWriter& owned_text(std::string value) = 0;
  virtual RowWriter& integer(std::int64_t value) = 0;
  RowWriter& boolean(bool value) { return integer(value ? 1 : 0); }
  // A list column (list_codec.h).
  RowWriter& list(const std::vector<std::string>& items);

 protected:
  ~RowWriter() = default;
};

// The stored names of the enumerations, where a statement binds one outside a whole record.
[[nodiscard]] std::string_view device_state_name(DeviceState state) noexcept;
[[nodiscard]] std::string_view principal_type_name(PrincipalType type) noexcept;

// clients: client_id, secret_hash, client_name, client_type, scopes, redirect_uris,
// grant_types, issuer_url, issued_at, expires_at, origin.
void write_client(const ClientRecord& client, RowWriter& out);
[[nodiscard]] Result<ClientRecord> read_client(RowReader& row);

// device_authorizations: device_code_hash, user_code, client_id, start_url, created_at,
// expires_at, interval_seconds, state, user_name, decided_at, requester_address, scopes.
void write_device_authorization(const DeviceAuthorizationRecord& authorization, RowWriter& out);
[[nodiscard]] Result<DeviceAuthorizationRecord> read_device_authorization(RowReader& row);

// tokens: token_hash, kind, family_id, client_id, user_name, scopes, issued_at, expires_at,
// used, revoked.
void write_token(const TokenRecord& token, RowWriter& out);
[[nodiscard]] Result<TokenRecord> read_token(RowReader& row);

// users: name, password_hash, disabled, created_at, email.
void write_user(const UserRecord& user, RowWriter& out);
[[nodiscard]] Result<UserRecord> read_user(RowReader& row);

// authorization_codes: code_hash, client_id, redirect_uri, code_challenge, scopes, user_name,
// auth_time, created_at, expires_at, used, family_id, nonce.
void write_authorization_code(const AuthorizationCodeRecord& code, RowWriter& out);
[[nodiscard]] Result<AuthorizationCodeRecord> read_authorization_code(RowReader& row);

// signing_keys: kid, private_pem, created_at, retire_after, publish_until.
void write_signing_key(const SigningKeyRecord& key, RowWriter& out);
[[nodiscard]] Result<SigningKeyRecord> read_signing_key(RowReader& row);

// accounts: account_id, name, email, created_at.
void write_account(const AccountRecord& account, RowWriter& out);
[[nodiscard]] Result<AccountRecord> read_account(RowReader& row);

// account_roles: account_id, role_name, session_duration_seconds, credential_source,
// static_access_key_id, static_secret_access_key, static_session_token, command, created_at.
void write_role(const RoleRecord& role, RowWriter& out);
[[nodiscard]] Result<RoleRecord> read_role(RowReader& row);

// user_groups: name, description, created_at.
void write_group(const GroupRecord& group, RowWriter& out);
[[nodiscard]] Result<GroupRecord> read_group(RowReader& row);

// assignments: principal_type, principal_name, account_id, role_name, created_at.
void write_assignment(const AssignmentRecord& assignment, RowWriter& out);
[[nodiscard]] Result<AssignmentRecord> read_assignment(RowReader& row);

// credential_records: issued_at, user_name, account_id, role_name, access_key_id, expires_at,
// credential_source.
void write_credential_record(const CredentialIssueRecord& record, RowWriter& out);
[[nodiscard]] Result<CredentialIssueRecord> read_credential_record(RowReader& row);

// web_sessions: id_hash, browser_key, user_name, checked_user_codes, created_at, last_seen.
void write_web_session(const WebSessionRecord& session, RowWriter& out);
[[nodiscard]] Result<WebSessionRecord> read_web_session(RowReader& row);

// rate_counters: bucket, key, marks, blocked_until_ms, expires_at_ms, then (read only) version,
// which the statements keep themselves. Marks are stored as decimal integers joined by ','.
void write_rate_counter(const RateCounterRecord& counter, RowWriter& out);
[[nodiscard]] Result<RateCounterRecord> read_rate_counter(RowReader& row);

// leases: name, holder, expires_at_ms (read only: the acquire statement binds its own).
[[nodiscard]] Result<LeaseRecord> read_lease(RowReader& row);

}  // namespace ssooidc::storage
