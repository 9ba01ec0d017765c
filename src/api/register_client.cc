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

}  // namespace ssooidc::api
