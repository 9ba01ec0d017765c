// The one place the standard face turns an Error into HTTP: RFC 6749 5.2 (status 400, 401 for
// invalid_client with `WWW-Authenticate`, 500 for server_error; body {"error",
// "error_description"}), and RFC 6750 3 for bearer-token errors. Every answer of the face has
// `Cache-Control: no-store` (RFC 6749 5.1).
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::oauth {

// The realm of the WWW-Authenticate challenges.
inline constexpr std::string_view kRealm = "ssooidc";

// 200 with Content-Type application/json, Cache-Control no-store and Pragma no-cache.
core::HttpResponse json_response(std::string body);

// RFC 6749 5.2. A storage failure's description stays in the server (storage/backend_error.h).
core::HttpResponse error_response(const Error& error);

// RFC 6750 3.1: 401 with `WWW-Authenticate: Bearer realm=..., error="invalid_token"` (or no
// error when no token was sent: `error` empty), 403 for insufficient_scope.
core::HttpResponse bearer_error(std::string_view error, std::string_view description);

// 405 with `Allow`, in the RFC 6749 5.2 shape.
core::HttpResponse method_not_allowed(std::string_view allow);

}  // namespace ssooidc::oauth
