#include "portal/error_response.h"
#include "portal/operations.h"
#include "portal/request.h"
#include "wire/portal_codec.h"

namespace ssooidc::portal {

core::HttpResponse list_account_roles(domain::PortalService& s, const core::HttpRequest& req,
                                      std::string_view request_id) {
  auto caller = s.authenticate(bearer_token(req));
  if (!caller) return error_response(caller.error(), request_id);
  auto params = parse_query(req.query);
  if (!params) return error_response(params.error(), request_id);
  auto max_results = max_result_param(*params);
  if (!max_results) return error_response(max_results.error(), request_id);
  auto page = s.list_account_roles(*caller, param(*params, "account_id").value_or(""),
                                   *max_results, param(*params, "next_token"));
  if (!page) return error_response(page.error(), request_id);
  return json_response(wire::encode(*page), request_id);
}

}  // namespace ssooidc::portal
