// Limits how fast one key (an SSO access token, by its hash) may call: a token bucket of `burst`
// requests refilled at `per_second`, on the injected Clock's monotonic time (tests advance a
// FakeClock).
//
// Memory is bounded: at most `max_keys` buckets. When full, buckets that have refilled completely
// (they would behave exactly like a new one) are dropped first; if none has, every bucket is
// dropped and the keys start afresh, so a caller holding more than `max_keys` valid tokens can at
// worst loosen the limit, never grow the table.
//
// Thread safety: all methods may be called from any thread (sharded mutexes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace ssooidc::domain {

class RequestRateLimiter {
 public:
  // per_second <= 0 disables the limit.
  RequestRateLimiter(const core::Clock& clock, std::int32_t per_second, std::int32_t burst,
                     std::size_t max_keys = 100'000);

  // Takes one request from `key`'s bucket: true when allowed, false when the bucket is empty.
  [[nodiscard]] bool try_acquire(std::string_view key);
  // Buckets held now (for tests).
  [[nodiscard]] std::size_t size();

 private:
  static constexpr std::size_t kShards = 16;
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_millis = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  double refilled(const Bucket& bucket, std::int64_t now) const;

  const core::Clock& clock_;
  const double per_millis_;
  const double burst_;
  const std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace ssooidc::domain
