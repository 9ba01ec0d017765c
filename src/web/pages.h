// Internal to the web layer: what the page handlers share. Each page has one handler in its own
// file (code_page.cc, sign_in_page.cc, confirm_page.cc, sign_out_page.cc); web.cc routes to them
// after loading the session and, for POSTs, checking the CSRF token and origin.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/event_log.h"
#include "core/http_message.h"
#include "domain/authorization_service.h"
#include "domain/device_service.h"
#include "domain/portal_service.h"
#include "domain/user_service.h"
#include "web/form.h"
#include "domain/rate_limiter.h"
#include "web/html_template.h"
#include "web/web.h"

namespace ssooidc::web {

// The services (WebServices) plus what the web layer itself keeps: sessions and rate limits.
struct PageDeps {
  PageDeps(const WebServices& s, const WebOptions& options)
      : devices(s.devices),
        users(s.users),
        authorizations(s.authorizations),
        settings(s.settings),
        clock(s.clock),
        random(s.random),
        sessions(s.shared.browser_sessions(options.sessions)),
        code_per_session(limiter(s, "code_entry_per_session", options.code_entry_per_session)),
        code_per_address(limiter(s, "code_entry_per_address", options.code_entry_per_address)),
        sign_in_per_user_and_address(limiter(s, "sign_in_per_user_and_address",
                                             options.sign_in_per_user_and_address)),
        sign_in_per_address(limiter(s, "sign_in_per_address", options.sign_in_per_address)),
        sign_in_per_user(limiter(s, "sign_in_per_user", options.sign_in_per_user)),
        session_absolute_seconds(options.sessions.absolute_seconds),
        anonymous_key(s.shared.derived_key("web anonymous browsers")) {}

  static domain::RateLimiter limiter(const WebServices& s, std::string bucket, RateLimit limit) {
    return s.shared.rate_limiter(
        domain::RatePolicy::window(std::move(bucket), limit.max_failures, limit.window_seconds));
  }

  domain::DeviceService& devices;
  domain::UserService& users;
  domain::AuthorizationService& authorizations;
  const domain::Settings& settings;
  const core::Clock& clock;
  core::Random& random;
  domain::BrowserSessions sessions;
  domain::RateLimiter code_per_session;
  domain::RateLimiter code_per_address;
  domain::RateLimiter sign_in_per_user_and_address;
  domain::RateLimiter sign_in_per_address;
  domain::RateLimiter sign_in_per_user;
  // The SSO portal's page (portal_page.cc); null when the server has no portal (Web::enable_portal).
  domain::PortalService* portal = nullptr;
  // Security events (sign-in failures, lockouts); null: not recorded (Web::set_event_log).
  core::EventLog* events = nullptr;
  std::int64_t session_absolute_seconds;
  // MAC key of anonymous browsers' CSRF tokens and rate-limit keys, derived from the server's key
  // so that every process accepts the token another one gave (domain/shared_state.h).
  std::string anonymous_key;

  // Paths of the pages, under the configured verification path.
  [[nodiscard]] std::string code_path() const { return settings.verification_path; }
  [[nodiscard]] std::string sign_in_path() const { return code_path() + "/sign-in"; }
  [[nodiscard]] std::string confirm_path() const { return code_path() + "/confirm"; }
  [[nodiscard]] std::string sign_out_path() const { return code_path() + "/sign-out"; }
  // Where a person lands after signing in with nothing pending: the portal, or the code page.
  [[nodiscard]] std::string home_path() const { return portal ? "/portal" : code_path(); }
};

// One request as the handlers see it.
struct PageRequest {
  const core::HttpRequest& http;
  WebSession session;
  bool session_changed_id = false;  // new or renewed: send the cookie
  bool fresh_browser = false;       // anonymous browser id minted now: send it as the cookie
  bool session_ended = false;       // signed out: expire the cookie
  FormFields query;
  FormFields form;  // POST body; empty for GET

  [[nodiscard]] bool is_post() const { return http.method == "POST"; }
  // The rate-limit key of the client address: IPv4 as is, IPv6 by /64.
  [[nodiscard]] std::string address_key() const;
};

core::HttpResponse code_page(PageDeps& deps, PageRequest& req);
core::HttpResponse sign_in_page(PageDeps& deps, PageRequest& req);
core::HttpResponse confirm_page(PageDeps& deps, PageRequest& req);
core::HttpResponse sign_out_page(PageDeps& deps, PageRequest& req);
core::HttpResponse portal_page(PageDeps& deps, PageRequest& req);
core::HttpResponse portal_credentials_page(PageDeps& deps, PageRequest& req);

// --- helpers (page_support.cc) ---

// The values every page uses (csrf_token, signed_in_user, the page paths, the header and footer
// texts) added to `values` where it has none of its own.
TemplateValues page_values(PageDeps& deps, const PageRequest& req, TemplateValues values);
// 200-style HTML response around an already rendered body (escaped fragments put together).
core::HttpResponse html_response(int status, std::string body);
// Anonymous browsers (no stored session): the cookie holds "a." + 256 random bits, the CSRF token
// and browser_key are HMACs of it. `id` stays empty: nothing is stored.
[[nodiscard]] bool is_anonymous_browser_id(std::string_view cookie) noexcept;
[[nodiscard]] std::string new_anonymous_browser_id(core::Random& random);
[[nodiscard]] WebSession anonymous_session(std::string_view key, std::string browser_id);
// Stores what `req.session` holds: updates a stored session (one that has ended meanwhile marks
// the request's session ended), or creates one for an anonymous browser (then the cookie is
// sent). False when it could not be stored (full, or storage failed).
bool save_session(PageDeps& deps, PageRequest& req);
// Gives back an attempt counted by `limiter`. A refund that storage refuses leaves the attempt
// counted: it errs towards the limit, never past it.
void refund_attempt(domain::RateLimiter& limiter, std::string_view key);

// Renders `template_path` inside the layout, adding the values every page uses (csrf_token,
// signed_in_user, the page paths). A template bug becomes a plain 500.
core::HttpResponse render_page(PageDeps& deps, const PageRequest& req, int status,
                               std::string_view template_path, TemplateValues values);

// What a result page says.
struct ResultView {
  int status = 200;
  std::string kind;  // "success", "denied", "warning", "error": the icon and colour
  std::string title;
  std::string heading;
  std::string message;
  std::string next_step;
  std::string action_url;  // optional link button
  std::string action_label;
};
core::HttpResponse result_page(PageDeps& deps, const PageRequest& req, const ResultView& view);
// A result page whose button leads back to the code page (most of them).
struct CodeResult {
  int status = 200;
  std::string_view kind;  // as ResultView::kind
  std::string_view heading;
  std::string_view message;
  std::string_view next_step;
  std::string_view action_label;
};
core::HttpResponse code_result_page(PageDeps& deps, const PageRequest& req, CodeResult result);

// 429 with Retry-After and a page saying when to try again: "There have been too many {what}
// {where}."
core::HttpResponse too_many_attempts_page(PageDeps& deps, const PageRequest& req,
                                          std::int64_t retry_after_seconds, std::string_view what,
                                          std::string_view where = "from this browser or network");
// The page for an error of DeviceService::confirmation or decide about a code: unknown, already
// decided, expired; anything else (storage) is the internal error page.
core::HttpResponse undecidable_code_page(PageDeps& deps, PageRequest& req, const Error& error);
// 303 See Other to a path on this server.
core::HttpResponse redirect(std::string location);
// 500 page for storage failures; the description is logged nowhere and shown to no one.
core::HttpResponse internal_error_page(PageDeps& deps, const PageRequest& req);

// "just now", "1 minute ago", "12 minutes ago", "2 hours ago".
std::string format_ago(std::int64_t seconds);
// "45 seconds", "1 minute", "15 minutes" (rounded up).
std::string format_duration(std::int64_t seconds);

// The typed code in display form (XXXX-XXXX) when it is well formed, else "".
std::string display_code_or_empty(std::string_view typed);

// Result pages for a code that can no longer be decided.
core::HttpResponse expired_code_page(PageDeps& deps, const PageRequest& req);
core::HttpResponse used_code_page(PageDeps& deps, const PageRequest& req);
core::HttpResponse unknown_code_page(PageDeps& deps, const PageRequest& req);
core::HttpResponse disabled_user_page(PageDeps& deps, PageRequest& req);
// nullopt when the signed-in user of `req` is still enabled; otherwise the page to answer with:
// disabled_user_page (which signs the browser out), or internal_error_page when storage fails.
std::optional<core::HttpResponse> unless_enabled_user(PageDeps& deps, PageRequest& req);

}  // namespace ssooidc::web
