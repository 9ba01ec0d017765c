#include "oauth/oauth.h"

#include "oauth/error_response.h"
#include "oauth/operations.h"

namespace ssooidc::oauth {

bool is_form_post(const core::HttpRequest& req) noexcept {
  std::string_view type = req.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return core::iequals(type, "application/x-www-form-urlencoded");
}

std::optional<core::HttpResponse> OAuth::handle(const core::HttpRequest& req) {
  using Op = core::HttpResponse (*)(Services&, const core::HttpRequest&);
  Op op = nullptr;
  std::string_view allow = "POST";
  const std::string_view path = req.path;
  if (path == "/token" || path == "/device_authorization") {
    // The AWS face's paths: a form post is this face's, anything else the AWS face's.
    if (req.method != "POST" || !is_form_post(req)) return std::nullopt;
    op = path == "/token" ? &token : &device_authorization;
  } else if (path == "/revoke") {
    op = &revocation;
  } else if (path == "/introspect") {
    op = &introspection;
  } else if (path == "/userinfo") {
    op = &userinfo;
    allow = "GET, POST";
  } else if (path == "/.well-known/openid-configuration" ||
             path == "/.well-known/oauth-authorization-server") {
    op = &discovery;
    allow = "GET, HEAD";
  } else {
    return std::nullopt;
  }
  bool allowed = false;
  for (std::string_view rest = allow; !rest.empty() && !allowed;) {
    const auto comma = rest.find(", ");
    allowed = rest.substr(0, comma) == req.method;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
  }
  if (!allowed) return method_not_allowed(allow);
  return op(services_, req);
}

}  // namespace ssooidc::oauth
