#include "portal/error_response.h"
#include "portal/operations.h"
#include "portal/request.h"
#include "wire/portal_codec.h"

namespace ssooidc::portal {

core::HttpResponse get_role_credentials(domain::PortalService& s, const core::HttpRequest& req,
                                        std::string_view request_id) {
  auto caller = s.authenticate(bearer_token(req));
  if (!caller) return error_response(caller.error(), request_id);
  auto params = parse_query(req.query);
  if (!params) return error_response(params.error(), request_id);
  auto creds = s.get_role_credentials(*caller, param(*params, "account_id").value_or(""),
                                      param(*params, "role_name").value_or(""));
  if (!creds) return error_response(creds.error(), request_id);
  return json_response(wire::encode(GetRoleCredentialsResponse{std::move(*creds)}), request_id);
}

}  // namespace ssooidc::portal
