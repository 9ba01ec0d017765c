// The one place an Error becomes HTTP: the status of its shape, `x-amzn-ErrorType` in the Coral
// form the real service sends, and the `{"error","error_description"}` body (reference 4.2).
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::api {

core::HttpResponse error_response(const Error& error, std::string_view request_id);
// 200 with Content-Type application/json and x-amzn-RequestId.
core::HttpResponse json_response(std::string body, std::string_view request_id);
// Errors outside the model (no route, wrong method, body too large) in the same shape.
core::HttpResponse protocol_error(int status, std::string_view error_type, std::string_view code,
                                  std::string_view description, std::string_view request_id);

}  // namespace ssooidc::api
