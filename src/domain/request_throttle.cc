#include "domain/request_throttle.h"

#include <algorithm>
#include <vector>

#include "core/address_key.h"

namespace ssooidc::domain {

RequestThrottle::RequestThrottle(const core::Clock& clock, std::int32_t per_minute,
                                 std::size_t max_keys)
    : clock_(clock),
      capacity_(std::max(per_minute, 0)),
      per_ms_(std::max(per_minute, 0) / 60'000.0),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void RequestThrottle::refill(Bucket& bucket, std::int64_t now) const {
  bucket.tokens = std::min(capacity_, bucket.tokens + (now - bucket.updated_ms) * per_ms_);
  bucket.updated_ms = now;
}

bool RequestThrottle::allow(std::string_view address) {
  if (capacity_ <= 0) return true;
  const std::int64_t now = clock_.monotonic_millis();
  std::string key = core::address_key(address);
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_ && !make_room_locked(now)) return false;
    it = buckets_.emplace(std::move(key), Bucket{capacity_, now}).first;
  } else {
    refill(it->second, now);
  }
  if (it->second.tokens < 1) return false;
  it->second.tokens -= 1;
  return true;
}

bool RequestThrottle::make_room_locked(std::int64_t now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= capacity_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_keys_) return true;
  std::vector<std::pair<double, std::string>> fullest;
  for (const auto& [key, bucket] : buckets_)
    if (bucket.tokens >= 1) fullest.emplace_back(-bucket.tokens, key);
  if (fullest.empty()) return false;
  const std::size_t drop = std::min(fullest.size(), buckets_.size() / 2 + 1);
  std::nth_element(fullest.begin(), fullest.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   fullest.end());
  for (std::size_t i = 0; i < drop; ++i) buckets_.erase(fullest[i].second);
  return true;
}

}  // namespace ssooidc::domain
