// Per-address throttle of the unauthenticated operations that create rows (RegisterClient,
// StartDeviceAuthorization; issue 11 item 6): a token bucket per client address (core/address_key)
// holding up to `per_minute` requests, refilled at `per_minute` a minute. A request finding the
// bucket empty is refused; the operation answers SlowDownException (the model lists it for both).
//
// Memory is bounded by `max_keys` buckets. Past it, full buckets are dropped first (forgetting one
// changes nothing), then the fullest half of the rest; an empty bucket (an address being
// throttled) is never dropped, and while every bucket is empty new addresses are refused too.
//
// Time comes from the Clock's monotonic reading (tests advance a FakeClock). `per_minute` 0
// disables the throttle.
//
// Thread safety: `allow` may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace ssooidc::domain {

class RequestThrottle {
 public:
  RequestThrottle(const core::Clock& clock, std::int32_t per_minute,
                  std::size_t max_keys = 100'000);

  // True (and one request counted) when the client at `address` may make a request now.
  [[nodiscard]] bool allow(std::string_view address);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
  };
  void refill(Bucket& bucket, std::int64_t now) const;
  [[nodiscard]] bool make_room_locked(std::int64_t now);

  const core::Clock& clock_;
  const double capacity_;
  const double per_ms_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ssooidc::domain
