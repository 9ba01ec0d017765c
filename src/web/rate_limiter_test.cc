#include "web/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

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
  RateLimiter limiter(clock, {2, 60}, /*max_keys=*/4);
  limiter.record_failure("old");
  clock.advance_seconds(61);  // "old" has nothing left in its window
  for (const char* key : {"a", "b", "c"}) limiter.record_failure(key);
  limiter.record_failure("d");  // full: "old" makes room
  for (const char* key : {"a", "b", "c", "d"}) EXPECT_EQ(limiter.try_acquire(key), 0) << key;
  for (const char* key : {"a", "b", "c", "d"}) EXPECT_GT(limiter.retry_after_seconds(key), 0) << key;
}

// Issue 11 item 7: a blocked key is never evicted to make room, however many keys come after it.
TEST(RateLimiter, BlockedKeysAreNeverEvicted) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {2, 600}, /*max_keys=*/4);
  limiter.record_failure("victim");
  limiter.record_failure("victim");  // blocked
  clock.advance_seconds(1);
  for (int i = 0; i < 100; ++i) {
    limiter.record_failure("attacker-" + std::to_string(i));  // one failure each: not blocked
    clock.advance_millis(10);
  }
  EXPECT_GT(limiter.retry_after_seconds("victim"), 0);
  // Full of blocked keys: a new key is refused rather than one of them evicted.
  for (const char* key : {"x", "y", "z"}) {
    EXPECT_EQ(limiter.try_acquire(key), 0) << key;
    EXPECT_EQ(limiter.try_acquire(key), 0) << key;
  }
  EXPECT_EQ(limiter.try_acquire("newcomer"), 600);
  EXPECT_GT(limiter.retry_after_seconds("victim"), 0);
  clock.advance_seconds(600);  // everything ages out
  EXPECT_EQ(limiter.try_acquire("newcomer"), 0);
}

// Issue 11 item 7: counting first means concurrent attempts cannot all pass the check.
TEST(RateLimiter, ConcurrentAcquiresNeverExceedTheLimit) {
  core::FakeClock clock;
  RateLimiter limiter(clock, {5, 900});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&] {
      if (limiter.try_acquire("alice") == 0) ++admitted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
  // A refund (the attempt succeeded) gives the slot back.
  limiter.refund("alice");
  EXPECT_EQ(limiter.try_acquire("alice"), 0);
  EXPECT_GT(limiter.try_acquire("alice"), 0);
}

}  // namespace
}  // namespace ssooidc::web
