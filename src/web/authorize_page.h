// GET|POST /authorize: the person's side of the Authorization Code Flow with PKCE (reference 5.5).
//
//   GET  /authorize?...   validates the request; signed out: 303 to the sign-in page with this
//                         URL as its return target (sign_in_page.cc), which comes back here
//                         after sign-in; signed in: the consent page naming the client and scopes
//   POST /authorize?...   the consent form (decision=allow|deny)
//
// The authorize parameters stay in the query string of every form and of the return target, so
// nothing of the request is kept in the session. An unknown client or an unregistered redirect URI
// gets an error page; any other problem, and the person's decision, go back to the redirect URI
// with a 302 (RFC 6749 4.1.2). web.cc has already checked the CSRF token and origin of POSTs.
#pragma once

#include "core/http_message.h"

namespace ssooidc::web {

struct PageDeps;
struct PageRequest;

inline constexpr std::string_view kAuthorizePath = "/authorize";

core::HttpResponse authorize_page(PageDeps& deps, PageRequest& req);

}  // namespace ssooidc::web
