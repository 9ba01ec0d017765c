#include "web/web.h"

#include <algorithm>
#include <cctype>

#include "core/http_message.h"
#include "core/json_text.h"
#include "crypto/crypto.h"
#include "web/assets.h"
#include "web/authorize_page.h"
#include "web/pages.h"

namespace ssooidc::web {
namespace {

constexpr std::size_t kMaxFormBytes = 16 * 1024;

// Every response of the pages carries these. Referrer-Policy is same-origin rather than
// no-referrer because under no-referrer browsers send `Origin: null` on same-origin form posts,
// which would defeat the origin check below; same-origin still sends nothing to other sites
// (and the pages link to none).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

void add_security_headers(core::HttpResponse& resp, bool cacheable) {
  // A page may have set a stricter-or-wider policy of its own (authorize_page.cc: form-action).
  const bool has_policy = std::ranges::any_of(resp.headers, [](const auto& h) {
    return core::iequals(h.first, "Content-Security-Policy");
  });
  if (!has_policy) resp.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  resp.set("X-Frame-Options", "DENY");
  resp.set("Referrer-Policy", "same-origin");
  resp.set("X-Content-Type-Options", "nosniff");
  resp.set("Cross-Origin-Opener-Policy", "same-origin");
  resp.set("Cache-Control", cacheable ? "public, max-age=3600" : "no-store");
}

// The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and Path=/,
// so a sibling subdomain cannot plant one; it needs TLS, so plain-HTTP deployments use the bare
// name.
std::string cookie_name(const core::HttpRequest& req) {
  return req.tls ? "__Host-ssooidc_session" : "ssooidc_session";
}

std::string cookie_attributes(const core::HttpRequest& req) {
  return std::string("; Path=/; HttpOnly; SameSite=Lax") + (req.tls ? "; Secure" : "");
}

// scheme://host[:port] of a URL, lower-cased scheme and host; "" when it has no "://".
std::string origin_of(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const std::size_t host_end = url.find_first_of("/?#", scheme_end + 3);
  return core::ascii_lower(url.substr(0, host_end));
}

// A POST must come from a page of this server. Browsers say where a request comes from in
// Sec-Fetch-Site, Origin or Referer; when one is present it must name this server (the public
// URL, or the Host the browser used). Requests with none of them (old browsers, non-browser
// clients) rely on the CSRF token alone.
bool same_origin_post(const core::HttpRequest& req, std::string_view public_url) {
  const std::string_view fetch_site = req.header("Sec-Fetch-Site");
  if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") return false;
  const std::string expected = origin_of(public_url);
  const std::string_view host = req.header("Host");
  const std::string from_host =
      host.empty() ? std::string{} : origin_of(std::string(req.tls ? "https://" : "http://") +
                                               std::string(host));
  auto matches = [&](std::string_view url) {
    const std::string origin = origin_of(url);
    return !origin.empty() && (origin == expected || origin == from_host);
  };
  const std::string_view origin = req.header("Origin");
  if (!origin.empty()) return matches(origin);  // "null" never matches
  const std::string_view referer = req.header("Referer");
  if (!referer.empty()) return matches(referer);
  return true;
}

core::HttpResponse stylesheet() {
  core::HttpResponse resp;
  resp.set("Content-Type", "text/css; charset=utf-8");
  resp.body = std::string(find_asset("static/style.css").value_or(""));
  return resp;
}

core::HttpResponse method_not_allowed(std::string allow) {
  core::HttpResponse resp;
  resp.status = 405;
  resp.set("Allow", std::move(allow));
  resp.set("Content-Type", "text/plain; charset=utf-8");
  resp.body = "Method not allowed\n";
  return resp;
}

core::HttpResponse simple_result(PageDeps& deps, const PageRequest& req, int status,
                                 std::string_view heading, std::string_view message,
                                 std::string_view next_step) {
  return code_result_page(deps, req, {status, "error", heading, message, next_step, "Start again"});
}

enum class Page {
  kNone, kCode, kSignIn, kConfirm, kSignOut, kAuthorize, kPortal, kPortalCredentials, kUnknown
};

Page route(const PageDeps& deps, std::string_view path) {
  const std::string base = deps.code_path();
  if (path == kAuthorizePath) return Page::kAuthorize;
  if (deps.portal && (path == "/portal" || path == "/portal/")) return Page::kPortal;
  if (deps.portal && path == "/portal/credentials") return Page::kPortalCredentials;
  if (path == base || path == base + "/") return Page::kCode;
  if (path == deps.sign_in_path()) return Page::kSignIn;
  if (path == deps.confirm_path()) return Page::kConfirm;
  if (path == deps.sign_out_path()) return Page::kSignOut;
  if (path.starts_with(base + "/")) return Page::kUnknown;
  return Page::kNone;
}

// NUL or bytes that are not UTF-8 in any name or value (core::is_storable_text).
bool storable(const FormFields& fields) {
  for (const auto& [name, value] : fields) {
    if (!core::is_storable_text(name) || !core::is_storable_text(value)) return false;
  }
  return true;
}

}  // namespace

Web::Web(WebServices services, WebOptions options)
    : deps_(std::make_unique<PageDeps>(services, options)) {}

std::expected<std::int64_t, Error> Web::purge_ended_sessions() {
  return deps_->sessions.purge_ended();
}

Web::~Web() = default;

void Web::enable_portal(domain::PortalService& portal) { deps_->portal = &portal; }

void Web::set_event_log(core::EventLog* events) { deps_->events = events; }

std::optional<core::HttpResponse> Web::handle(const core::HttpRequest& http) {
  PageDeps& deps = *deps_;
  if (http.path == "/static/style.css") {
    core::HttpResponse resp = http.method == "GET" ? stylesheet() : method_not_allowed("GET");
    add_security_headers(resp, resp.status == 200);
    return resp;
  }
  if (http.path == "/") {
    core::HttpResponse resp =
        http.method == "GET" ? redirect(deps.home_path()) : method_not_allowed("GET");
    add_security_headers(resp, false);
    return resp;
  }
  const Page page = route(deps, http.path);
  if (page == Page::kNone) return std::nullopt;
  const bool post_only = page == Page::kSignOut || page == Page::kPortalCredentials;
  if ((post_only && http.method != "POST") ||
      (!post_only && http.method != "GET" && http.method != "POST")) {
    core::HttpResponse resp = method_not_allowed(post_only ? "POST" : "GET, POST");
    add_security_headers(resp, false);
    return resp;
  }

  PageRequest req{http, {}};
  req.query = parse_form(http.query);
  const std::string name = cookie_name(http);
  const std::string_view cookie = cookie_value(http.header("Cookie"), name);
  auto found = deps.sessions.find(cookie);
  if (!found) {
    // Storage cannot say who this is: neither sign the browser out nor let it in.
    core::HttpResponse resp = internal_error_page(deps, req);
    add_security_headers(resp, false);
    return resp;
  }
  if (*found) {
    req.session = std::move(**found);
  } else {
    // No stored session: an anonymous browser, which costs the server nothing (issue 11 item 5).
    // Its cookie holds a random browser id; its CSRF token and rate-limit key are MACs of that id
    // under a key every server process derives alike, so nothing needs storing until the browser
    // finds a code or signs in (save_session).
    std::string browser_id(cookie);
    if (!is_anonymous_browser_id(browser_id)) {
      browser_id = new_anonymous_browser_id(deps.random);
      req.fresh_browser = true;
    }
    req.session = anonymous_session(deps.anonymous_key, browser_id);
  }

  core::HttpResponse resp;
  if (page == Page::kUnknown) {
    resp = simple_result(deps, req, 404, "Page not found", "There is no page at this address.",
                         "Start again from the code page.");
  } else if (req.is_post() && http.body.size() > kMaxFormBytes) {
    resp = simple_result(deps, req, 413, "Form too large", "The form sent was too large.",
                         "Start again from the code page.");
  } else if (req.is_post() &&
             !http.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    resp = simple_result(deps, req, 415, "Unsupported form", "The form was not sent as a form.",
                         "Start again from the code page.");
  } else {
    bool forged = false;
    if (req.is_post()) {
      req.form = parse_form(http.body);
      // A browser id minted just now has a token the form cannot have carried.
      forged = req.fresh_browser || !same_origin_post(http, deps.settings.public_url) ||
               !crypto::constant_time_equals(field(req.form, "csrf_token"),
                                             req.session.csrf_token);
    }
    if (!storable(req.query) || !storable(req.form)) {
      // NUL or bytes that are not UTF-8 in a field: refused here, the same on every backend.
      resp = simple_result(deps, req, 400, "Invalid characters",
                           "The address or form held characters that are not text.",
                           "Start again from the code page.");
    } else if (forged) {
      resp = simple_result(
          deps, req, 403, "This form has expired",
          "The form was sent without a valid security token, from another site, or after your "
          "session ended.",
          "Go back to the code page and try again.");
    } else {
      switch (page) {
        case Page::kCode: resp = code_page(deps, req); break;
        case Page::kSignIn: resp = sign_in_page(deps, req); break;
        case Page::kConfirm: resp = confirm_page(deps, req); break;
        case Page::kSignOut: resp = sign_out_page(deps, req); break;
        case Page::kAuthorize: resp = authorize_page(deps, req); break;
        case Page::kPortal: resp = portal_page(deps, req); break;
        case Page::kPortalCredentials: resp = portal_credentials_page(deps, req); break;
        default: break;
      }
    }
  }

  if (req.session_ended) {
    resp.headers.emplace_back("Set-Cookie", name + "=; Max-Age=0" + cookie_attributes(http));
  } else if (req.session_changed_id) {
    resp.headers.emplace_back("Set-Cookie", name + "=" + req.session.id + cookie_attributes(http));
  } else if (req.fresh_browser) {
    resp.headers.emplace_back("Set-Cookie",
                              name + "=" + req.session.browser_id + cookie_attributes(http));
  }
  add_security_headers(resp, false);
  return resp;
}

}  // namespace ssooidc::web
