#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

Result<bool> PostgresDeviceAuthorizationStore::insert(
    const DeviceAuthorizationRecord& authorization) {
  // ON CONFLICT (user_code) DO NOTHING: a taken user code changes no row. Committed durably
  // (issue 12 asks StartDeviceAuthorization's row to be durable on PostgreSQL).
  Params params;
  write_device_authorization(authorization, params);
  return changed_one(write(database_, Sql::kInsertDeviceAuthorization, params));
}

Result<std::optional<DeviceAuthorizationRecord>>
PostgresDeviceAuthorizationStore::find_by_device_code_hash(std::string_view device_code_hash) {
  Params params;
  params.text(device_code_hash);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kFindDeviceAuthorizationByHash,
                                               params, read_device_authorization);
}

Result<std::optional<DeviceAuthorizationRecord>>
PostgresDeviceAuthorizationStore::find_by_user_code(std::string_view user_code) {
  Params params;
  params.text(user_code);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kFindDeviceAuthorizationByUserCode,
                                               params, read_device_authorization);
}

Result<std::optional<DeviceAuthorizationRecord>> PostgresDeviceAuthorizationStore::decide(
    std::string_view user_code, bool allow, std::string_view user_name, std::int64_t now) {
  // One UPDATE ... WHERE pending AND unexpired ... RETURNING: the check, the change and the
  // decided row in one step.
  Params params;
  params.text(user_code)
      .text(device_state_name(allow ? DeviceState::kApproved : DeviceState::kDenied))
      .text(user_name)
      .integer(now);
  return read_first<DeviceAuthorizationRecord>(database_, Sql::kDecideDeviceAuthorization, params,
                                               read_device_authorization);
}

Result<bool> PostgresDeviceAuthorizationStore::redeem(std::string_view device_code_hash,
                                                      std::string_view client_id, std::int64_t now,
                                                      const std::vector<TokenRecord>& tokens,
                                                      const RetryGraceEntry* remember) {
  return redeem_and_insert_tokens(database_, Sql::kRedeemDeviceAuthorization, device_code_hash,
                                  client_id, now, tokens, remember);
}

Result<std::int64_t> PostgresDeviceAuthorizationStore::purge_expired(std::int64_t before) {
  Params params;
  params.integer(before);
  return write(database_, Sql::kPurgeDeviceAuthorizations, params);
}

Result<std::int64_t> PostgresDeviceAuthorizationStore::count_pending(std::int64_t now) {
  Params params;
  params.integer(now);
  return read_integer(database_, Sql::kCountPendingDeviceAuthorizations, params);
}

}  // namespace ssooidc::storage::postgres
