#include "portal/error_response.h"

#include "core/aws_json.h"
#include "wire/portal_codec.h"

namespace ssooidc::portal {

core::HttpResponse json_response(std::string body, std::string_view request_id) {
  core::HttpResponse resp = core::aws_json_response(200, std::move(body), request_id, 1);
  resp.headers.emplace_back("Cache-Control", "no-store");
  return resp;
}

core::HttpResponse protocol_error(int status, std::string_view shape, std::string_view message,
                                  std::string_view request_id) {
  core::HttpResponse resp = core::aws_json_response(
      status, wire::encode_portal_error_body(shape, message), request_id, 1);
  resp.headers.emplace_back("x-amzn-ErrorType", std::string(shape));
  resp.log.error_type = shape;
  resp.log.request_id = request_id;
  return resp;
}

core::HttpResponse error_response(const Error& error, std::string_view request_id) {
  const int status = Error::make(error.type, {}).http_status;
  // status 0: a type the portal model has no shape for; the caller sees InternalServerException,
  // which the SDKs retry, rather than a shape it cannot parse.
  if (error.type == ErrorType::kInternalServer || status == 0) {
    // A storage failure's description names the operation and the database's reason: for the
    // log, not for the caller (storage/backend_error.h).
    const bool storage = error.error_description.starts_with("storage: ");
    core::HttpResponse resp = protocol_error(
        500, "InternalServerException",
        storage ? "The server could not complete the request" : error.error_description,
        request_id);
    if (storage) resp.events |= core::response_event::kStorageFailed;
    return resp;
  }
  return protocol_error(status, shape_name(error.type), error.error_description, request_id);
}

}  // namespace ssooidc::portal
