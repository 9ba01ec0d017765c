#include "core/clock.h"

#include <time.h>

namespace ssooidc::core {

std::int64_t SystemClock::now_epoch_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CLOCK_MONOTONIC_COARSE: the time of the kernel's last tick (1-4 ms old), read without the TSC.
// Issue 15 counts the poll's clock reads: on this VM a precise read took 68-92 ns and a coarse one
// 15-17 ns, and the transport reads this clock three or four times a request for its deadlines.
// Every use counts milliseconds against margins far wider than a tick: deadlines the worker's
// sweep enforces to within 10 ms or more, poll intervals with 250 ms of tolerance, cache ages.
std::int64_t SystemClock::monotonic_millis() const {
  timespec now{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) != 0)
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

std::int64_t SystemClock::now_epoch_millis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ssooidc::core
