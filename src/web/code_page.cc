// The verification page (RFC 8628 section 3.3): where a person types the user code, and where
// verificationUriComplete (?user_code=) lands. A code that exists moves on to the confirmation
// page; nothing here approves anything.
#include <algorithm>

#include "web/pages.h"

namespace ssooidc::web {
namespace {

core::HttpResponse code_form(PageDeps& deps, const PageRequest& req, int status,
                             std::string error, std::string_view typed) {
  return render_page(deps, req, status, "templates/code.html",
                     {{"page_title", "Enter the code"},
                      {"error", std::move(error)},
                      {"typed_code", std::string(typed.substr(0, 32))}});
}

// Looks a typed code up for this browser (POST only: a GET never looks anything up, so another
// site's <img src="/device?user_code=..."> can neither guess nor spend this browser's budget).
// Wrong codes count against the per-browser and per-address limits (RFC 8628 section 5.1, numbers
// in web.h), counted before the lookup and refunded when the code exists; a code this browser
// already found does not count again.
core::HttpResponse look_up(PageDeps& deps, PageRequest& req, std::string_view typed) {
  auto code = domain::UserCode::parse(typed);
  if (!code)
    return code_form(deps, req, 400,
                     "That doesn't look like a code. Codes are 8 letters, like WDJB-MJHT.", typed);
  const std::string address = req.address_key();
  const bool counted = !req.session.has_checked(code->normalized());
  if (counted) {
    // Counted in storage, so guesses spread over several server processes count together.
    auto per_session = deps.code_per_session.try_acquire(req.session.browser_key);
    if (!per_session) return internal_error_page(deps, req);
    std::int64_t per_address = 0;
    if (*per_session == 0) {
      auto counted_address = deps.code_per_address.try_acquire(address);
      if (!counted_address) {
        refund_attempt(deps.code_per_session, req.session.browser_key);
        return internal_error_page(deps, req);
      }
      per_address = *counted_address;
    }
    if (*per_session > 0 || per_address > 0) {
      if (*per_session == 0) refund_attempt(deps.code_per_session, req.session.browser_key);
      return too_many_attempts_page(deps, req, std::max(*per_session, per_address),
                                    "wrong codes");
    }
  }
  // Only a code that does not exist is a wrong guess: anything else gives the attempt back.
  auto refund = [&] {
    if (!counted) return;
    refund_attempt(deps.code_per_session, req.session.browser_key);
    refund_attempt(deps.code_per_address, address);
  };
  auto found = deps.devices.confirmation(*code);
  if (!found) {
    const Error& error = found.error();
    if (domain::DeviceService::has_reason(error, domain::DeviceService::kUnknownUserCode)) {
      return code_form(deps, req, 404,
                       "We couldn't find that code. Check the code shown on your device and type "
                       "it again. If the code is more than a few minutes old, start the sign-in "
                       "again on your device to get a new one.",
                       typed);
    }
    refund();
    return undecidable_code_page(deps, req, error);
  }
  refund();
  req.session.remember_checked(code->normalized());
  // An anonymous browser gets its stored session now; none is made when the store is full of
  // signed-in ones (domain/browser_sessions.h).
  if (!save_session(deps, req) && !req.session_ended) return internal_error_page(deps, req);
  return redirect(deps.confirm_path() + "?user_code=" + code->display());
}

}  // namespace

core::HttpResponse code_page(PageDeps& deps, PageRequest& req) {
  if (req.is_post()) {
    const std::string_view typed = field(req.form, "user_code");
    if (typed.find_first_not_of(" \t-") == std::string_view::npos)
      return code_form(deps, req, 400, "Enter the code shown on your device.", typed);
    return look_up(deps, req, typed);
  }
  // verificationUriComplete: a code this browser has already found goes on to its confirmation;
  // any other only fills the form in, for the person to send (POST, CSRF-checked, counted).
  const std::string_view typed = field(req.query, "user_code");
  if (auto code = domain::normalize_user_code(typed); code && req.session.has_checked(*code))
    return redirect(deps.confirm_path() + "?user_code=" + domain::display_user_code(*code));
  return code_form(deps, req, 200, "", typed);
}

}  // namespace ssooidc::web
