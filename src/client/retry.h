// Retry timing: full-jitter exponential backoff, and the Sleeper seam so that tests never sleep.
//
// Thread safety: SystemSleeper is stateless. FakeSleeper is for one test thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/random.h"

namespace ssooidc::client {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

class SystemSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds duration) override;
};

// Records each sleep and advances a FakeClock by it instead of waiting.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(core::FakeClock* clock = nullptr) : clock_(clock) {}
  void sleep_for(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    if (clock_ != nullptr) clock_->advance_millis(duration.count());
  }
  std::vector<std::chrono::milliseconds> sleeps;

 private:
  core::FakeClock* clock_;
};

// Delay before retry number `attempt` (0 for the first retry): uniform in
// [0, min(cap, base * 2^attempt)], as paws and botocore's standard mode do (base 1 s, cap 20 s).
struct Backoff {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{20000};

  [[nodiscard]] std::chrono::milliseconds delay(int attempt, core::Random& random) const;
};

}  // namespace ssooidc::client
