#include "api/error_response.h"

#include "wire/codec.h"

namespace ssooidc::api {

core::HttpResponse json_response(std::string body, std::string_view request_id) {
  core::HttpResponse resp;
  resp.status = 200;
  resp.headers.reserve(3);
  resp.headers.emplace_back("Content-Type", "application/json");
  resp.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  resp.body = std::move(body);
  return resp;
}

core::HttpResponse error_response(const Error& error, std::string_view request_id) {
  core::HttpResponse resp;
  resp.status = http_status_of(error.type);
  if (resp.status == 0) resp.status = 500;
  Error wire = error;
  if (wire.error.empty()) wire.error = std::string(oauth_code(error.type));
  resp.headers.reserve(3);
  resp.headers.emplace_back("Content-Type", "application/json");
  resp.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  std::string type(shape_name(error.type));
  type += kErrorTypeSuffix;
  resp.headers.emplace_back("x-amzn-ErrorType", std::move(type));
  resp.body = wire::encode_error_body(wire);
  return resp;
}

core::HttpResponse protocol_error(int status, std::string_view error_type, std::string_view code,
                                  std::string_view description, std::string_view request_id) {
  Error e;
  e.error = std::string(code);
  e.error_description = std::string(description);
  core::HttpResponse resp;
  resp.status = status;
  resp.headers.emplace_back("Content-Type", "application/json");
  resp.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  resp.headers.emplace_back("x-amzn-ErrorType", std::string(error_type) + std::string(kErrorTypeSuffix));
  resp.body = wire::encode_error_body(e);
  return resp;
}

}  // namespace ssooidc::api
