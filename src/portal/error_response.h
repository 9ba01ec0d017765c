// The one place a portal Error becomes HTTP: the status of its shape, `x-amzn-ErrorType: <Shape>`
// (botocore and the JS SDK read the header), x-amzn-RequestId, and the body the real service
// sends, {"message":"...","__type":"com.amazonaws.switchboard.portal#<Shape>"}.
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::portal {

core::HttpResponse error_response(const Error& error, std::string_view request_id);
// Errors outside the model (wrong method) in the same shape.
core::HttpResponse protocol_error(int status, std::string_view shape, std::string_view message,
                                  std::string_view request_id);
// 200 with Content-Type application/json and x-amzn-RequestId.
core::HttpResponse json_response(std::string body, std::string_view request_id);

}  // namespace ssooidc::portal
