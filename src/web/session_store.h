// Browser sessions of the person's pages: who is signed in, the CSRF token of their forms, and
// which user codes this browser has already looked up.
//
// Sessions live in the memory of one server process (make_memory_session_store): a restart signs
// everyone out, and servers behind a load balancer need sticky sessions. Nothing in a session is
// needed by the API, so losing them costs a person one more sign-in, never a device's login.
//
// A session ends when idle for `idle_seconds`, `absolute_seconds` after it was created or renewed,
// or when removed (sign-out). Past `max_sessions` the least recently used session is dropped.
//
// Thread safety: implementations must allow calls from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"

namespace ssooidc::web {

struct WebSession {
  std::string id;           // the cookie value: 256 random bits, base64url
  std::string csrf_token;   // hidden field of every form: 256 random bits, base64url
  std::string browser_key;  // stable across renewals; keys this browser's rate limits
  std::string user_name;    // empty while signed out
  std::int64_t created_at = 0;    // epoch seconds, reset by renew()
  std::int64_t last_seen = 0;     // epoch seconds
  // Normalised user codes this browser looked up successfully (rate-limited), newest last, so that
  // the confirmation page can be reopened without counting as another guess. At most
  // kMaxCheckedCodes.
  std::vector<std::string> checked_user_codes;

  static constexpr std::size_t kMaxCheckedCodes = 8;
  [[nodiscard]] bool signed_in() const noexcept { return !user_name.empty(); }
  [[nodiscard]] bool has_checked(std::string_view normalized_code) const noexcept;
  // Adds a code (moving it to the newest place), dropping the oldest past kMaxCheckedCodes.
  void remember_checked(std::string normalized_code);
};

struct SessionLimits {
  std::int64_t idle_seconds = 60 * 60;
  std::int64_t absolute_seconds = 8 * 60 * 60;  // IAM Identity Center's default session length
  std::size_t max_sessions = 100'000;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // A new signed-out session with a fresh id, CSRF token and browser key.
  virtual WebSession create() = 0;
  // The live session with this id, its idle timer restarted; nullopt when the id is unknown or
  // the session has ended (an ended session is deleted).
  virtual std::optional<WebSession> find(std::string_view id) = 0;
  // Saves `session.user_name` and `session.checked_user_codes` to the live session with
  // `session.id`. False when that session has ended.
  [[nodiscard]] virtual bool update(const WebSession& session) = 0;
  // Replaces the session's id and CSRF token with fresh ones and restarts its absolute lifetime,
  // keeping the rest (called on sign-in, against session fixation). nullopt when it has ended;
  // the old id is invalid afterwards either way.
  virtual std::optional<WebSession> renew(std::string_view id) = 0;
  // Ends the session (sign-out). Unknown ids are ignored.
  virtual void remove(std::string_view id) = 0;
};

// The in-memory store. `clock` and `random` must outlive it.
std::unique_ptr<SessionStore> make_memory_session_store(const core::Clock& clock,
                                                        core::Random& random,
                                                        SessionLimits limits = {});

}  // namespace ssooidc::web
