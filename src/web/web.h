// The person's side of the device flow (RFC 8628 section 3.3): server-rendered HTML pages where a
// person types the user code, signs in, checks which application asked and allows or denies it.
//
//   GET  /                      303 to /portal when the portal is enabled, else the verification page
//   GET  /portal                the SSO portal: the signed-in user's accounts and roles
//   POST /portal/credentials    short-term credentials of one role (shell exports, a
//                               credential_process line, a ~/.aws/config profile)
//   GET  {verification_path}    the code form; with ?user_code= (verificationUriComplete) looks
//                               the code up and goes on to the confirmation, never approving by
//                               itself
//   POST {verification_path}    the code form's submission
//   GET|POST {verification_path}/sign-in   sign-in form; afterwards to ?return_to= when it is
//                                          a path on this server (return_target.h, used by
//                                          /authorize), else the confirmation or code page
//   GET|POST {verification_path}/confirm   confirmation: client name, code, time, address;
//                                          Allow / Deny
//   POST {verification_path}/sign-out      ends the browser session
//   GET  /static/style.css      the stylesheet
//
// Every form carries the session's CSRF token, and cross-origin POSTs are refused. Failed code
// entries and failed sign-ins are rate-limited (see WebOptions). Sessions and rate-limit counters
// live in storage (domain/browser_sessions.h, domain/rate_limiter.h), shared by every server
// process: a person may sign in on one and confirm on another, and guesses spread over several
// processes are counted together (issue 12).
//
// Thread safety: `handle` may be called from any number of threads at once.
#pragma once

#include <memory>
#include <optional>

#include "core/clock.h"
#include "core/event_log.h"
#include "core/http_message.h"
#include "core/random.h"
#include "domain/authorization_service.h"
#include "domain/device_service.h"
#include "domain/browser_sessions.h"
#include "domain/portal_service.h"
#include "domain/settings.h"
#include "domain/shared_state.h"
#include "domain/user_service.h"

namespace ssooidc::web {

using WebSession = domain::BrowserSession;
using SessionLimits = domain::BrowserSessionLimits;

// A sliding-window limit of failures: at most `max_failures` in any `window_seconds`
// (domain::RatePolicy::window).
struct RateLimit {
  int max_failures = 5;
  std::int64_t window_seconds = 600;
};

// RFC 8628 section 5.1: a user code has 20^8 = 2.56e10 values (34.6 bits) and lives 600 s. The
// code-entry limits allow 5 wrong codes per browser session and 20 per client address (IPv6:
// per /64) in any 10 minutes, i.e. per code lifetime. A browser therefore guesses a given live
// code with probability at most 5 / 2.56e10 ~ 2^-32.3, and an address that throws away its cookies
// at most 20 / 2.56e10 ~ 2^-30.3; with L codes live at once both grow L-fold (L = 100: ~2^-23.6).
// That is the RFC's worked example: ~5 guesses for 2^-32. Only wrong codes count, so a person who
// types their code right is never slowed down.
//
// Failed sign-ins are counted three ways, and any one of them at its limit pauses sign-in, even
// with the right password (else a guesser would carry on and be let in by the right guess):
//  - 5 per (user name, address) in 15 minutes: someone who mistypes gets 5 tries, then waits.
//    Failures from one address never block the same user at another address, so locking a user
//    out takes many addresses, not one (the previous per-user limit of 5 let anyone do it).
//  - 20 per address in 15 minutes over all user names: one address sprays at most 1,920 guesses
//    a day across every account (at most 480 a day at any one account, by the limit above).
//  - 100 per user name in 15 minutes, from any number of addresses: a backstop against guessing
//    spread over many addresses, each of which gets 5 guesses by the first limit. It bounds
//    online guessing at one account to 9,600 a day however many addresses the guesser has (a
//    random 8-letter password, 2^37.6, would last ~30,000 years on average; a password from a
//    list of the 10,000 most common ones about a day, which only a password policy can prevent).
//    Reaching it blocks the account for everyone, but takes 100 failures within 15 minutes from
//    at least 20 addresses (IPv4 addresses or IPv6 /64s), and ends 15 minutes after they stop.
// A successful sign-in forgets the failures of its (user, address) pair only: the per-user count
// is left alone, so that the account's own sign-ins do not refill a distributed guesser's budget.
struct WebOptions {
  SessionLimits sessions;
  RateLimit code_entry_per_session{5, 600};
  RateLimit code_entry_per_address{20, 600};
  RateLimit sign_in_per_user_and_address{5, 900};
  RateLimit sign_in_per_address{20, 900};
  RateLimit sign_in_per_user{100, 900};
};

// What the pages are given: the domain services they call (never storage), the settings they
// read at request time (so that a public URL set after construction is honoured), and the seams
// their sessions and rate limiters use. Everything referred to must outlive the Web.
struct WebServices {
  domain::DeviceService& devices;
  domain::UserService& users;
  domain::AuthorizationService& authorizations;
  const domain::Settings& settings;
  const core::Clock& clock;  // sessions and rate limits
  core::Random& random;      // session ids and CSRF tokens
  domain::SharedState& shared;  // sessions, rate limiters and keys every process shares
};

struct PageDeps;

class Web {
 public:
  explicit Web(WebServices services, WebOptions options = {});
  ~Web();
  Web(const Web&) = delete;
  Web& operator=(const Web&) = delete;

  // Serves /portal with `portal`, which must outlive the Web; sign-in with nothing pending then
  // lands there instead of on the code page.
  void enable_portal(domain::PortalService& portal);
  // Records sign-in failures and lockouts to `events`, which must outlive the Web.
  void set_event_log(core::EventLog* events);

  // The page's response, or nullopt when the path is none of the pages (the caller answers 404).
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);

  // Deletes the browser sessions that have ended (the server's hourly purge). Returns how many.
  [[nodiscard]] std::expected<std::int64_t, Error> purge_ended_sessions();

 private:
  std::unique_ptr<PageDeps> deps_;
};

}  // namespace ssooidc::web
