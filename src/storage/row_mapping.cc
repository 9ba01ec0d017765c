#include "storage/row_mapping.h"

#include <charconv>
#include <optional>
#include <utility>

#include "storage/list_codec.h"

namespace ssooidc::storage {
namespace {

std::optional<DeviceState> parse_device_state(std::string_view name) noexcept {
  if (name == "pending") return DeviceState::kPending;
  if (name == "approved") return DeviceState::kApproved;
  if (name == "denied") return DeviceState::kDenied;
  if (name == "redeemed") return DeviceState::kRedeemed;
  return std::nullopt;
}

std::string_view token_kind_name(TokenKind kind) noexcept {
  return kind == TokenKind::kRefresh ? "refresh" : "access";
}

std::optional<TokenKind> parse_token_kind(std::string_view name) noexcept {
  if (name == "access") return TokenKind::kAccess;
  if (name == "refresh") return TokenKind::kRefresh;
  return std::nullopt;
}

std::string_view source_name(CredentialSource source) noexcept {
  switch (source) {
    case CredentialSource::kStatic:
      return "static";
    case CredentialSource::kCommand:
      return "command";
    case CredentialSource::kMinted:
      break;
  }
  return "minted";
}

std::optional<CredentialSource> parse_source(std::string_view name) noexcept {
  if (name == "minted") return CredentialSource::kMinted;
  if (name == "static") return CredentialSource::kStatic;
  if (name == "command") return CredentialSource::kCommand;
  return std::nullopt;
}

std::string encode_marks(const std::vector<std::int64_t>& marks) {
  std::string out;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(marks[i]);
  }
  return out;
}

std::optional<std::vector<std::int64_t>> decode_marks(std::string_view text) {
  std::vector<std::int64_t> marks;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || end != item.data() + item.size()) return std::nullopt;
    marks.push_back(value);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return marks;
}

}  // namespace

Result<std::vector<std::string>> RowReader::list(int column) {
  auto list = decode_string_list(view(column));
  if (!list) return std::unexpected(error("stored list is not a JSON array of strings"));
  return std::move(*list);
}

RowWriter& RowWriter::list(const std::vector<std::string>& items) {
  return owned_text(encode_string_list(items));
}

std::string_view device_state_name(DeviceState state) noexcept {
  switch (state) {
    case DeviceState::kPending:
      return "pending";
    case DeviceState::kApproved:
      return "approved";
    case DeviceState::kDenied:
      return "denied";
    case DeviceState::kRedeemed:
      return "redeemed";
  }
  return "pending";
}

std::string_view principal_type_name(PrincipalType type) noexcept {
  return type == PrincipalType::kGroup ? "group" : "user";
}

// ---- storage.h ----------------------------------------------------------------------------------

void write_client(const ClientRecord& client, RowWriter& out) {
  out.text(client.client_id)
      .text(client.secret_hash)
      .text(client.client_name)
      .text(client.client_type)
      .list(client.scopes)
      .list(client.redirect_uris)
      .list(client.grant_types)
      .text(client.issuer_url)
      .integer(client.issued_at)
      .integer(client.expires_at)
      .text(client.origin == ClientOrigin::kOperator ? "operator" : "registered");
}

Result<ClientRecord> read_client(RowReader& row) {
  ClientRecord client;
  client.client_id = row.text(0);
  client.secret_hash = row.text(1);
  client.client_name = row.text(2);
  client.client_type = row.text(3);
  auto scopes = row.list(4);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  client.scopes = std::move(*scopes);
  auto redirect_uris = row.list(5);
  if (!redirect_uris) return std::unexpected(std::move(redirect_uris.error()));
  client.redirect_uris = std::move(*redirect_uris);
  auto grant_types = row.list(6);
  if (!grant_types) return std::unexpected(std::move(grant_types.error()));
  client.grant_types = std::move(*grant_types);
  client.issuer_url = row.text(7);
  client.issued_at = row.integer(8);
  client.expires_at = row.integer(9);
  // Exactly the two names the writer stores: anything else is a row this build cannot vouch
  // for (a newer build's origin, a hand edit), refused rather than read as a registration.
  const std::string_view origin = row.view(10);
  if (origin == "operator") {
    client.origin = ClientOrigin::kOperator;
  } else if (origin != "registered") {
    return std::unexpected(row.error("unknown client origin"));
  }
  return client;
}

void write_device_authorization(const DeviceAuthorizationRecord& authorization, RowWriter& out) {
  out.text(authorization.device_code_hash)
      .text(authorization.user_code)
      .text(authorization.client_id)
      .text(authorization.start_url)
      .integer(authorization.created_at)
      .integer(authorization.expires_at)
      .integer(authorization.interval)
      .text(device_state_name(authorization.state))
      .text(authorization.user_name)
      .integer(authorization.decided_at)
      .text(authorization.requester_address)
      .list(authorization.scopes);
}

Result<DeviceAuthorizationRecord> read_device_authorization(RowReader& row) {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = row.text(0);
  authorization.user_code = row.text(1);
  authorization.client_id = row.text(2);
  authorization.start_url = row.text(3);
  authorization.created_at = row.integer(4);
  authorization.expires_at = row.integer(5);
  authorization.interval = static_cast<std::int32_t>(row.integer(6));
  const auto state = parse_device_state(row.view(7));
  if (!state) return std::unexpected(row.error("unknown device authorization state"));
  authorization.state = *state;
  authorization.user_name = row.text(8);
  authorization.decided_at = row.integer(9);
  authorization.requester_address = row.text(10);
  auto scopes = row.list(11);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  authorization.scopes = std::move(*scopes);
  return authorization;
}

void write_token(const TokenRecord& token, RowWriter& out) {
  out.text(token.token_hash)
      .text(token_kind_name(token.kind))
      .text(token.family_id)
      .text(token.client_id)
      .text(token.user_name)
      .list(token.scopes)
      .integer(token.issued_at)
      .integer(token.expires_at)
      .boolean(token.used)
      .boolean(token.revoked);
}

Result<TokenRecord> read_token(RowReader& row) {
  TokenRecord token;
  token.token_hash = row.text(0);
  // Refused rather than guessed: the kind decides what a token may be exchanged for.
  const auto kind = parse_token_kind(row.view(1));
  if (!kind) return std::unexpected(row.error("unknown token kind"));
  token.kind = *kind;
  token.family_id = row.text(2);
  token.client_id = row.text(3);
  token.user_name = row.text(4);
  auto scopes = row.list(5);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  token.scopes = std::move(*scopes);
  token.issued_at = row.integer(6);
  token.expires_at = row.integer(7);
  token.used = row.boolean(8);
  token.revoked = row.boolean(9);
  return token;
}

void write_user(const UserRecord& user, RowWriter& out) {
  out.text(user.name)
      .text(user.password_hash)
      .boolean(user.disabled)
      .integer(user.created_at)
      .text(user.email);
}

Result<UserRecord> read_user(RowReader& row) {
  return UserRecord{row.text(0), row.text(1), row.boolean(2), row.integer(3), row.text(4)};
}

void write_authorization_code(const AuthorizationCodeRecord& code, RowWriter& out) {
  out.text(code.code_hash)
      .text(code.client_id)
      .text(code.redirect_uri)
      .text(code.code_challenge)
      .list(code.scopes)
      .text(code.user_name)
      .integer(code.auth_time)
      .integer(code.created_at)
      .integer(code.expires_at)
      .boolean(code.used)
      .text(code.family_id)
      .text(code.nonce);
}

Result<AuthorizationCodeRecord> read_authorization_code(RowReader& row) {
  AuthorizationCodeRecord code;
  code.code_hash = row.text(0);
  code.client_id = row.text(1);
  code.redirect_uri = row.text(2);
  code.code_challenge = row.text(3);
  auto scopes = row.list(4);
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  code.scopes = std::move(*scopes);
  code.user_name = row.text(5);
  code.auth_time = row.integer(6);
  code.created_at = row.integer(7);
  code.expires_at = row.integer(8);
  code.used = row.boolean(9);
  code.family_id = row.text(10);
  code.nonce = row.text(11);
  return code;
}

void write_signing_key(const SigningKeyRecord& key, RowWriter& out) {
  out.text(key.kid)
      .text(key.private_pem)
      .integer(key.created_at)
      .integer(key.retire_after)
      .integer(key.publish_until);
}

Result<SigningKeyRecord> read_signing_key(RowReader& row) {
  return SigningKeyRecord{row.text(0), row.text(1), row.integer(2), row.integer(3),
                          row.integer(4)};
}

// ---- portal_stores.h ----------------------------------------------------------------------------

void write_account(const AccountRecord& account, RowWriter& out) {
  out.text(account.account_id).text(account.name).text(account.email).integer(account.created_at);
}

Result<AccountRecord> read_account(RowReader& row) {
  return AccountRecord{row.text(0), row.text(1), row.text(2), row.integer(3)};
}

void write_role(const RoleRecord& role, RowWriter& out) {
  out.text(role.account_id)
      .text(role.role_name)
      .integer(role.session_duration_seconds)
      .text(source_name(role.source))
      .text(role.static_access_key_id)
      .text(role.static_secret_access_key)
      .text(role.static_session_token)
      .list(role.command)
      .integer(role.created_at);
}

Result<RoleRecord> read_role(RowReader& row) {
  RoleRecord role;
  role.account_id = row.text(0);
  role.role_name = row.text(1);
  role.session_duration_seconds = static_cast<std::int32_t>(row.integer(2));
  // Refused rather than defaulted: a role read as minted when it was stored as static (or the
  // reverse) would hand out credentials of another kind than the operator configured.
  const auto source = parse_source(row.view(3));
  if (!source) return std::unexpected(row.error("unknown credential source"));
  role.source = *source;
  role.static_access_key_id = row.text(4);
  role.static_secret_access_key = row.text(5);
  role.static_session_token = row.text(6);
  auto command = row.list(7);
  if (!command) return std::unexpected(std::move(command.error()));
  role.command = std::move(*command);
  role.created_at = row.integer(8);
  return role;
}

void write_group(const GroupRecord& group, RowWriter& out) {
  out.text(group.name).text(group.description).integer(group.created_at);
}

Result<GroupRecord> read_group(RowReader& row) {
  return GroupRecord{row.text(0), row.text(1), row.integer(2)};
}

void write_assignment(const AssignmentRecord& assignment, RowWriter& out) {
  out.text(principal_type_name(assignment.principal_type))
      .text(assignment.principal_name)
      .text(assignment.account_id)
      .text(assignment.role_name)
      .integer(assignment.created_at);
}

Result<AssignmentRecord> read_assignment(RowReader& row) {
  AssignmentRecord assignment;
  assignment.principal_type =
      row.view(0) == "group" ? PrincipalType::kGroup : PrincipalType::kUser;
  assignment.principal_name = row.text(1);
  assignment.account_id = row.text(2);
  assignment.role_name = row.text(3);
  assignment.created_at = row.integer(4);
  return assignment;
}

void write_credential_record(const CredentialIssueRecord& record, RowWriter& out) {
  out.integer(record.issued_at)
      .text(record.user_name)
      .text(record.account_id)
      .text(record.role_name)
      .text(record.access_key_id)
      .integer(record.expires_at)
      .text(source_name(record.source));
}

Result<CredentialIssueRecord> read_credential_record(RowReader& row) {
  CredentialIssueRecord record;
  record.issued_at = row.integer(0);
  record.user_name = row.text(1);
  record.account_id = row.text(2);
  record.role_name = row.text(3);
  record.access_key_id = row.text(4);
  record.expires_at = row.integer(5);
  const auto source = parse_source(row.view(6));
  if (!source) return std::unexpected(row.error("unknown credential source"));
  record.source = *source;
  return record;
}

// ---- shared_state_stores.h ----------------------------------------------------------------------

void write_web_session(const WebSessionRecord& session, RowWriter& out) {
  out.text(session.id_hash)
      .text(session.browser_key)
      .text(session.user_name)
      .list(session.checked_user_codes)
      .integer(session.created_at)
      .integer(session.last_seen);
}

Result<WebSessionRecord> read_web_session(RowReader& row) {
  WebSessionRecord session;
  session.id_hash = row.text(0);
  session.browser_key = row.text(1);
  session.user_name = row.text(2);
  auto codes = row.list(3);
  if (!codes) return std::unexpected(std::move(codes.error()));
  session.checked_user_codes = std::move(*codes);
  session.created_at = row.integer(4);
  session.last_seen = row.integer(5);
  return session;
}

void write_rate_counter(const RateCounterRecord& counter, RowWriter& out) {
  out.text(counter.bucket)
      .text(counter.key)
      .owned_text(encode_marks(counter.marks_ms))
      .integer(counter.blocked_until_ms)
      .integer(counter.expires_at_ms);
}

Result<RateCounterRecord> read_rate_counter(RowReader& row) {
  RateCounterRecord counter;
  counter.bucket = row.text(0);
  counter.key = row.text(1);
  auto marks = decode_marks(row.view(2));
  if (!marks) return std::unexpected(row.error("stored marks are not a list of integers"));
  counter.marks_ms = std::move(*marks);
  counter.blocked_until_ms = row.integer(3);
  counter.expires_at_ms = row.integer(4);
  counter.version = row.integer(5);
  return counter;
}

Result<LeaseRecord> read_lease(RowReader& row) {
  return LeaseRecord{row.text(0), row.text(1), row.integer(2)};
}

}  // namespace ssooidc::storage
