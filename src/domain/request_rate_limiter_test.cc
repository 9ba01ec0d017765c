#include "domain/request_rate_limiter.h"

#include <gtest/gtest.h>

namespace ssooidc::domain {
namespace {

TEST(RequestRateLimiterTest, BurstThenRefillAtTheRate) {
  core::FakeClock clock;
  RequestRateLimiter limiter(clock, 10, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.try_acquire("t")) << i;
  EXPECT_FALSE(limiter.try_acquire("t"));
  clock.advance_millis(99);
  EXPECT_FALSE(limiter.try_acquire("t"));
  clock.advance_millis(1);  // 100 ms at 10/s is one request
  EXPECT_TRUE(limiter.try_acquire("t"));
  EXPECT_FALSE(limiter.try_acquire("t"));
  clock.advance_seconds(60);  // refills to the burst, never beyond
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.try_acquire("t")) << i;
  EXPECT_FALSE(limiter.try_acquire("t"));
}

TEST(RequestRateLimiterTest, KeysAreIndependent) {
  core::FakeClock clock;
  RequestRateLimiter limiter(clock, 1, 1);
  EXPECT_TRUE(limiter.try_acquire("a"));
  EXPECT_FALSE(limiter.try_acquire("a"));
  EXPECT_TRUE(limiter.try_acquire("b"));
}

TEST(RequestRateLimiterTest, ZeroRateIsNoLimit) {
  core::FakeClock clock;
  RequestRateLimiter limiter(clock, 0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.try_acquire("t"));
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RequestRateLimiterTest, MemoryIsBounded) {
  core::FakeClock clock;
  RequestRateLimiter limiter(clock, 1, 2, /*max_keys=*/160);
  for (int i = 0; i < 10'000; ++i) (void)limiter.try_acquire("key-" + std::to_string(i));
  EXPECT_LE(limiter.size(), 160u);
  // A key that has just been limited keeps its empty bucket while there is room.
  RequestRateLimiter roomy(clock, 1, 1, 1'000);
  EXPECT_TRUE(roomy.try_acquire("x"));
  for (int i = 0; i < 50; ++i) (void)roomy.try_acquire("other-" + std::to_string(i));
  EXPECT_FALSE(roomy.try_acquire("x"));
}

}  // namespace
}  // namespace ssooidc::domain
