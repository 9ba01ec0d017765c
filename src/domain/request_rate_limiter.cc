#include "domain/request_rate_limiter.h"

#include <algorithm>
#include <functional>

namespace ssooidc::domain {

RequestRateLimiter::RequestRateLimiter(const core::Clock& clock, std::int32_t per_second,
                                       std::int32_t burst, std::size_t max_keys)
    : clock_(clock),
      per_millis_(per_second > 0 ? per_second / 1000.0 : 0.0),
      burst_(std::max(1, burst)),
      max_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

double RequestRateLimiter::refilled(const Bucket& bucket, std::int64_t now) const {
  const auto elapsed = static_cast<double>(now - bucket.updated_millis);  // exact below 2^53 ms
  return std::min(burst_, bucket.tokens + elapsed * per_millis_);
}

bool RequestRateLimiter::try_acquire(std::string_view key) {
  if (per_millis_ <= 0) return true;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  const std::int64_t now = clock_.monotonic_millis();
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) {
      std::erase_if(shard.buckets, [&](const auto& entry) {
        return refilled(entry.second, now) >= burst_;
      });
      if (shard.buckets.size() >= max_per_shard_) shard.buckets.clear();
    }
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = refilled(bucket, now);
  bucket.updated_millis = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

std::size_t RequestRateLimiter::size() {
  std::size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace ssooidc::domain
