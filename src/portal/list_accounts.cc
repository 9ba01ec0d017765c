#include "portal/error_response.h"
#include "portal/operations.h"
#include "portal/request.h"
#include "wire/portal_codec.h"

namespace ssooidc::portal {

core::HttpResponse list_accounts(domain::PortalService& s, const core::HttpRequest& req,
                                 std::string_view request_id) {
  auto listing = listing_request(s, req);
  if (!listing) return error_response(listing.error(), request_id);
  auto page = s.list_accounts(listing->caller, listing->max_results,
                              param(listing->params, "next_token"));
  if (!page) return error_response(page.error(), request_id);
  return json_response(wire::encode(*page), request_id);
}

}  // namespace ssooidc::portal
