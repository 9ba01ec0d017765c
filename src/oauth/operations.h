// One handler per endpoint of the standard face. Each reads the form (or the bearer token),
// calls the domain, and answers JSON or the RFC 6749 5.2 error. None throws.
#pragma once

#include "core/http_message.h"
#include "oauth/services.h"

namespace ssooidc::oauth {

core::HttpResponse token(Services& s, const core::HttpRequest& req);
core::HttpResponse device_authorization(Services& s, const core::HttpRequest& req);
core::HttpResponse revocation(Services& s, const core::HttpRequest& req);
core::HttpResponse introspection(Services& s, const core::HttpRequest& req);
core::HttpResponse userinfo(Services& s, const core::HttpRequest& req);
// The metadata document, the same at both well-known paths (RFC 8414 3, OpenID Connect
// Discovery 1.0 3): every endpoint, grant, authentication method and algorithm this face serves.
core::HttpResponse discovery(Services& s, const core::HttpRequest& req);
[[nodiscard]] std::string metadata_json(const domain::Settings& settings);

}  // namespace ssooidc::oauth
