// Counts failures per key (a browser session, a client address, a user name) in a sliding window
// and says when a key has had too many. Used to slow down user-code guessing (RFC 8628 section
// 5.1) and password guessing on the person's pages.
//
// A key is blocked while it has `max_failures` failures younger than `window_seconds`; it may try
// again once the oldest of them leaves the window. Time comes from the injected Clock's monotonic
// reading, so tests advance a FakeClock instead of sleeping.
//
// Memory is bounded: each key keeps at most `max_failures` timestamps, and past `max_keys` keys
// the ones with no failure left in the window are dropped first, then the least recently failed.
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
  // Records one failure of `key` now.
  void record_failure(std::string_view key);
  // Forgets the failures of `key` (after a successful sign-in, for the user name).
  void reset(std::string_view key);

  [[nodiscard]] const RateLimit& limit() const noexcept { return limit_; }

 private:
  void expire_locked(std::deque<std::int64_t>& failures, std::int64_t now) const;
  void make_room_locked(std::int64_t now);

  const core::Clock& clock_;
  const RateLimit limit_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::int64_t>> failures_;  // monotonic ms, oldest first
};

}  // namespace ssooidc::web
