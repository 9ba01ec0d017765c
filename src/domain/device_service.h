// The device authorization grant (RFC 8628) as AWS runs it: StartDeviceAuthorization hands out a
// device code and a user code; a person allows or denies the user code (web pages or the
// operator's CLI); CreateToken with the device_code grant polls (see TokenService).
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/request_throttle.h"
#include "ssooidc/types.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class DeviceService {
 public:
  DeviceService(Context& ctx, ClientService& clients)
      : ctx_(ctx),
        clients_(clients),
        throttle_(ctx.clock, ctx.settings.start_device_authorization_per_minute) {}

  // Authenticates the client and creates a pending authorization. `requester_address` is shown to
  // the person on the confirmation page. SlowDown when that address has started more than
  // settings.start_device_authorization_per_minute a minute (an empty address is not throttled).
  std::expected<StartDeviceAuthorizationResponse, Error> start(
      const StartDeviceAuthorizationRequest& req, std::string_view requester_address);

  // What a person sees before deciding: the authorization behind a typed user code. nullopt when
  // the text is not a well-formed user code or no authorization has it.
  std::expected<std::optional<storage::DeviceAuthorizationRecord>, Error> find_by_user_code(
      std::string_view typed_user_code);

  // Allows or denies the pending authorization of `typed_user_code` on behalf of `user_name`,
  // who, to allow, must exist and be enabled. InvalidGrant when the code is unknown, no longer pending or
  // expired (description says which); AccessDenied when the user may not approve.
  std::expected<storage::DeviceAuthorizationRecord, Error> decide(std::string_view typed_user_code,
                                                                  bool allow,
                                                                  std::string_view user_name);

 private:
  Context& ctx_;
  ClientService& clients_;
  RequestThrottle throttle_;
};

}  // namespace ssooidc::domain
