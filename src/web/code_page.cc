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

// Looks a typed code up for this browser. Wrong codes count against the per-browser and
// per-address limits (RFC 8628 section 5.1, numbers in web.h); a code this browser already found
// does not count again.
core::HttpResponse look_up(PageDeps& deps, PageRequest& req, std::string_view typed) {
  auto code = domain::UserCode::parse(typed);
  if (!code)
    return code_form(deps, req, 400,
                     "That doesn't look like a code. Codes are 8 letters, like WDJB-MJHT.", typed);
  const std::string address = req.address_key();
  if (!req.session.has_checked(code->normalized())) {
    const std::int64_t retry =
        std::max(deps.code_per_session.retry_after_seconds(req.session.browser_key),
                 deps.code_per_address.retry_after_seconds(address));
    if (retry > 0) return too_many_attempts_page(deps, req, retry, "wrong codes");
  }
  auto found = deps.devices.confirmation(*code);
  if (!found) {
    const Error& error = found.error();
    if (domain::DeviceService::has_reason(error, domain::DeviceService::kUnknownUserCode)) {
      deps.code_per_session.record_failure(req.session.browser_key);
      deps.code_per_address.record_failure(address);
      return code_form(deps, req, 404,
                       "We couldn't find that code. Check the code shown on your device and type "
                       "it again. If the code is more than a few minutes old, start the sign-in "
                       "again on your device to get a new one.",
                       typed);
    }
    return undecidable_code_page(deps, req, error);
  }
  req.session.remember_checked(code->normalized());
  save_session(deps, req);
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
  const std::string_view typed = field(req.query, "user_code");
  if (typed.empty()) return code_form(deps, req, 200, "", "");
  return look_up(deps, req, typed);
}

}  // namespace ssooidc::web
