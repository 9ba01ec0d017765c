// The standard OAuth 2.0 / OpenID Connect face (issue 14), beside the AWS one (src/api):
//   POST /token                 token endpoint (RFC 6749 3.2) when the body is
//                               application/x-www-form-urlencoded, which no AWS client sends
//   POST /device_authorization  device authorization endpoint (RFC 8628 3.1), the same way
//   POST /revoke                revocation (RFC 7009)
//   POST /introspect            introspection (RFC 7662), for authenticated clients
//   GET|POST /userinfo          OpenID Connect Core 5.3, bearer access token
//   GET /.well-known/openid-configuration, /.well-known/oauth-authorization-server
//                               the metadata (OpenID Connect Discovery 1.0, RFC 8414)
// Requests to /token and /device_authorization that are not form posts are not this face's and
// go on to the AWS face. Errors have the RFC 6749 5.2 shape (oauth/error_response.h).
//
// Thread safety: as safe as the Services it holds (the domain services are).
#pragma once

#include <optional>

#include "core/http_message.h"
#include "oauth/services.h"

namespace ssooidc::oauth {

class OAuth {
 public:
  explicit OAuth(Services services) : services_(services) {}

  // The answer, or nullopt when the request is not this face's.
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);

 private:
  Services services_;
};

// True when the request's Content-Type is application/x-www-form-urlencoded (any parameters,
// any case).
[[nodiscard]] bool is_form_post(const core::HttpRequest& req) noexcept;

}  // namespace ssooidc::oauth
