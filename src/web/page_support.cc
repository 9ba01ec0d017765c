#include <algorithm>
#include <ctime>

#include "core/address_key.h"
#include "crypto/crypto.h"

#include "core/time_format.h"
#include "domain/user_code.h"
#include "web/pages.h"

namespace ssooidc::web {

std::string PageRequest::address_key() const { return core::address_key(http.remote_address); }

bool is_anonymous_browser_id(std::string_view cookie) noexcept {
  // "a." + base64url of 32 bytes; '.' never occurs in a session id, so the two cannot be confused.
  if (cookie.size() != 2 + 43 || !cookie.starts_with("a.")) return false;
  return std::ranges::all_of(cookie.substr(2), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string new_anonymous_browser_id(core::Random& random) {
  return crypto::random_token(random, "a.", 32);
}

WebSession anonymous_session(std::string_view key, std::string browser_id) {
  WebSession s;
  s.csrf_token = crypto::base64url_encode(crypto::hmac_sha256(key, "csrf\n" + browser_id));
  s.browser_key = crypto::base64url_encode(crypto::hmac_sha256(key, "browser\n" + browser_id));
  s.browser_id = std::move(browser_id);
  return s;
}

bool save_session(PageDeps& deps, PageRequest& req) {
  if (!req.session.id.empty()) {
    auto updated = deps.sessions.update(req.session);
    if (!updated) return false;
    if (*updated) return true;
    req.session_ended = true;
    return false;
  }
  auto created = deps.sessions.create(req.session);
  if (!created || !*created) return false;
  req.session = std::move(**created);
  req.session_changed_id = true;
  return true;
}

void refund_attempt(domain::RateLimiter& limiter, std::string_view key) {
  if (auto refunded = limiter.refund(key); !refunded) {
    // Nothing to show the person: their attempt stays counted, which only errs towards the limit.
  }
}

TemplateValues page_values(PageDeps& deps, const PageRequest& req, TemplateValues values) {
  const bool have_session = !req.session_ended && !req.session.csrf_token.empty();
  values.try_emplace("csrf_token", have_session ? req.session.csrf_token : "");
  values.try_emplace("signed_in_user", have_session ? req.session.user_name : "");
  values.try_emplace("code_url", deps.code_path());
  values.try_emplace("sign_in_url", deps.sign_in_path());
  values.try_emplace("confirm_url", deps.confirm_path());
  values.try_emplace("sign_out_url", deps.sign_out_path());
  values.try_emplace("page_title", "Device sign-in");
  // The header's sub-title and the footer's advice; the PKCE consent and portal pages set their
  // own (a device-code footer there would be wrong).
  values.try_emplace("brand_sub", "Device sign-in");
  values.try_emplace("footer_note", "Only enter codes from devices you are signing in yourself.");
  values.try_emplace("home_url", deps.home_path());
  values.try_emplace("portal_url", deps.portal ? "/portal" : "");
  // serve --test-mode: said on every page (README "Testing SSO logins in CI").
  std::string test_mode;
  if (deps.settings.test_mode)
    test_mode = deps.settings.auto_approve_user.empty()
                    ? "scripted admin API on"
                    : "every request is approved as " + deps.settings.auto_approve_user;
  values.try_emplace("test_mode", std::move(test_mode));
  return values;
}

core::HttpResponse html_response(int status, std::string body) {
  core::HttpResponse resp;
  resp.status = status;
  resp.set("Content-Type", "text/html; charset=utf-8");
  resp.body = std::move(body);
  return resp;
}

core::HttpResponse render_page(PageDeps& deps, const PageRequest& req, int status,
                               std::string_view template_path, TemplateValues values) {
  auto body = render_template(template_path, page_values(deps, req, std::move(values)));
  if (!body) {
    core::HttpResponse resp;
    resp.status = 500;
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.body = "The page could not be rendered.\n";
    return resp;
  }
  return html_response(status, std::move(*body));
}

core::HttpResponse result_page(PageDeps& deps, const PageRequest& req, const ResultView& view) {
  TemplateValues values{
      {"page_title", view.title.empty() ? view.heading : view.title},
      {"result_kind", view.kind},
      {"heading", view.heading},
      {"message", view.message},
      {"next_step", view.next_step},
      {"action_url", view.action_url},
      {"action_label", view.action_label},
      {"is_success", view.kind == "success" ? "1" : ""},
      {"is_denied", view.kind == "denied" ? "1" : ""},
      {"is_warning", view.kind == "warning" ? "1" : ""},
      {"is_error", view.kind == "error" ? "1" : ""},
  };
  return render_page(deps, req, view.status, "templates/result.html", std::move(values));
}

core::HttpResponse too_many_attempts_page(PageDeps& deps, const PageRequest& req,
                                          std::int64_t retry_after_seconds, std::string_view what,
                                          std::string_view where) {
  const std::int64_t at = deps.clock.now_epoch_seconds() + retry_after_seconds;
  ResultView view;
  view.status = 429;
  view.kind = "warning";
  view.title = "Too many attempts";
  view.heading = "Too many attempts";
  view.message = "There have been too many " + std::string(what) + " " + std::string(where) +
                 ". For your security, this is paused for a while.";
  view.next_step =
      "Try again in " + format_duration(retry_after_seconds) + " (after " +
      core::format_utc_text(at) + ").";
  auto resp = result_page(deps, req, view);
  resp.set("Retry-After", std::to_string(retry_after_seconds));
  return resp;
}

core::HttpResponse redirect(std::string location) {
  core::HttpResponse resp;
  resp.status = 303;
  resp.set("Location", std::move(location));
  resp.set("Content-Type", "text/plain; charset=utf-8");
  return resp;
}

core::HttpResponse code_result_page(PageDeps& deps, const PageRequest& req, CodeResult result) {
  ResultView view;
  view.status = result.status;
  view.kind = std::string(result.kind);
  view.heading = std::string(result.heading);
  view.message = std::string(result.message);
  view.next_step = std::string(result.next_step);
  view.action_url = deps.code_path();
  view.action_label = std::string(result.action_label);
  return result_page(deps, req, view);
}

core::HttpResponse internal_error_page(PageDeps& deps, const PageRequest& req) {
  core::HttpResponse page = code_result_page(
      deps, req,
      {500, "error", "Something went wrong", "The server could not complete this request.",
       "Wait a moment and try again. If it keeps happening, tell your administrator.",
       "Start again"});
  // The services fail only when storage does (or the password hasher cannot allocate).
  page.events |= core::response_event::kStorageFailed;
  return page;
}

core::HttpResponse expired_code_page(PageDeps& deps, const PageRequest& req) {
  return code_result_page(
      deps, req,
      {410, "warning", "This code has expired",
       "Codes are valid for a few minutes only, and this one is no longer valid.",
       "Start the sign-in again on your device (for example, run aws sso login again) to get a "
       "new code, then enter it here.",
       "Enter a new code"});
}

core::HttpResponse used_code_page(PageDeps& deps, const PageRequest& req) {
  return code_result_page(
      deps, req,
      {409, "warning", "This code has already been used",
       "Someone already allowed or denied the request behind this code.",
       "If that was you, there is nothing more to do. Otherwise start the sign-in again on your "
       "device to get a new code.",
       "Enter another code"});
}

core::HttpResponse unknown_code_page(PageDeps& deps, const PageRequest& req) {
  return code_result_page(
      deps, req,
      {404, "error", "Code not found", "There is no sign-in request with this code.",
       "Check the code shown on your device and enter it again, or start the sign-in again on "
       "your device to get a new code.",
       "Enter the code"});
}

core::HttpResponse undecidable_code_page(PageDeps& deps, PageRequest& req, const Error& error) {
  using domain::DeviceService;
  if (error.type == ErrorType::kExpiredToken) return expired_code_page(deps, req);
  if (DeviceService::has_reason(error, DeviceService::kUnknownUserCode))
    return unknown_code_page(deps, req);
  if (DeviceService::has_reason(error, DeviceService::kDecidedUserCode))
    return used_code_page(deps, req);
  return internal_error_page(deps, req);
}

std::optional<core::HttpResponse> unless_enabled_user(PageDeps& deps, PageRequest& req) {
  auto user = deps.users.find_enabled(req.session.user_name);
  if (user) return std::nullopt;
  // Disabled (or removed) since signing in: AccessDenied. Anything else is storage failing.
  if (user.error().type == ErrorType::kAccessDenied) return disabled_user_page(deps, req);
  return internal_error_page(deps, req);
}

core::HttpResponse disabled_user_page(PageDeps& deps, PageRequest& req) {
  // The account was disabled while signed in: sign the browser out.
  req.session.user_name.clear();
  // Not saved: the session still names the user, but every page asks unless_enabled_user first.
  save_session(deps, req);
  return code_result_page(deps, req,
                          {403, "denied", "Your account is disabled",
                           "A disabled account cannot sign in or allow devices.",
                           "Ask your administrator to enable your account, then try again.",
                           "Back to start"});
}

std::string format_ago(std::int64_t seconds) {
  if (seconds < 60) return "just now";
  const std::int64_t minutes = seconds / 60;
  if (minutes < 60) return minutes == 1 ? "1 minute ago" : std::to_string(minutes) + " minutes ago";
  const std::int64_t hours = minutes / 60;
  return hours == 1 ? "1 hour ago" : std::to_string(hours) + " hours ago";
}

std::string format_duration(std::int64_t seconds) {
  if (seconds < 60) return seconds == 1 ? "1 second" : std::to_string(seconds) + " seconds";
  const std::int64_t minutes = (seconds + 59) / 60;
  return minutes == 1 ? "1 minute" : std::to_string(minutes) + " minutes";
}

std::string display_code_or_empty(std::string_view typed) {
  auto code = domain::normalize_user_code(typed);
  return code ? domain::display_user_code(*code) : std::string{};
}

}  // namespace ssooidc::web
