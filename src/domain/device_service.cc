#include "domain/device_service.h"

#include "core/address_key.h"
#include <algorithm>
#include <memory>
#include <utility>

#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/record_views.h"
#include "domain/test_controls.h"
#include "domain/user_code.h"
#include "domain/user_service.h"

namespace ssooidc::domain {
namespace {

constexpr int kUserCodeAttempts = 8;
constexpr std::size_t kMaxStartUrl = 2048;
// 64 random bytes -> 86 base64url characters, the length the real service hands out.
constexpr std::size_t kDeviceCodeBytes = 64;

// Why `rec` (nullopt: no row) cannot be decided at `now`, as one of DeviceService's errors.
Error undecidable(const std::optional<storage::DeviceAuthorizationRecord>& rec, std::int64_t now) {
  Error error;
  if (!rec) {
    error = Error::make(ErrorType::kInvalidGrant, "Unknown user code");
    error.reason = std::string(DeviceService::kUnknownUserCode);
  } else if (rec->state == storage::DeviceState::kPending && !rec->awaiting_decision(now)) {
    error = Error::make(ErrorType::kExpiredToken, "The user code has expired");
  } else {
    error = Error::make(ErrorType::kInvalidGrant, "The user code has already been used");
    error.reason = std::string(DeviceService::kDecidedUserCode);
  }
  return error;
}

}  // namespace

struct DeviceService::PreparedStart {
  storage::DeviceAuthorizationRecord record;  // its user code is drawn when it is inserted
  std::string device_code;
};

DeviceService::DeviceService(Context& ctx, ClientService& clients, UserService& users)
    : ctx_(ctx),
      clients_(clients),
      users_(users),
      throttle_(ctx, RatePolicy::per_minute("start_device_authorization_per_address",
                                            ctx.settings.start_device_authorization_per_minute,
                                            ctx.settings.start_device_authorization_per_minute)) {}

// One budget per address for both faces (SECURITY.md): the AWS StartDeviceAuthorization and the
// standard face's device authorization endpoint draw on the same counter.
std::optional<Error> DeviceService::throttled(std::string_view requester_address) {
  if (requester_address.empty()) return std::nullopt;
  auto wait = throttle_.try_acquire(core::address_key(requester_address));
  if (!wait) return std::move(wait.error());
  if (*wait > 0)
    return Error::make(ErrorType::kSlowDown,
                       "Too many device authorizations from this address; slow down");
  return std::nullopt;
}

std::expected<StartDeviceAuthorizationResponse, Error> DeviceService::start(
    const StartDeviceAuthorizationRequest& req, std::string_view requester_address) {
  if (auto refused = throttled(requester_address)) return std::unexpected(std::move(*refused));
  if (req.startUrl.empty())
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "startUrl is required"));
  if (req.startUrl.size() > kMaxStartUrl)
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "startUrl is too long"));
  auto client = clients_.authenticate(req.clientId, req.clientSecret);
  if (!client) return std::unexpected(client.error());
  return begin(*client, req.startUrl, {}, requester_address);
}

std::expected<StartDeviceAuthorizationResponse, Error> DeviceService::start_oauth(
    const Client& client, const std::vector<std::string>& scopes,
    std::string_view requester_address) {
  if (auto refused = throttled(requester_address)) return std::unexpected(std::move(*refused));
  std::vector<std::string> unique;
  for (const auto& s : scopes) {
    if (std::ranges::find(client.scopes, s) == client.scopes.end())
      return std::unexpected(Error::make(ErrorType::kInvalidScope,
                                         "The scope '" + s + "' is not registered for this client"));
    if (std::ranges::find(unique, s) == unique.end()) unique.push_back(s);
  }
  // The start URL is AWS's notion; here the login is for this issuer.
  return begin(client, ctx_.settings.public_url, std::move(unique), requester_address);
}

std::optional<std::expected<std::shared_ptr<DeviceService::PreparedStart>, Error>>
DeviceService::prepare_start(
    const StartDeviceAuthorizationRequest& req, std::string_view requester_address,
    bool may_block) {
  if (!ctx_.storage.device_authorizations().inserts_without_waiting()) return std::nullopt;
  // Auto-approval decides the row right after its insert, which has to have been committed.
  if (ctx_.test && !ctx_.settings.auto_approve_user.empty()) return std::nullopt;
  std::optional<ClientService::FromMemory> known;
  if (!may_block) {
    if (throttle_.enabled() && !requester_address.empty()) return std::nullopt;
    known = clients_.authenticate_from_memory(req.clientId, req.clientSecret,
                                              ctx_.clock.now_epoch_seconds());
    if (!known) return std::nullopt;
  }
  // The checks in start()'s order.
  using Prepared = std::expected<std::shared_ptr<PreparedStart>, Error>;
  if (may_block) {
    if (auto refused = throttled(requester_address)) return Prepared(std::unexpect, *refused);
  }
  if (req.startUrl.empty())
    return Prepared(std::unexpect, Error::make(ErrorType::kInvalidRequest, "startUrl is required"));
  if (req.startUrl.size() > kMaxStartUrl)
    return Prepared(std::unexpect, Error::make(ErrorType::kInvalidRequest, "startUrl is too long"));
  if (known) {
    if (known->refusal != nullptr) return Prepared(std::unexpect, *known->refusal);
    return prepare(*known->client, req.startUrl, {}, requester_address);
  }
  auto client = clients_.authenticate(req.clientId, req.clientSecret);
  if (!client) return Prepared(std::unexpect, client.error());
  return prepare(*client, req.startUrl, {}, requester_address);
}

void DeviceService::start_prepared(std::shared_ptr<PreparedStart> prepared, StartDone done) {
  insert_without_waiting(std::move(prepared), kUserCodeAttempts, std::move(done));
}

void DeviceService::insert_without_waiting(std::shared_ptr<PreparedStart> prepared,
                                           int attempts_left, StartDone done) {
  prepared->record.user_code = generate_user_code(ctx_.random);
  storage::DeviceAuthorizationRecord row = prepared->record;
  ctx_.storage.device_authorizations().insert_without_waiting(
      std::move(row), [this, prepared = std::move(prepared), attempts_left,
                       done = std::move(done)](storage::Result<bool> inserted) mutable {
        if (!inserted) {
          done(std::unexpected(std::move(inserted.error())));
        } else if (*inserted) {
          done(answer(*prepared));
        } else if (attempts_left <= 1) {
          done(std::unexpected(
              Error::make(ErrorType::kInternalServer, "Could not allocate a unique user code")));
        } else {
          // The user code was taken (see begin()): queued again from the writer's thread, which
          // takes it into its next batch.
          insert_without_waiting(std::move(prepared), attempts_left - 1, std::move(done));
        }
      });
}

std::expected<std::shared_ptr<DeviceService::PreparedStart>, Error> DeviceService::prepare(
    const Client& client, std::string start_url, std::vector<std::string> scopes,
    std::string_view requester_address) {
  if (!ClientService::allows_grant(client, kGrantDeviceCode))
    return std::unexpected(Error::make(ErrorType::kUnauthorizedClient,
                                       "The client is not registered for the device code grant"));

  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  auto prepared = std::make_shared<PreparedStart>();
  storage::DeviceAuthorizationRecord& rec = prepared->record;
  rec.client_id = client.client_id;
  rec.start_url = std::move(start_url);
  rec.scopes = std::move(scopes);
  rec.created_at = now;
  rec.expires_at = now + ctx_.settings.device_code_ttl_seconds;
  rec.interval = ctx_.settings.poll_interval_seconds;
  rec.requester_address = std::string(requester_address);
  prepared->device_code =
      crypto::ordered_token(ctx_.random, "", kDeviceCodeBytes, ctx_.clock.now_epoch_millis());
  rec.device_code_hash = crypto::secret_hash(prepared->device_code);
  return prepared;
}

StartDeviceAuthorizationResponse DeviceService::answer(const PreparedStart& prepared) const {
  StartDeviceAuthorizationResponse resp;
  const std::string shown = display_user_code(prepared.record.user_code);
  const std::string uri = ctx_.settings.public_url + ctx_.settings.verification_path;
  resp.deviceCode = prepared.device_code;
  resp.userCode = shown;
  resp.verificationUri = uri;
  resp.verificationUriComplete = uri + "?user_code=" + shown;
  resp.expiresIn = ctx_.settings.device_code_ttl_seconds;
  resp.interval = ctx_.settings.poll_interval_seconds;
  return resp;
}

std::expected<StartDeviceAuthorizationResponse, Error> DeviceService::begin(
    const Client& client, std::string start_url, std::vector<std::string> scopes,
    std::string_view requester_address) {
  auto prepared = prepare(client, std::move(start_url), std::move(scopes), requester_address);
  if (!prepared) return std::unexpected(std::move(prepared.error()));
  storage::DeviceAuthorizationRecord& rec = (*prepared)->record;

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

  // Test mode (--auto-approve): approved the moment it starts, so that no person is needed. A
  // user that cannot approve (disabled since start-up) leaves it pending, as a person would.
  if (ctx_.test && !ctx_.settings.auto_approve_user.empty()) {
    auto approved = decide(rec.user_code, true, ctx_.settings.auto_approve_user);
    if (!approved)
      core::record_event(ctx_.events, "device.auto_approve_failed",
                         {{"user", ctx_.settings.auto_approve_user},
                          {"client_id", rec.client_id},
                          {"reason", approved.error().error_description}});
  }

  return answer(**prepared);
}

std::expected<DeviceConfirmation, Error> DeviceService::confirmation(const UserCode& code) {
  auto found = ctx_.storage.device_authorizations().find_by_user_code(code.normalized());
  if (!found) return std::unexpected(found.error());
  std::int64_t now = ctx_.clock.now_epoch_seconds();
  if (ctx_.test && *found && ctx_.test->device_expired(code.normalized()))
    now = std::max(now, (*found)->expires_at);  // marked expired by the test mode's admin API
  if (!*found || !(*found)->awaiting_decision(now))
    return std::unexpected(undecidable(*found, now));
  const storage::DeviceAuthorizationRecord& rec = **found;
  DeviceConfirmation view;
  view.client_name = client_name(rec.client_id);
  view.display_code = code.display();
  view.requester_address = rec.requester_address;
  view.requested_at = rec.created_at;
  view.age_seconds = now - rec.created_at;
  view.seconds_left = rec.expires_at - now;
  return view;
}

std::string DeviceService::client_name(std::string_view client_id) {
  auto client = clients_.find_cached(client_id);
  if (!client || !*client) return {};
  return (*client)->client.client_name;
}

std::expected<DeviceDecision, Error> DeviceService::decide(
    std::string_view typed_user_code, bool allow, std::string_view user_name) {
  auto code = UserCode::parse(typed_user_code);
  if (!code)
    return std::unexpected(Error::make(ErrorType::kInvalidGrant, "Not a valid user code"));
  return decide(*code, allow, user_name);
}

std::expected<DeviceDecision, Error> DeviceService::decide(
    const UserCode& code, bool allow, std::string_view user_name) {
  // Only an enabled user can allow a device; anyone the operator names may deny one.
  if (allow) {
    auto user = users_.find_enabled(user_name);
    if (!user) {
      if (user.error().type != ErrorType::kAccessDenied) return std::unexpected(user.error());
      return std::unexpected(Error::make(ErrorType::kAccessDenied,
                                         "User '" + std::string(user_name) +
                                             "' does not exist or is disabled"));
    }
  }
  auto& store = ctx_.storage.device_authorizations();
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  if (ctx_.test && ctx_.test->device_expired(code.normalized()))
    return std::unexpected(Error::make(ErrorType::kExpiredToken, "The user code has expired"));
  auto decided = store.decide(code.normalized(), allow, user_name, now);
  if (!decided) return std::unexpected(decided.error());
  if (*decided) {
    core::record_event(ctx_.events, allow ? "device.approved" : "device.denied",
                       {{"user", user_name}, {"client_id", (*decided)->client_id}});
    return decision_view(**decided);
  }
  // Not decided: read the row only to say why.
  auto rec = store.find_by_user_code(code.normalized());
  if (!rec) return std::unexpected(rec.error());
  return std::unexpected(undecidable(*rec, now));
}

}  // namespace ssooidc::domain
