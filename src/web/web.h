// The person's side of the device flow (RFC 8628 section 3.3): server-rendered HTML pages where a
// person types the user code, signs in, checks which application asked and allows or denies it.
//
//   GET  /                      303 to the verification page
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
// live in this process's memory (session_store.h).
//
// Thread safety: `handle` may be called from any number of threads at once.
#pragma once

#include <memory>
#include <optional>

#include "core/http_message.h"
#include "domain/context.h"
#include "domain/device_service.h"
#include "domain/user_service.h"
#include "web/rate_limiter.h"
#include "web/session_store.h"

namespace ssooidc::web {

// RFC 8628 section 5.1: a user code has 20^8 = 2.56e10 values (34.6 bits) and lives 600 s. The
// code-entry limits allow 5 wrong codes per browser session and 20 per client address (IPv6:
// per /64) in any 10 minutes, i.e. per code lifetime. A browser therefore guesses a given live
// code with probability at most 5 / 2.56e10 ~ 2^-32.3, and an address that throws away its cookies
// at most 20 / 2.56e10 ~ 2^-30.3; with L codes live at once both grow L-fold (L = 100: ~2^-23.6).
// That is the RFC's worked example: ~5 guesses for 2^-32. Only wrong codes count, so a person who
// types their code right is never slowed down.
//
// Sign-in failures are limited to 5 per user name and 20 per address in 15 minutes. The per-user
// limit lets anyone lock a user out for 15 minutes by failing on purpose; that is the price of
// stopping password guessing that is spread over many addresses.
struct WebOptions {
  SessionLimits sessions;
  RateLimit code_entry_per_session{5, 600};
  RateLimit code_entry_per_address{20, 600};
  RateLimit sign_in_per_user{5, 900};
  RateLimit sign_in_per_address{20, 900};
};

struct PageDeps;

class Web {
 public:
  // Uses `ctx.settings` at request time, so a public URL set after construction is honoured.
  // `ctx`, `devices` and `users` must outlive the Web. `sessions` defaults to the in-memory store.
  Web(domain::Context& ctx, domain::DeviceService& devices, domain::UserService& users,
      WebOptions options = {}, std::unique_ptr<SessionStore> sessions = nullptr);
  ~Web();
  Web(const Web&) = delete;
  Web& operator=(const Web&) = delete;

  // The page's response, or nullopt when the path is none of the pages (the caller answers 404).
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);

 private:
  std::unique_ptr<PageDeps> deps_;
};

}  // namespace ssooidc::web
