// The sign-in page. Failed sign-ins are limited per (user name, address) pair, per address, and
// per user name with a much higher ceiling (web.h explains the numbers); a successful one gives the
// browser a fresh session id and CSRF token (no session fixation).
//
// Afterwards the browser goes to `return_to` (a query parameter on GET, a hidden field on POST)
// when it is a safe path on this server (return_target.h), as /authorize asks; otherwise to the
// confirmation of the code it had looked up, or, with nothing pending, home (the portal page when
// the server has one, else the code page).
#include <algorithm>

#include "domain/user_code.h"
#include "web/pages.h"
#include "web/return_target.h"

namespace ssooidc::web {
namespace {

constexpr std::size_t kMaxUserKey = 128;

// The code this sign-in is for, when the browser has already looked it up; else "".
std::string pending_code(const PageRequest& req, std::string_view typed) {
  auto code = domain::normalize_user_code(typed);
  if (!code || !req.session.has_checked(*code)) return {};
  return domain::display_user_code(*code);
}

// Where to go after signing in: the checked return target, else the code's confirmation.
std::string after_sign_in(const PageDeps& deps, const std::string& return_to,
                          const std::string& code) {
  if (!return_to.empty()) return return_to;
  return code.empty() ? deps.home_path() : deps.confirm_path() + "?user_code=" + code;
}

core::HttpResponse sign_in_form(PageDeps& deps, const PageRequest& req, int status,
                                std::string error, std::string_view username,
                                const std::string& return_to, const std::string& code) {
  return render_page(deps, req, status, "templates/sign_in.html",
                     {{"page_title", "Sign in"},
                      {"error", std::move(error)},
                      {"typed_username", std::string(username.substr(0, 64))},
                      {"return_to", return_to},
                      {"user_code", code}});
}

}  // namespace

core::HttpResponse sign_in_page(PageDeps& deps, PageRequest& req) {
  const FormFields& fields = req.is_post() ? req.form : req.query;
  const std::string return_to = safe_return_target(field(fields, "return_to")).value_or("");
  const std::string code = pending_code(req, field(fields, "user_code"));
  if (!req.is_post()) {
    if (req.session.signed_in()) return redirect(after_sign_in(deps, return_to, code));
    return sign_in_form(deps, req, 200, "", "", return_to, code);
  }

  const std::string_view username = field(req.form, "username");
  const std::string_view password = field(req.form, "password");
  if (username.empty() || password.empty()) {
    return sign_in_form(deps, req, 400, "Enter your username and password.", username, return_to,
                        code);
  }

  const std::string user_key(username.substr(0, kMaxUserKey));
  const std::string address = req.address_key();
  // The address key has no '\n' (an IP address or /64 prefix), so this pair is unambiguous.
  const std::string pair_key = address + "\n" + user_key;
  // Count first, refund on success: the attempt is counted under the limiters' locks before the
  // password is checked, so concurrent wrong passwords cannot all slip past a check made before
  // any of them was counted.
  // The counters are in storage: failures spread over several server processes count together.
  auto refund = [&](bool pair, bool per_address, bool per_user) {
    if (pair) refund_attempt(deps.sign_in_per_user_and_address, pair_key);
    if (per_address) refund_attempt(deps.sign_in_per_address, address);
    if (per_user) refund_attempt(deps.sign_in_per_user, user_key);
  };
  auto pair_counted = deps.sign_in_per_user_and_address.try_acquire(pair_key);
  if (!pair_counted) return internal_error_page(deps, req);
  const std::int64_t pair_retry = *pair_counted;
  std::int64_t address_retry = 0;
  if (pair_retry == 0) {
    auto counted = deps.sign_in_per_address.try_acquire(address);
    if (!counted) {
      refund(true, false, false);
      return internal_error_page(deps, req);
    }
    address_retry = *counted;
  }
  std::int64_t account = 0;
  if (pair_retry == 0 && address_retry == 0) {
    auto counted = deps.sign_in_per_user.try_acquire(user_key);
    if (!counted) {
      refund(true, true, false);
      return internal_error_page(deps, req);
    }
    account = *counted;
  }
  if (pair_retry > 0 || address_retry > 0 || account > 0) {
    refund(pair_retry == 0, pair_retry == 0 && address_retry == 0, false);
    const std::int64_t here = std::max(pair_retry, address_retry);
    core::record_event(deps.events, "signin.locked_out",
                       {{"remote", req.http.remote_address},
                        {"scope", account > here ? "user" : "address"}});
    return too_many_attempts_page(
        deps, req, std::max(here, account), "failed sign-ins",
        account > here ? "to this account, from many networks" : "from this browser or network");
  }

  auto user = deps.users.authenticate(username, password);
  if (!user) {
    if (user.error().type != ErrorType::kAccessDenied) {
      refund(true, true, true);  // the server failed, not the person
      return internal_error_page(deps, req);
    }
    // The name is logged only when it is a user's: people type passwords into the name field.
    const bool known = deps.users.find_enabled(username).has_value();
    core::record_event(deps.events, "signin.failed",
                       {{"user", known ? username : std::string_view("(not an enabled user)")},
                        {"remote", req.http.remote_address}});
    // The domain's text says which: a wrong name or password, or a disabled user (only told to
    // someone who knew the password).
    core::HttpResponse refused = sign_in_form(deps, req, 401, user.error().error_description + ".",
                                              username, return_to, code);
    refused.events |= core::response_event::kSignInFailed;
    return refused;
  }

  refund(false, true, true);
  // Only the pair: the per-user ceiling keeps counting a distributed guesser's failures.
  if (auto reset = deps.sign_in_per_user_and_address.reset(pair_key); !reset) {
    // The pair's failures stay counted until they age out: stricter, never looser.
  }
  // A stored session gets a fresh id (no fixation); an anonymous browser gets its first one.
  std::optional<WebSession> renewed;
  if (!req.session.id.empty()) {
    auto moved = deps.sessions.renew(req.session.id);
    if (!moved) return internal_error_page(deps, req);
    renewed = std::move(*moved);
  }
  WebSession seed = renewed ? std::move(*renewed) : req.session;
  seed.user_name = user->name;
  bool saved = false;
  if (renewed) {
    auto updated = deps.sessions.update(seed);
    if (!updated) return internal_error_page(deps, req);
    saved = *updated;
  }
  if (saved) {
    req.session = std::move(seed);
  } else {
    // No stored session yet, or the renewed one ended before the sign-in was saved in it (the
    // store evicted it): the sign-in goes into a new session.
    auto created = deps.sessions.create(seed);
    if (!created || !*created) return internal_error_page(deps, req);
    req.session = std::move(**created);
  }
  req.session_changed_id = true;
  save_session(deps, req);
  return redirect(after_sign_in(deps, return_to, code));
}

}  // namespace ssooidc::web
