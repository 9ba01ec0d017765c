#include "api/error_response.h"
#include "api/missing_members.h"
#include "api/operations.h"
#include "wire/codec.h"

namespace ssooidc::api {

core::HttpResponse start_device_authorization(Services& s, const core::HttpRequest& req,
                                              std::string_view request_id) {
  auto decoded = wire::decode_start_device_authorization_request(req.body);
  if (!decoded) return error_response(decoded.error(), request_id);
  if (!decoded->missing_required.empty())
    return error_response(missing_member_error(decoded->missing_required), request_id);
  auto resp = s.devices.start(decoded->value, req.remote_address);
  auto answer = resp ? json_response(wire::encode(*resp), request_id)
                     : error_response(resp.error(), request_id);
  answer.log.client_id = loggable_client_id(decoded->value.clientId);
  return answer;
}

std::optional<Deferred> start_device_authorization_deferred(Services& s,
                                                            const core::HttpRequest& req,
                                                            std::string request_id,
                                                            bool may_block) {
  auto decoded = wire::decode_start_device_authorization_request(req.body);
  if (!decoded || !decoded->missing_required.empty()) {
    // Answered without storage, as start_device_authorization answers it.
    return Deferred([answer = start_device_authorization(s, req, request_id)](
                        core::ResponseDone done) mutable { done(std::move(answer)); });
  }
  auto prepared = s.devices.prepare_start(decoded->value, req.remote_address, may_block);
  if (!prepared) return std::nullopt;
  std::string client_id(loggable_client_id(decoded->value.clientId));
  if (!*prepared) {
    auto answer = error_response(prepared->error(), request_id);
    answer.log.client_id = client_id;
    return Deferred(
        [answer = std::move(answer)](core::ResponseDone done) mutable { done(std::move(answer)); });
  }
  return Deferred([&devices = s.devices, prepared = std::move(**prepared),
                   request_id = std::move(request_id),
                   client_id = std::move(client_id)](core::ResponseDone done) mutable {
    devices.start_prepared(
        std::move(prepared),
        [request_id = std::move(request_id), client_id = std::move(client_id),
         done = std::move(done)](
            std::expected<StartDeviceAuthorizationResponse, Error> resp) mutable {
          auto answer = resp ? json_response(wire::encode(*resp), request_id)
                             : error_response(resp.error(), request_id);
          answer.log.client_id = client_id;
          done(std::move(answer));
        });
  });
}

}  // namespace ssooidc::api
