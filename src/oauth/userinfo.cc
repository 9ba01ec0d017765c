#include "core/json_text.h"
#include "domain/token_inspection.h"
#include "oauth/error_response.h"
#include "oauth/operations.h"

namespace ssooidc::oauth {

// OpenID Connect Core 5.3 with the access token in `Authorization: Bearer` (RFC 6750 2.1).
core::HttpResponse userinfo(Services& s, const core::HttpRequest& req) {
  const std::string_view authorization = req.header("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  // RFC 6750 2.1 (the scheme is case-insensitive, RFC 9110 11.1).
  if (authorization.size() <= kScheme.size() ||
      !core::iequals(authorization.substr(0, kScheme.size()), kScheme))
    return bearer_error("", "An access token is required (Authorization: Bearer)");
  auto info = s.inspection.userinfo(authorization.substr(kScheme.size()));
  if (!info) {
    const Error& e = info.error();
    if (e.type == ErrorType::kUnauthorized)
      return bearer_error(e.reason.value_or(std::string(domain::TokenInspection::kInvalidToken)),
                          e.error_description);
    return error_response(e);
  }
  std::string out = "{\"sub\":" + core::json_quote(info->subject);
  if (!info->email.empty()) out += ",\"email\":" + core::json_quote(info->email);
  out += '}';
  return json_response(std::move(out));
}

}  // namespace ssooidc::oauth
