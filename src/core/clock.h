// Time, injected. Wall time (epoch seconds) decides expiry; monotonic time measures poll intervals.
//
// Thread safety: implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ssooidc::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch, UTC.
  virtual std::int64_t now_epoch_seconds() const = 0;
  // Monotonic milliseconds from an arbitrary origin; never goes backwards. The system clock's
  // may lag real time by a kernel tick (1-4 ms; see clock.cc).
  virtual std::int64_t monotonic_millis() const = 0;
  // Milliseconds since the Unix epoch, UTC: for state several processes compare (rate counters,
  // leases), where each process's monotonic origin would mean nothing to the others.
  virtual std::int64_t now_epoch_millis() const { return now_epoch_seconds() * 1000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_epoch_seconds() const override;
  std::int64_t monotonic_millis() const override;
  std::int64_t now_epoch_millis() const override;
};

// A clock for tests: starts at `epoch_seconds`, moves only when advanced. Wall and monotonic time
// advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t epoch_seconds = 1'700'000'000) : millis_(epoch_seconds * 1000) {}
  std::int64_t now_epoch_seconds() const override { return millis_.load() / 1000; }
  std::int64_t monotonic_millis() const override { return millis_.load(); }
  std::int64_t now_epoch_millis() const override { return millis_.load(); }
  void advance_seconds(std::int64_t s) { millis_ += s * 1000; }
  void advance_millis(std::int64_t ms) { millis_ += ms; }

 private:
  std::atomic<std::int64_t> millis_;
};

}  // namespace ssooidc::core
