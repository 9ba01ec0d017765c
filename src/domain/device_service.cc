#include "domain/device_service.h"

#include "crypto/crypto.h"
#include "domain/user_code.h"

namespace ssooidc::domain {
namespace {

constexpr int kUserCodeAttempts = 8;
constexpr std::size_t kMaxStartUrl = 2048;
// 64 random bytes -> 86 base64url characters, the length the real service hands out.
constexpr std::size_t kDeviceCodeBytes = 64;

}  // namespace

std::expected<StartDeviceAuthorizationResponse, Error> DeviceService::start(
    const StartDeviceAuthorizationRequest& req, std::string_view requester_address) {
  if (!requester_address.empty() && !throttle_.allow(requester_address))
    return std::unexpected(Error::make(ErrorType::kSlowDown,
                                       "Too many device authorizations from this address; slow down"));
  if (req.startUrl.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "startUrl is required"));
  if (req.startUrl.size() > kMaxStartUrl)
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "startUrl is too long"));
  auto client = clients_.authenticate(req.clientId, req.clientSecret);
  if (!client) return std::unexpected(client.error());
  if (!ClientService::allows_grant(*client, kGrantDeviceCode))
    return std::unexpected(Error::make(ErrorType::kUnauthorizedClient,
                                       "The client is not registered for the device code grant"));

  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  storage::DeviceAuthorizationRecord rec;
  rec.client_id = client->client_id;
  rec.start_url = req.startUrl;
  rec.created_at = now;
  rec.expires_at = now + ctx_.settings.device_code_ttl_seconds;
  rec.interval = ctx_.settings.poll_interval_seconds;
  rec.requester_address = std::string(requester_address);
  const std::string device_code = crypto::random_token(ctx_.random, "", kDeviceCodeBytes);
  rec.device_code_hash = crypto::sha256_hex(device_code);

  // A user code collides with a live one with probability (live codes) / 20^8; draw again then.
  bool stored = false;
  for (int attempt = 0; attempt < kUserCodeAttempts && !stored; ++attempt) {
    rec.user_code = generate_user_code(ctx_.random);
    auto inserted = ctx_.storage.device_authorizations().insert(rec);
    if (!inserted) return std::unexpected(inserted.error());
    stored = *inserted;
  }
  if (!stored)
    return std::unexpected(
        Error::make(ErrorType::kInternalServer, "Could not allocate a unique user code"));

  StartDeviceAuthorizationResponse resp;
  const std::string shown = display_user_code(rec.user_code);
  const std::string uri = ctx_.settings.public_url + ctx_.settings.verification_path;
  resp.deviceCode = device_code;
  resp.userCode = shown;
  resp.verificationUri = uri;
  resp.verificationUriComplete = uri + "?user_code=" + shown;
  resp.expiresIn = ctx_.settings.device_code_ttl_seconds;
  resp.interval = ctx_.settings.poll_interval_seconds;
  return resp;
}

std::expected<std::optional<storage::DeviceAuthorizationRecord>, Error>
DeviceService::find_by_user_code(std::string_view typed_user_code) {
  auto code = normalize_user_code(typed_user_code);
  if (!code) return std::optional<storage::DeviceAuthorizationRecord>{};
  return ctx_.storage.device_authorizations().find_by_user_code(*code);
}

std::expected<storage::DeviceAuthorizationRecord, Error> DeviceService::decide(
    std::string_view typed_user_code, bool allow, std::string_view user_name) {
  auto code = normalize_user_code(typed_user_code);
  if (!code)
    return std::unexpected(Error::make(ErrorType::kInvalidGrant, "Not a valid user code"));
  // Only an enabled user can allow a device; anyone the operator names may deny one.
  if (allow) {
    auto user = ctx_.storage.users().find(user_name);
    if (!user) return std::unexpected(user.error());
    if (!*user || (*user)->disabled)
      return std::unexpected(Error::make(ErrorType::kAccessDenied,
                                         "User '" + std::string(user_name) +
                                             "' does not exist or is disabled"));
  }
  auto& store = ctx_.storage.device_authorizations();
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  auto changed = store.decide(*code, allow, user_name, now);
  if (!changed) return std::unexpected(changed.error());
  auto rec = store.find_by_user_code(*code);
  if (!rec) return std::unexpected(rec.error());
  if (!*rec) return std::unexpected(Error::make(ErrorType::kInvalidGrant, "Unknown user code"));
  if (*changed) return std::move(**rec);
  if ((*rec)->state == storage::DeviceState::kPending && (*rec)->expires_at <= now)
    return std::unexpected(Error::make(ErrorType::kExpiredToken, "The user code has expired"));
  return std::unexpected(
      Error::make(ErrorType::kInvalidGrant, "The user code has already been used"));
}

}  // namespace ssooidc::domain
