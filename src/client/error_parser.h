// Turns a non-2xx HTTP answer into an Error, the way the reference's error table (section 4.2)
// says the AWS clients do it.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "client/http_transport.h"
#include "ssooidc/error.h"

namespace ssooidc::client {

// The shape name in an error code as found on the wire: the part before the first ':' (Coral
// "Name:http://internal.amazon.com/coral/..."), then the part after the last '#'
// ("com.amazonaws.ssooidc#Name"). JS clients also cut at ','; so do we.
[[nodiscard]] std::string sanitize_error_code(std::string_view raw);

// The error type comes from the x-amzn-ErrorType header, else body `code` / `Code`, else body
// `__type`. `error`, `error_description` (falling back to `message` / `Message`) and `reason` come
// from the body; http_status and request_id (x-amzn-RequestId) from the answer. A type name that
// is not modeled gives ErrorType::kUnknown with the name in `error`; with no name at all `error`
// is the body's `error`, else the HTTP status as text (as botocore does).
[[nodiscard]] Error parse_error_response(const HttpReply& reply);

// Whether an error is worth retrying: HTTP 500/502/503/504, 429, InternalServerException,
// TooManyRequestsException, throttling and request-timeout codes, and transport errors. Never the
// device-flow answers, and never the portal's Unauthorized, ResourceNotFound or InvalidRequest.
[[nodiscard]] bool is_retryable(const Error& error) noexcept;

}  // namespace ssooidc::client
