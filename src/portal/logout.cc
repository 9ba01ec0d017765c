#include "portal/error_response.h"
#include "portal/operations.h"
#include "portal/request.h"

namespace ssooidc::portal {

core::HttpResponse logout(domain::PortalService& s, const core::HttpRequest& req,
                          std::string_view request_id) {
  auto caller = s.authenticate(bearer_token(req));
  if (!caller) return error_response(caller.error(), request_id);
  if (auto done = s.logout(*caller); !done) return error_response(done.error(), request_id);
  // 200 with an empty body, as the service answers.
  core::HttpResponse resp;
  resp.set("x-amzn-RequestId", std::string(request_id));
  resp.set("Cache-Control", "no-store");
  return resp;
}

}  // namespace ssooidc::portal
