// Sign-out: ends the browser session (POST with the CSRF token, so another site cannot sign a
// person out) and expires the cookie.
#include "web/pages.h"

namespace ssooidc::web {

core::HttpResponse sign_out_page(PageDeps& deps, PageRequest& req) {
  // Removed from storage, the session ends on every server process at once.
  if (auto removed = deps.sessions.remove(req.session.id); !removed)
    return internal_error_page(deps, req);
  req.session_ended = true;
  return code_result_page(deps, req,
                          {200, "success", "You have signed out",
                           "This browser is no longer signed in.",
                           "To connect another device, enter its code and sign in again.",
                           "Enter a code"});
}

}  // namespace ssooidc::web
