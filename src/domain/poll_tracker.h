// Remembers, in memory, when each pending device code was last polled, to answer slow_down
// (RFC 8628 section 3.5) without a durable write per poll.
//
// The AWS CLI polls twice back to back before it first sleeps (reference 6.3), so the first
// `kFreePolls` polls of a device code are never slowed down. After that a poll that arrives sooner
// than the required interval is told to slow down, and, as the RFC obliges the client to add 5 s,
// the required interval grows by 5 s for every slow_down answered.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ssooidc::domain {

class PollTracker {
 public:
  static constexpr int kFreePolls = 2;
  // Leeway for timer skew between a client's sleep and our clock.
  static constexpr std::int64_t kToleranceMillis = 250;
  static constexpr std::int64_t kSlowDownStepMillis = 5000;

  // Records a poll at `now_millis` (monotonic) and returns true when it came too fast.
  // `interval_seconds` <= 0 disables slow_down. `expires_at_millis` lets old entries be dropped.
  bool too_fast(std::string_view device_code_hash, std::int32_t interval_seconds,
                std::int64_t now_millis, std::int64_t forget_after_millis);
  // Drops the entry of a device code that no longer needs tracking (redeemed, denied, expired).
  void forget(std::string_view device_code_hash);
  std::size_t size() const;

 private:
  struct Entry {
    std::int64_t last_poll_millis = 0;
    std::int64_t required_gap_millis = 0;
    std::int64_t forget_after_millis = 0;
    int polls = 0;
  };
  void sweep_locked(std::int64_t now_millis);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::int64_t next_sweep_millis_ = 0;
};

}  // namespace ssooidc::domain
