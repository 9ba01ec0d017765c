// Browser sessions of the person's pages: who is signed in, the CSRF token of their forms, and
// which user codes this browser has already looked up. Kept in storage (its WebSessionStore) so
// that every server process sees the same sessions (issue 12): a person signs in on one
// process and confirms on another, a sign-out ends the session everywhere, and a restart signs
// nobody out. Nothing in a session is needed by the API.
//
// Secrets: the session id (the cookie value, 256 random bits) is stored only as its SHA-256; the
// CSRF token is an HMAC of the id, so it is not stored at all and changes with the id.
//
// Sessions are stored only once there is something to keep (a code found, a sign-in); anonymous
// browsers carry a stateless CSRF token instead (web/pages.h), so requests alone cannot fill the
// store. A session ends when idle for `idle_seconds` (to within `touch_seconds`: reading a page
// writes last_seen only that often), `absolute_seconds` after it was created or renewed, or when
// removed (sign-out). Past `max_sessions`, ended sessions go first, then the least recently used
// signed-out ones; a signed-in session is dropped only to make room for another signed-in one,
// never for a signed-out one (issue 11 item 5).
//
// Errors: the storage error (kInternalServer) when the store cannot answer.
//
// Thread safety: all methods may be called from any thread and any process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::domain {

struct BrowserSession {
  std::string id;           // the cookie value: 256 random bits, base64url; empty if anonymous
  std::string csrf_token;   // hidden field of every form, derived from the id
  std::string browser_key;  // stable across renewals; keys this browser's rate limits
  std::string user_name;    // empty while signed out
  std::string browser_id;   // anonymous browsers only (id empty): the cookie value
  std::int64_t created_at = 0;  // epoch seconds, reset by renew()
  std::int64_t last_seen = 0;   // epoch seconds
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

struct Context;

// How long sessions live and how many there may be. A session has ended at `now` when
// now - last_seen >= idle_seconds or now - created_at >= absolute_seconds.
struct BrowserSessionLimits {
  std::int64_t idle_seconds = 60 * 60;
  std::int64_t absolute_seconds = 8 * 60 * 60;
  std::int64_t max_sessions = 100'000;
  // find() moves last_seen only when it is at least this old, so that reading a page does not
  // write every time; the idle timeout is then exact to within this many seconds.
  std::int64_t touch_seconds = 60;
};

class BrowserSessions {
 public:
  template <typename T>
  using Result = std::expected<T, Error>;

  // Kept in `ctx`'s storage (WebSessionStore), timed by its clock, ids drawn from its random;
  // `ctx` must outlive this object.
  explicit BrowserSessions(Context& ctx, BrowserSessionLimits limits = {});

  // A new session with a fresh id and CSRF token, keeping `seed`'s user_name, checked codes and
  // browser_key (a fresh one when empty). nullopt when the store is full and `seed` is signed out
  // while every stored session is signed in.
  [[nodiscard]] Result<std::optional<BrowserSession>> create(const BrowserSession& seed = {});
  // The live session with this id; nullopt when the id is unknown or the session has ended.
  [[nodiscard]] Result<std::optional<BrowserSession>> find(std::string_view id);
  // Saves `session.user_name` and `session.checked_user_codes` to the live session with
  // `session.id`. False when that session has ended.
  [[nodiscard]] Result<bool> update(const BrowserSession& session);
  // Replaces the session's id (and so its CSRF token) with a fresh one and restarts its absolute
  // lifetime, keeping the rest (called on sign-in, against session fixation). nullopt when it has
  // ended; the old id is invalid afterwards either way.
  [[nodiscard]] Result<std::optional<BrowserSession>> renew(std::string_view id);
  // Ends the session (sign-out), on every process. Unknown ids are ignored.
  [[nodiscard]] Result<void> remove(std::string_view id);
  // Deletes the sessions that have ended (the hourly purge). Returns how many.
  [[nodiscard]] Result<std::int64_t> purge_ended();

  [[nodiscard]] const BrowserSessionLimits& limits() const noexcept { return limits_; }

 private:
  std::string new_id();

  Context& ctx_;
  const BrowserSessionLimits limits_;
};

}  // namespace ssooidc::domain
