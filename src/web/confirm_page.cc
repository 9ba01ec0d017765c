// The confirmation page (RFC 8628 section 5.4): before anything is allowed, the person sees which
// client asked, the code in large type to compare with their device, when and from where the
// request came, and chooses Allow or Deny.
#include "core/time_format.h"
#include "web/display_text.h"
#include "web/pages.h"

namespace ssooidc::web {
namespace {

// The client's name as it may be shown (display_text.h: no bidi or invisible characters).
std::string client_name_or_default(const std::string& name) {
  std::string shown = display_text(name);
  if (shown.find_first_not_of(' ') == std::string::npos) return "An unnamed application";
  return shown;
}

core::HttpResponse show(PageDeps& deps, PageRequest& req, const domain::UserCode& code) {
  auto view = deps.devices.confirmation(code);
  if (!view) return undecidable_code_page(deps, req, view.error());
  return render_page(
      deps, req, 200, "templates/confirm.html",
      {{"page_title", "Allow access?"},
       {"client_name", client_name_or_default(view->client_name)},
       {"user_code", view->display_code},
       {"user_name", req.session.user_name},
       {"requested_at", core::format_utc_text(view->requested_at)},
       {"requested_ago", format_ago(view->age_seconds)},
       {"requester_address",
        view->requester_address.empty() ? std::string("unknown") : view->requester_address},
       {"expires_in", format_duration(view->seconds_left)}});
}

core::HttpResponse decide(PageDeps& deps, PageRequest& req, const domain::UserCode& code) {
  const std::string_view decision = field(req.form, "decision");
  if (decision != "allow" && decision != "deny")
    return redirect(deps.confirm_path() + "?user_code=" + code.display());
  const bool allow = decision == "allow";
  auto decided = deps.devices.decide(code, allow, req.session.user_name);
  // The code has served its purpose for this browser whatever the outcome.
  std::erase(req.session.checked_user_codes, code.normalized());
  // Not saved: the code stays in the list, harmlessly, since decide() refuses a second decision.
  save_session(deps, req);
  if (!decided) {
    if (decided.error().type == ErrorType::kAccessDenied) return disabled_user_page(deps, req);
    return undecidable_code_page(deps, req, decided.error());
  }
  const std::string client = client_name_or_default(deps.devices.client_name(decided->client_id));
  ResultView result;
  result.action_url = deps.code_path();
  result.action_label = "Enter another code";
  if (allow) {
    result.kind = "success";
    result.heading = "Device allowed";
    result.message = client + " can now sign in as " + req.session.user_name + ".";
    result.next_step = "Return to your device: it continues on its own within a few seconds. You "
                       "can close this window.";
  } else {
    result.kind = "denied";
    result.heading = "Request denied";
    result.message = client + " was not given access.";
    result.next_step = "If you did not start this sign-in yourself, someone may have tried to "
                       "trick you into approving it; nothing more needs to be done. To sign in a "
                       "device, start again on that device.";
  }
  core::HttpResponse page = result_page(deps, req, result);
  page.events |= allow ? core::response_event::kLoginAllowed : core::response_event::kLoginDenied;
  return page;
}

}  // namespace

core::HttpResponse confirm_page(PageDeps& deps, PageRequest& req) {
  const std::string_view typed = req.is_post() ? field(req.form, "user_code")
                                               : field(req.query, "user_code");
  auto code = domain::UserCode::parse(typed);
  if (!code) return redirect(deps.code_path());
  const std::string shown = code->display();
  // Only codes this browser looked up through the rate-limited code page get this far.
  if (!req.session.has_checked(code->normalized()))
    return redirect(deps.code_path() + "?user_code=" + shown);
  if (!req.session.signed_in()) return redirect(deps.sign_in_path() + "?user_code=" + shown);
  if (auto refused = unless_enabled_user(deps, req)) return std::move(*refused);
  return req.is_post() ? decide(deps, req, *code) : show(deps, req, *code);
}

}  // namespace ssooidc::web
