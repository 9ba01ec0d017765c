#include "api/error_response.h"
#include "api/missing_members.h"
#include "api/operations.h"
#include "wire/codec.h"

namespace ssooidc::api {

core::HttpResponse create_token(Services& s, const core::HttpRequest& req,
                                std::string_view request_id) {
  auto decoded = wire::decode_create_token_request(req.body);
  if (!decoded) return error_response(decoded.error(), request_id);
  if (!decoded->missing_required.empty())
    return error_response(missing_member_error(decoded->missing_required), request_id);
  auto resp = s.tokens.create_token(decoded->value);
  auto answer = resp ? json_response(wire::encode(*resp), request_id)
                     : error_response(resp.error(), request_id);
  answer.log.client_id = loggable_client_id(decoded->value.clientId);
  return answer;
}

}  // namespace ssooidc::api
