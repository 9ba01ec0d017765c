// The confirmation page (RFC 8628 section 5.4): before anything is allowed, the person sees which
// client asked, the code in large type to compare with their device, when and from where the
// request came, and chooses Allow or Deny.
#include "domain/user_code.h"
#include "web/display_text.h"
#include "web/pages.h"

namespace ssooidc::web {
namespace {

// The client's name as it may be shown (display_text.h: no bidi or invisible characters).
std::string client_name_of(PageDeps& deps, const std::string& client_id) {
  auto client = deps.ctx.storage.clients().find(client_id);
  if (client && *client) {
    std::string name = display_text((*client)->client_name);
    if (name.find_first_not_of(' ') != std::string::npos) return name;
  }
  return "An unnamed application";
}

core::HttpResponse show(PageDeps& deps, PageRequest& req, const std::string& code) {
  auto found = deps.devices.find_by_user_code(code);
  if (!found) return internal_error_page(deps, req);
  if (!*found) return unknown_code_page(deps, req);
  const storage::DeviceAuthorizationRecord& rec = **found;
  const std::int64_t now = deps.ctx.clock.now_epoch_seconds();
  if (rec.state != storage::DeviceState::kPending) return used_code_page(deps, req);
  if (rec.expires_at <= now) return expired_code_page(deps, req);
  return render_page(
      deps, req, 200, "templates/confirm.html",
      {{"page_title", "Allow access?"},
       {"client_name", client_name_of(deps, rec.client_id)},
       {"user_code", domain::display_user_code(rec.user_code)},
       {"user_name", req.session.user_name},
       {"requested_at", format_utc(rec.created_at)},
       {"requested_ago", format_ago(now - rec.created_at)},
       {"requester_address",
        rec.requester_address.empty() ? std::string("unknown") : rec.requester_address},
       {"expires_in", format_duration(rec.expires_at - now)}});
}

core::HttpResponse decide(PageDeps& deps, PageRequest& req, const std::string& code) {
  const std::string_view decision = field(req.form, "decision");
  if (decision != "allow" && decision != "deny")
    return redirect(deps.confirm_path() + "?user_code=" + domain::display_user_code(code));
  const bool allow = decision == "allow";
  auto decided = deps.devices.decide(code, allow, req.session.user_name);
  // The code has served its purpose for this browser whatever the outcome.
  std::erase(req.session.checked_user_codes, code);
  deps.sessions->update(req.session);
  if (!decided) {
    switch (decided.error().type) {
      case ErrorType::kExpiredToken:
        return expired_code_page(deps, req);
      case ErrorType::kAccessDenied:
        return disabled_user_page(deps, req);
      case ErrorType::kInvalidGrant: {
        auto again = deps.devices.find_by_user_code(code);
        if (again && !*again) return unknown_code_page(deps, req);
        return used_code_page(deps, req);
      }
      default:
        return internal_error_page(deps, req);
    }
  }
  const std::string client = client_name_of(deps, decided->client_id);
  ResultView view;
  view.action_url = deps.code_path();
  view.action_label = "Enter another code";
  if (allow) {
    view.kind = "success";
    view.heading = "Device allowed";
    view.message = client + " can now sign in as " + req.session.user_name + ".";
    view.next_step = "Return to your device: it continues on its own within a few seconds. You can "
                     "close this window.";
  } else {
    view.kind = "denied";
    view.heading = "Request denied";
    view.message = client + " was not given access.";
    view.next_step = "If you did not start this sign-in yourself, someone may have tried to trick "
                     "you into approving it; nothing more needs to be done. To sign in a device, "
                     "start again on that device.";
  }
  return result_page(deps, req, view);
}

}  // namespace

core::HttpResponse confirm_page(PageDeps& deps, PageRequest& req) {
  const std::string_view typed = req.is_post() ? field(req.form, "user_code")
                                               : field(req.query, "user_code");
  auto code = domain::normalize_user_code(typed);
  if (!code) return redirect(deps.code_path());
  const std::string shown = domain::display_user_code(*code);
  // Only codes this browser looked up through the rate-limited code page get this far.
  if (!req.session.has_checked(*code)) return redirect(deps.code_path() + "?user_code=" + shown);
  if (!req.session.signed_in()) return redirect(deps.sign_in_path() + "?user_code=" + shown);
  auto user = deps.users.find_enabled(req.session.user_name);
  if (!user) {
    if (user.error().type == ErrorType::kAccessDenied) return disabled_user_page(deps, req);
    return internal_error_page(deps, req);
  }
  return req.is_post() ? decide(deps, req, *code) : show(deps, req, *code);
}

}  // namespace ssooidc::web
