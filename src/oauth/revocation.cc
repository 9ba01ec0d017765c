#include "oauth/error_response.h"
#include "oauth/operations.h"
#include "oauth/request.h"

namespace ssooidc::oauth {

// RFC 7009 2: the client authenticates as at the token endpoint (a public client by its id), and
// gets 200 whether or not the token was known (2.2). token_type_hint is only a hint: both kinds
// are looked up by hash anyway.
core::HttpResponse revocation(Services& s, const core::HttpRequest& req) {
  auto form = FormParams::parse(req.body);
  if (!form) return error_response(form.error());
  auto client = authenticated_client(s.clients, req, *form);
  if (!client) return error_response(client.error());
  const auto token = form->get("token");
  if (!token) return error_response(Error::make(ErrorType::kInvalidRequest, "token is required"));
  if (auto revoked = s.inspection.revoke(*client, *token); !revoked)
    return error_response(revoked.error());
  auto resp = json_response("");
  resp.headers.erase(resp.headers.begin());  // no body, so no Content-Type
  return resp;
}

}  // namespace ssooidc::oauth
