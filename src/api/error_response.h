// The one place an Error becomes HTTP: the status of its shape, `x-amzn-ErrorType` in the Coral
// form the real service sends, and the `{"error","error_description"}` body (reference 4.2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::api {

// A client id as the access log shows it: what the request named, cut to 64 characters (a
// stranger chooses it; the log's writer escapes it).
inline std::string_view loggable_client_id(std::string_view client_id) {
  return client_id.substr(0, 64);
}

core::HttpResponse error_response(const Error& error, std::string_view request_id);
// error_response(error, request_id) for the answers repeated at a high rate (issue 15: a poll's
// AuthorizationPending, SlowDown or ExpiredToken from memory): the same status, fields and body,
// byte for byte, sent from a core::PreparedResponse built once per distinct error and thread
// (at most kPreparedErrorsPerThread of them; any other error is built as error_response does).
core::HttpResponse prepared_error_response(const Error& error, std::string_view request_id);
inline constexpr std::size_t kPreparedErrorsPerThread = 8;
// The HTTP status the service answers `type` with (Error::make's http_status): 400; 401 for
// InvalidClient; 500 for InternalServer and the client-side kinds, which the server never sends.
[[nodiscard]] int http_status_of(ErrorType type);
// The x-amzn-ErrorType value the service sends for a shape, in Coral form (reference 4.2):
// "<Shape>:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/".
[[nodiscard]] std::string coral_error_type(std::string_view shape);
// 200 with Content-Type application/json and x-amzn-RequestId.
core::HttpResponse json_response(std::string body, std::string_view request_id);
// Errors outside the model (no route, wrong method, body too large) in the same shape.
core::HttpResponse protocol_error(int status, std::string_view error_type, std::string_view code,
                                  std::string_view description, std::string_view request_id);
// The HTTP transport's own answers (http::ServerOptions::error_response), shaped as the service
// shapes its faults: 500 and 503 (too busy) are InternalServerException, any other status (400 malformed request,
// 413 body too large, 431 header too large) InvalidRequestException with `description`.
core::HttpResponse transport_error_response(int status, std::string_view description,
                                            std::string_view request_id);

}  // namespace ssooidc::api
