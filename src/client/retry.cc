#include "client/retry.h"

#include <algorithm>
#include <thread>

namespace ssooidc::client {

void SystemSleeper::sleep_for(std::chrono::milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

std::chrono::milliseconds Backoff::delay(int attempt, core::Random& random) const {
  std::int64_t ceiling = base.count();
  for (int i = 0; i < attempt && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, cap.count());
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(random.uniform(static_cast<std::uint32_t>(ceiling) + 1));
}

}  // namespace ssooidc::client
