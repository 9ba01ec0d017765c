#include <optional>

#include "storage/backend_error.h"
#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {
namespace {

std::string_view state_name(DeviceState state) noexcept {
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

std::optional<DeviceState> parse_state(std::string_view name) noexcept {
  if (name == "pending") return DeviceState::kPending;
  if (name == "approved") return DeviceState::kApproved;
  if (name == "denied") return DeviceState::kDenied;
  if (name == "redeemed") return DeviceState::kRedeemed;
  return std::nullopt;
}

// Columns of Sql::kFindDeviceAuthorizationByHash, ...ByUserCode and the RETURNING of decide.
Result<DeviceAuthorizationRecord> read_authorization(const Rows& rows, int row) {
  DeviceAuthorizationRecord authorization;
  authorization.device_code_hash = rows.text(row, 0);
  authorization.user_code = rows.text(row, 1);
  authorization.client_id = rows.text(row, 2);
  authorization.start_url = rows.text(row, 3);
  authorization.created_at = rows.integer(row, 4);
  authorization.expires_at = rows.integer(row, 5);
  authorization.interval = static_cast<std::int32_t>(rows.integer(row, 6));
  const auto state = parse_state(rows.view(row, 7));
  if (!state)
    return std::unexpected(backend_error("read device authorization", "unknown state"));
  authorization.state = *state;
  authorization.user_name = rows.text(row, 8);
  authorization.decided_at = rows.integer(row, 9);
  authorization.requester_address = rows.text(row, 10);
  auto scopes = read_list(rows, row, 11, "read device authorization");
  if (!scopes) return std::unexpected(std::move(scopes.error()));
  authorization.scopes = std::move(*scopes);
  return authorization;
}

}  // namespace

Result<bool> PostgresDeviceAuthorizationStore::insert(
    const DeviceAuthorizationRecord& authorization) {
  // ON CONFLICT (user_code) DO NOTHING: a taken user code changes no row. Committed durably
  // (issue 12 asks StartDeviceAuthorization's row to be durable on PostgreSQL).
  const std::string scopes = encode_string_list(authorization.scopes);
  Params params;
  params.text(authorization.device_code_hash)
      .text(authorization.user_code)
      .text(authorization.client_id)
      .text(authorization.start_url)
      .integer(authorization.created_at)
      .integer(authorization.expires_at)
      .integer(authorization.interval)
      .text(state_name(authorization.state))
      .text(authorization.user_name)
      .integer(authorization.decided_at)
      .text(authorization.requester_address)
      .text(scopes);
  return changed_one(write(database_, Sql::kInsertDeviceAuthorization, params));
}

Result<std::optional<DeviceAuthorizationRecord>>
PostgresDeviceAuthorizationStore::find_by_device_code_hash(std::string_view device_code_hash) {
  Params params;
  params.text(device_code_hash);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kFindDeviceAuthorizationByHash,
                                               params, read_authorization);
}

Result<std::optional<DeviceAuthorizationRecord>>
PostgresDeviceAuthorizationStore::find_by_user_code(std::string_view user_code) {
  Params params;
  params.text(user_code);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kFindDeviceAuthorizationByUserCode,
                                               params, read_authorization);
}

Result<std::optional<DeviceAuthorizationRecord>> PostgresDeviceAuthorizationStore::decide(
    std::string_view user_code, bool allow, std::string_view user_name, std::int64_t now) {
  // One UPDATE ... WHERE pending AND unexpired ... RETURNING: the check, the change and the
  // decided row in one step.
  Params params;
  params.text(user_code)
      .text(state_name(allow ? DeviceState::kApproved : DeviceState::kDenied))
      .text(user_name)
      .integer(now);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kDecideDeviceAuthorization, params,
                                               read_authorization);
}

Result<bool> PostgresDeviceAuthorizationStore::redeem(std::string_view device_code_hash,
                                                      std::string_view client_id, std::int64_t now,
                                                      const std::vector<TokenRecord>& tokens) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemDeviceAuthorization, device_code_hash,
                                  client_id, now, tokens);
}

Result<std::int64_t> PostgresDeviceAuthorizationStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeDeviceAuthorizations, params);
}

Result<std::int64_t> PostgresDeviceAuthorizationStore::count_pending(std::int64_t now) {
  Params params;
  params.integer(now);
  auto rows = run(database_, Sql::kCountPendingDeviceAuthorizations, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty())
    return std::unexpected(backend_error("count pending device authorizations", "no row"));
  return rows->integer(0, 0);
}

}  // namespace ssooidc::storage::postgres
