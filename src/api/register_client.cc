#include "api/error_response.h"
#include "api/missing_members.h"
#include "api/operations.h"
#include "wire/codec.h"

namespace ssooidc::api {

core::HttpResponse register_client(Services& s, const core::HttpRequest& req,
                                   std::string_view request_id) {
  auto decoded = wire::decode_register_client_request(req.body);
  if (!decoded) return error_response(decoded.error(), request_id);
  if (!decoded->missing_required.empty())
    return error_response(missing_member_error(decoded->missing_required), request_id);
  auto resp = s.clients.register_client(decoded->value, req.remote_address);
  if (!resp) return error_response(resp.error(), request_id);
  auto answer = json_response(wire::encode(*resp), request_id);
  answer.log.client_id = resp->clientId.value_or("");
  return answer;
}

std::optional<Deferred> register_client_deferred(Services& s, const core::HttpRequest& req,
                                                 std::string request_id, bool may_block) {
  auto decoded = wire::decode_register_client_request(req.body);
  if (!decoded || !decoded->missing_required.empty()) {
    // Answered without storage, as register_client answers it.
    return Deferred([answer = register_client(s, req, request_id)](
                        core::ResponseDone done) mutable { done(std::move(answer)); });
  }
  auto prepared = s.clients.prepare_registration(decoded->value, req.remote_address, may_block);
  if (!prepared) return std::nullopt;
  if (!*prepared) {
    return Deferred([answer = error_response(prepared->error(), request_id)](
                        core::ResponseDone done) mutable { done(std::move(answer)); });
  }
  return Deferred([&clients = s.clients, prepared = std::move(**prepared),
                   request_id = std::move(request_id)](core::ResponseDone done) mutable {
    clients.register_prepared(
        std::move(prepared),
        [request_id = std::move(request_id),
         done = std::move(done)](std::expected<RegisterClientResponse, Error> resp) mutable {
          if (!resp) {
            done(error_response(resp.error(), request_id));
            return;
          }
          auto answer = json_response(wire::encode(*resp), request_id);
          answer.log.client_id = resp->clientId.value_or("");
          done(std::move(answer));
        });
  });
}

}  // namespace ssooidc::api
