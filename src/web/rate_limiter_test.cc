#include "web/rate_limiter.h"

#include <gtest/gtest.h>

namespace ssooidc::web {
namespace {

TEST(RateLimiter, BlocksAtTheLimitAndSaysForHowLong) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {5, 600});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.retry_after_seconds("k"), 0) << i;
    limiter.record_failure("k");
    clock.advance_seconds(10);
  }
  // Failures at t=0,10,20,30,40; now t=50: the first leaves the window at t=600.
  EXPECT_EQ(limiter.retry_after_seconds("k"), 550);
  EXPECT_EQ(limiter.retry_after_seconds("other"), 0);
  clock.advance_seconds(549);
  EXPECT_EQ(limiter.retry_after_seconds("k"), 1);
  clock.advance_seconds(1);
  EXPECT_EQ(limiter.retry_after_seconds("k"), 0);
  // Sliding: one more failure now blocks again until the t=10 failure ages out.
  limiter.record_failure("k");
  EXPECT_EQ(limiter.retry_after_seconds("k"), 10);
}

TEST(RateLimiter, RoundsPartialSecondsUp) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {1, 60});
  limiter.record_failure("k");
  clock.advance_millis(59'500);
  EXPECT_EQ(limiter.retry_after_seconds("k"), 1);
  clock.advance_millis(500);
  EXPECT_EQ(limiter.retry_after_seconds("k"), 0);
}

TEST(RateLimiter, ResetForgetsAKey) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {2, 900});
  limiter.record_failure("alice");
  limiter.record_failure("alice");
  limiter.record_failure("bob");
  limiter.record_failure("bob");
  EXPECT_GT(limiter.retry_after_seconds("alice"), 0);
  limiter.reset("alice");
  EXPECT_EQ(limiter.retry_after_seconds("alice"), 0);
  EXPECT_GT(limiter.retry_after_seconds("bob"), 0);
}

TEST(RateLimiter, MemoryStaysBoundedAndStaleKeysGoFirst) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {1, 60}, /*max_keys=*/4);
  limiter.record_failure("old");
  clock.advance_seconds(61);  // "old" has nothing left in its window
  for (const char* key : {"a", "b", "c"}) limiter.record_failure(key);
  limiter.record_failure("d");  // full: "old" makes room
  for (const char* key : {"a", "b", "c", "d"}) EXPECT_GT(limiter.retry_after_seconds(key), 0) << key;
  // Full of live keys: the least recently failed are dropped, the newest stays blocked.
  clock.advance_seconds(1);
  limiter.record_failure("e");
  EXPECT_GT(limiter.retry_after_seconds("e"), 0);
  EXPECT_GT(limiter.retry_after_seconds("d"), 0);
}

}  // namespace
}  // namespace ssooidc::web
