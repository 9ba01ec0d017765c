// The one rate limiter of the server (issue 9: it replaces web/rate_limiter, domain/
// request_throttle and domain/request_rate_limiter). It counts attempts per key (a client
// address, a user name, a browser, an access token) in a named bucket, in storage (its
// RateCounterStore), so that every server process counts the same attempts: spreading guesses
// over replicas gains an attacker nothing (issue 12).
//
// Two policies:
//  - a sliding window (RatePolicy::window): at most `limit` attempts in any `period`; a key at the
//    limit may try again once the oldest of them leaves the window. For failures (wrong user
//    codes, failed sign-ins): callers count first and refund on success (try_acquire / refund),
//    so that N concurrent attempts of a key at its limit cannot all pass a check made before any
//    of them was counted (issue 11 item 7).
//  - a token bucket (RatePolicy::token_bucket): up to `limit` at once, refilled one per `period`
//    (GCRA: one stored time, the bucket's theoretical arrival time). For request rates
//    (RegisterClient and StartDeviceAuthorization per address, the portal per token).
//
// Each attempt is one read and one compare-and-set write of the key's counter; a write lost to
// another process is retried (at most kMaxAttempts times, then kInternalServer). Memory and
// storage are bounded: at most `max_keys` counters per bucket; past it the store drops expired
// counters, then unblocked ones, never a blocked one (that would lift its block); when every
// counter is blocked a new key is refused (fails closed). Time is wall time in milliseconds
// (Clock::now_epoch_millis), so that processes agree; tests advance a FakeClock.
//
// Errors: the storage error (kInternalServer) when the counter cannot be read or written.
//
// Thread safety: all methods may be called from any thread and any process.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::domain {

struct Context;

struct RatePolicy {
  enum class Kind { kWindow, kTokenBucket };
  std::string bucket;  // names the counters in storage: one name per thing limited
  Kind kind = Kind::kWindow;
  std::int64_t limit = 0;      // attempts in a window, or a bucket's size
  std::int64_t period_ms = 0;  // the window's length, or the time one attempt takes to refill

  // At most `max_attempts` in any `window_seconds`.
  static RatePolicy window(std::string bucket, std::int64_t max_attempts,
                           std::int64_t window_seconds);
  // `burst` at once, refilled at `per_minute` a minute; per_minute <= 0 disables the limit.
  static RatePolicy per_minute(std::string bucket, std::int64_t per_minute, std::int64_t burst);
  // `burst` at once, refilled at `per_second` a second; per_second <= 0 disables the limit.
  static RatePolicy per_second(std::string bucket, std::int64_t per_second, std::int64_t burst);
};

class RateLimiter {
 public:
  static constexpr int kMaxAttempts = 32;
  static constexpr std::int64_t kDefaultMaxKeys = 100'000;

  // Counts in `ctx`'s storage (RateCounterStore) by `ctx`'s clock; `ctx` must outlive the limiter.
  RateLimiter(Context& ctx, RatePolicy policy, std::int64_t max_keys = kDefaultMaxKeys);

  // Counts one attempt of `key` now unless it is refused: 0 when counted (go ahead), otherwise
  // the whole seconds (at least 1) until it may try.
  [[nodiscard]] std::expected<std::int64_t, Error> try_acquire(std::string_view key);
  // Takes back one attempt counted by try_acquire (it turned out not to be a failure).
  [[nodiscard]] std::expected<void, Error> refund(std::string_view key);
  // Counts one attempt now even when the key is at its limit (dropped only when the bucket is
  // full of blocked keys).
  [[nodiscard]] std::expected<void, Error> record(std::string_view key);
  // Forgets the key's attempts.
  [[nodiscard]] std::expected<void, Error> reset(std::string_view key);
  // 0 when `key` may try now; otherwise the whole seconds (at least 1) until it may. Reads only.
  [[nodiscard]] std::expected<std::int64_t, Error> retry_after_seconds(std::string_view key);

  [[nodiscard]] const RatePolicy& policy() const noexcept { return policy_; }
  [[nodiscard]] bool enabled() const noexcept { return policy_.limit > 0 && policy_.period_ms > 0; }

 private:
  enum class Change { kAcquire, kRecord, kRefund };
  // Reads, changes and writes back the counter until the write wins. The result is the
  // milliseconds until the key may try (0: the change was made).
  [[nodiscard]] std::expected<std::int64_t, Error> change(std::string_view key, Change what);

  Context& ctx_;
  const RatePolicy policy_;
  const std::int64_t max_keys_;
};

}  // namespace ssooidc::domain
