// The device authorization grant (RFC 8628) as AWS runs it: StartDeviceAuthorization hands out a
// device code and a user code; a person allows or denies the user code (web pages or the
// operator's CLI); CreateToken with the device_code grant polls (see TokenService).
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/rate_limiter.h"
#include "domain/user_code.h"
#include "domain/views.h"
#include "ssooidc/types.h"

namespace ssooidc::domain {

struct Context;
class ClientService;
class UserService;

// What the confirmation page shows (RFC 8628 section 5.4: enough for the person to recognise
// the request as their own) about an authorization that is awaiting a decision.
struct DeviceConfirmation {
  std::string client_name;        // the registration's clientName; empty when it has none
  std::string display_code;       // "WDJB-MJHT", to compare with the device
  std::string requester_address;  // who called StartDeviceAuthorization; empty when unknown
  std::int64_t requested_at = 0;  // epoch seconds
  std::int64_t age_seconds = 0;   // how long ago that was
  std::int64_t seconds_left = 0;  // until the code expires; always > 0
};

class DeviceService {
 public:
  DeviceService(Context& ctx, ClientService& clients, UserService& users);

  // Authenticates the client and creates a pending authorization. `requester_address` is shown to
  // the person on the confirmation page. SlowDown when that address has started more than
  // settings.start_device_authorization_per_minute a minute (an empty address is not throttled).
  [[nodiscard]] std::expected<StartDeviceAuthorizationResponse, Error> start(
      const StartDeviceAuthorizationRequest& req, std::string_view requester_address);

  // A pending authorization ready to insert, with the device code it hashes (defined in the .cc:
  // it holds the storage row, which the layers above never see).
  struct PreparedStart;
  // What start_prepared hands its answer to.
  using StartDone =
      std::move_only_function<void(std::expected<StartDeviceAuthorizationResponse, Error>)>;

  // start() in two halves, for a thread that must not wait for the database (issue 15: a durable
  // write completes on the I/O thread). The first half returns nullopt, having done nothing, when
  // it cannot be done so: the storage inserts only by waiting (PostgreSQL: DeviceAuthorization-
  // Store::inserts_without_waiting), test mode approves on start (--auto-approve), or, unless
  // `may_block`, the per-address throttle is on (it counts in storage) or the client is not in
  // memory (ClientService::authenticate_from_memory); the caller then calls start(). Otherwise
  // the refusal start() would answer, or the authorization to hand to start_prepared. With
  // `may_block` (a handler thread) the throttle and the client's lookup run here as in start().
  [[nodiscard]] std::optional<std::expected<std::shared_ptr<PreparedStart>, Error>> prepare_start(
      const StartDeviceAuthorizationRequest& req, std::string_view requester_address,
      bool may_block);
  // The second half: draws the user code and inserts without waiting. `done` gets what start()
  // would return, exactly once: on the storage's writer thread once the row is as durable as
  // start() makes it, or on this thread before this returns (the write queue is full).
  void start_prepared(std::shared_ptr<PreparedStart> prepared, StartDone done);

  // The same for the standard face (RFC 8628 3.1): `client` has been authenticated by the caller
  // (ClientService::authenticate_oauth); `scopes` (empty: the client's) must be registered for it
  // (InvalidScope otherwise). The same throttle, pages and approvals as start().
  [[nodiscard]] std::expected<StartDeviceAuthorizationResponse, Error> start_oauth(
      const Client& client, const std::vector<std::string>& scopes,
      std::string_view requester_address);

  // What a person sees before deciding on `code`: the confirmation() of an authorization that
  // is still awaiting a decision. Errors, each with the description the operator's CLI prints:
  //   InvalidGrant, reason kUnknownUserCode  no authorization has this code
  //   InvalidGrant, reason kDecidedUserCode  already allowed, denied or redeemed
  //   ExpiredToken                           still pending but past its expiry
  //   InternalServer                         storage failed
  [[nodiscard]] std::expected<DeviceConfirmation, Error> confirmation(const UserCode& code);

  // Allows or denies the pending authorization of `code` on behalf of `user_name`, who, to allow,
  // must exist and be enabled. Returns the authorization as decided. The errors of
  // confirmation(), plus AccessDenied when the user may not approve.
  [[nodiscard]] std::expected<DeviceDecision, Error> decide(
      const UserCode& code, bool allow, std::string_view user_name);
  // The same for text as typed; InvalidGrant "Not a valid user code" when it is not well formed.
  [[nodiscard]] std::expected<DeviceDecision, Error> decide(
      std::string_view typed_user_code, bool allow, std::string_view user_name);

  // The clientName of a registration; "" when it has none, is unknown or storage fails (it is only
  // shown to people).
  [[nodiscard]] std::string client_name(std::string_view client_id);

  // The `reason` of the InvalidGrant errors above, for callers that answer them differently.
  static constexpr std::string_view kUnknownUserCode = "UNKNOWN_USER_CODE";
  static constexpr std::string_view kDecidedUserCode = "USER_CODE_ALREADY_DECIDED";
  [[nodiscard]] static bool has_reason(const Error& error, std::string_view reason) noexcept {
    return error.reason && *error.reason == reason;
  }

 private:
  // Stores a pending authorization of `client` and answers with its codes.
  [[nodiscard]] std::expected<StartDeviceAuthorizationResponse, Error> begin(
      const Client& client, std::string start_url, std::vector<std::string> scopes,
      std::string_view requester_address);

  // UnauthorizedClient when `client` may not use the device grant; the authorization otherwise
  // (its user code still to draw).
  [[nodiscard]] std::expected<std::shared_ptr<PreparedStart>, Error> prepare(
      const Client& client, std::string start_url, std::vector<std::string> scopes,
      std::string_view requester_address);
  // The answer for a stored `prepared`.
  [[nodiscard]] StartDeviceAuthorizationResponse answer(const PreparedStart& prepared) const;
  // start_prepared with `attempts_left` user codes to draw in all.
  void insert_without_waiting(std::shared_ptr<PreparedStart> prepared, int attempts_left,
                              StartDone done);

  // SlowDown (or the storage error) when the address is over its start budget; nullopt: go on.
  std::optional<Error> throttled(std::string_view requester_address);

  Context& ctx_;
  ClientService& clients_;
  UserService& users_;
  RateLimiter throttle_;  // per address, counted in storage: across every server process
};

}  // namespace ssooidc::domain
