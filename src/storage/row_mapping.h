// How each record of storage.h, portal_stores.h and shared_state_stores.h is laid out in the
// columns of an SQL table, written once for every SQL backend (SQLite, PostgreSQL): a record is
// written as the parameters of its INSERT and read back from the columns of its SELECT, both in
// the order of its layout in row_mapping.cc (one list of columns per record, so that reading and
// writing cannot drift apart). A backend supplies a RowReader over one row of its results and a
// RowWriter over the parameters of one statement; the statements it prepares spell out their
// column lists in the layout's order (storage/sqlite/statements.cc,
// storage/postgres/statements.cc).
//
// A column's type is its one entry in the layout: storing a column differently (a hash as a
// BLOB, say) is that entry's kind, plus, for a new kind of value, one method in each backend's
// reader and writer.
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

  // A column of lower-case hex SHA-256 hashes written with RowWriter::hash: text unless the
  // backend stores such a column in fewer bytes, and then it gives back the same hex.
  [[nodiscard]] virtual std::string hash(int column) { return text(column); }

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
  // A lower-case hex SHA-256 (storage.h: secrets are stored so): text unless the backend stores
  // it in fewer bytes (RowReader::hash reads it back).
  virtual RowWriter& hash(std::string_view value) { return text(value); }
  RowWriter& boolean(bool value) { return integer(value ? 1 : 0); }
  // A list column (list_codec.h).
  RowWriter& list(const std::vector<std::string>& items);

 protected:
  ~RowWriter() = default;
};

// The stored names of the enumerations, where a statement binds one outside a whole record.
[[nodiscard]] std::string_view device_state_name(DeviceState state) noexcept;
[[nodiscard]] std::string_view principal_type_name(PrincipalType type) noexcept;

// One pair per record, in the order of storage.h, portal_stores.h and shared_state_stores.h. A
// read fails with the backend's error (RowReader::error) on a value no write stores: an unknown
// name of an enumeration, a list or marks column that does not decode.
void write_client(const ClientRecord& client, RowWriter& out);
[[nodiscard]] Result<ClientRecord> read_client(RowReader& row);

void write_device_authorization(const DeviceAuthorizationRecord& authorization, RowWriter& out);
[[nodiscard]] Result<DeviceAuthorizationRecord> read_device_authorization(RowReader& row);

void write_token(const TokenRecord& token, RowWriter& out);
[[nodiscard]] Result<TokenRecord> read_token(RowReader& row);

void write_user(const UserRecord& user, RowWriter& out);
[[nodiscard]] Result<UserRecord> read_user(RowReader& row);

void write_authorization_code(const AuthorizationCodeRecord& code, RowWriter& out);
[[nodiscard]] Result<AuthorizationCodeRecord> read_authorization_code(RowReader& row);

void write_signing_key(const SigningKeyRecord& key, RowWriter& out);
[[nodiscard]] Result<SigningKeyRecord> read_signing_key(RowReader& row);

void write_account(const AccountRecord& account, RowWriter& out);
[[nodiscard]] Result<AccountRecord> read_account(RowReader& row);

void write_role(const RoleRecord& role, RowWriter& out);
[[nodiscard]] Result<RoleRecord> read_role(RowReader& row);

void write_group(const GroupRecord& group, RowWriter& out);
[[nodiscard]] Result<GroupRecord> read_group(RowReader& row);

void write_assignment(const AssignmentRecord& assignment, RowWriter& out);
[[nodiscard]] Result<AssignmentRecord> read_assignment(RowReader& row);

void write_credential_record(const CredentialIssueRecord& record, RowWriter& out);
[[nodiscard]] Result<CredentialIssueRecord> read_credential_record(RowReader& row);

void write_web_session(const WebSessionRecord& session, RowWriter& out);
[[nodiscard]] Result<WebSessionRecord> read_web_session(RowReader& row);

void write_rate_counter(const RateCounterRecord& counter, RowWriter& out);
[[nodiscard]] Result<RateCounterRecord> read_rate_counter(RowReader& row);

[[nodiscard]] Result<LeaseRecord> read_lease(RowReader& row);

}  // namespace ssooidc::storage
