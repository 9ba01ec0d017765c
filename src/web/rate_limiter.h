// Counts failures per key (a browser session, a client address, a user name) in a sliding window
// and says when a key has had too many. Used to slow down user-code guessing (RFC 8628 section
// 5.1) and password guessing on the person's pages.
//
// A key is blocked while it has `max_failures` failures younger than `window_seconds`; it may try
// again once the oldest of them leaves the window. Time comes from the injected Clock's monotonic
// reading, so tests advance a FakeClock instead of sleeping.
//
// Callers count first and refund on success (try_acquire / refund): checking and counting in one
// step under the lock means N concurrent attempts of a key at its limit cannot all pass the check
// before any of them is counted (issue 11 item 7: 12 concurrent wrong passwords got 9 checks
// against a limit of 5).
//
// Memory is bounded: each key keeps at most `max_failures` timestamps, and past `max_keys` keys
// the ones with no failure left in the window are dropped first, then the least recently failed
// among those not blocked. A blocked key is never dropped, since that would lift its block (an
// attacker with many addresses could otherwise evict a victim's per-user counter). When every key
// is blocked, a new key is refused for the window (fails closed) until keys age out.
// State is per process, like the sessions.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace ssooidc::web {

struct RateLimit {
  int max_failures = 5;
  std::int64_t window_seconds = 600;
};

class RateLimiter {
 public:
  RateLimiter(const core::Clock& clock, RateLimit limit, std::size_t max_keys = 100'000);

  // 0 when `key` may try now; otherwise the whole seconds (at least 1) until it may.
  [[nodiscard]] std::int64_t retry_after_seconds(std::string_view key);
  // Counts one attempt of `key` now unless it is blocked: 0 when counted (go ahead), otherwise
  // the seconds until it may try, as retry_after_seconds. Refund the attempt if it succeeds.
  [[nodiscard]] std::int64_t try_acquire(std::string_view key);
  // Takes back one attempt counted by try_acquire (it turned out not to be a failure).
  void refund(std::string_view key);
  // Records one failure of `key` now, unconditionally (dropped only when the table is full of
  // blocked keys).
  void record_failure(std::string_view key);
  // Forgets the failures of `key` (after a successful sign-in, for the user name).
  void reset(std::string_view key);

  [[nodiscard]] const RateLimit& limit() const noexcept { return limit_; }

 private:
  void expire_locked(std::deque<std::int64_t>& failures, std::int64_t now) const;
  // Makes room for one more key; false when every key is blocked.
  [[nodiscard]] bool make_room_locked(std::int64_t now);
  [[nodiscard]] bool blocked_locked(const std::deque<std::int64_t>& failures) const;
  // The key's entry, created if there is room; end() otherwise.
  std::unordered_map<std::string, std::deque<std::int64_t>>::iterator entry_locked(
      std::string_view key, std::int64_t now);
  [[nodiscard]] std::int64_t retry_after_locked(const std::deque<std::int64_t>& failures,
                                                std::int64_t now) const;

  const core::Clock& clock_;
  const RateLimit limit_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::int64_t>> failures_;  // monotonic ms, oldest first
};

}  // namespace ssooidc::web
