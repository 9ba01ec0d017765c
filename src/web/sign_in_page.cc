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
  const std::int64_t pair_retry = deps.sign_in_per_user_and_address.try_acquire(pair_key);
  const std::int64_t address_retry =
      pair_retry > 0 ? 0 : deps.sign_in_per_address.try_acquire(address);
  const std::int64_t account =
      pair_retry > 0 || address_retry > 0 ? 0 : deps.sign_in_per_user.try_acquire(user_key);
  auto refund = [&](bool pair, bool per_address, bool per_user) {
    if (pair) deps.sign_in_per_user_and_address.refund(pair_key);
    if (per_address) deps.sign_in_per_address.refund(address);
    if (per_user) deps.sign_in_per_user.refund(user_key);
  };
  if (pair_retry > 0 || address_retry > 0 || account > 0) {
    refund(pair_retry == 0, pair_retry == 0 && address_retry == 0, false);
    const std::int64_t here = std::max(pair_retry, address_retry);
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
    // The domain's text says which: a wrong name or password, or a disabled user (only told to
    // someone who knew the password).
    return sign_in_form(deps, req, 401, user.error().error_description + ".", username, return_to,
                        code);
  }

  refund(false, true, true);
  // Only the pair: the per-user ceiling keeps counting a distributed guesser's failures.
  deps.sign_in_per_user_and_address.reset(pair_key);
  // A stored session gets a fresh id (no fixation); an anonymous browser gets its first one.
  auto renewed = req.session.id.empty() ? std::nullopt : deps.sessions->renew(req.session.id);
  WebSession seed = renewed ? std::move(*renewed) : req.session;
  seed.user_name = user->name;
  if (renewed && deps.sessions->update(seed)) {
    req.session = std::move(seed);
  } else {
    // No stored session yet, or the renewed one ended before the sign-in was saved in it (the
    // store evicted it): the sign-in goes into a new session.
    auto created = deps.sessions->create(seed);
    if (!created) return internal_error_page(deps, req);
    req.session = std::move(*created);
  }
  req.session_changed_id = true;
  save_session(deps, req);
  return redirect(after_sign_in(deps, return_to, code));
}

}  // namespace ssooidc::web
