#include "core/json_text.h"
#include "oauth/error_response.h"
#include "oauth/operations.h"
#include "oauth/request.h"

namespace ssooidc::oauth {

// RFC 7662 2. The caller must authenticate with a secret (2.1: the endpoint is for protected
// resources, not for anyone holding a client id).
core::HttpResponse introspection(Services& s, const core::HttpRequest& req) {
  auto form = FormParams::parse(req.body);
  if (!form) return error_response(form.error());
  auto client = authenticated_client(s.clients, req, *form, /*secret_required=*/true);
  if (!client) return error_response(client.error());
  const auto token = form->get("token");
  if (!token) return error_response(Error::make(ErrorType::kInvalidRequest, "token is required"));
  auto described = s.inspection.introspect(*client, *token);
  if (!described) return error_response(described.error());
  if (!*described) return json_response("{\"active\":false}");
  const domain::IssuedToken& t = (*described)->token;
  std::string out = "{\"active\":true,\"scope\":" +
                    core::json_quote(domain::join_scope(t.scopes)) +
                    ",\"client_id\":" + core::json_quote(t.client_id) +
                    ",\"username\":" + core::json_quote(t.user_name) +
                    ",\"sub\":" + core::json_quote(t.user_name) +
                    ",\"aud\":" + core::json_quote(t.client_id) +
                    ",\"iss\":" + core::json_quote(s.settings.public_url) +
                    ",\"exp\":" + std::to_string(t.expires_at) +
                    ",\"iat\":" + std::to_string(t.issued_at);
  // RFC 7662 2.2: token_type as in RFC 6749 5.1, which names access tokens only.
  if (t.kind == domain::TokenKind::kAccess) out += ",\"token_type\":\"Bearer\"";
  out += '}';
  return json_response(std::move(out));
}

}  // namespace ssooidc::oauth
