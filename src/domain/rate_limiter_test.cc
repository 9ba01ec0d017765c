// The one rate limiter (rate_limiter.h), on memory storage with a fake clock: the behaviour of
// the three limiters it replaced (web/rate_limiter, domain/request_throttle,
// domain/request_rate_limiter), and that limiters of different processes count together.
#include "domain/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/address_key.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "domain/context.h"
#include "testing/faulty_storage.h"

namespace ssooidc::domain {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter window(std::int64_t max, std::int64_t seconds, std::int64_t max_keys = 100'000) {
    return RateLimiter(ctx_, RatePolicy::window("w", max, seconds), max_keys);
  }
  RateLimiter per_minute(std::int64_t n, std::int64_t max_keys = 100'000) {
    return RateLimiter(ctx_, RatePolicy::per_minute("m", n, n), max_keys);
  }
  RateLimiter per_second(std::int64_t n, std::int64_t burst, std::int64_t max_keys = 100'000) {
    return RateLimiter(ctx_, RatePolicy::per_second("s", n, burst), max_keys);
  }
  static std::int64_t value(std::expected<std::int64_t, Error> r) {
    EXPECT_TRUE(r.has_value()) << r.error().error_description;
    return r.value_or(-1);
  }
  static void ok(std::expected<void, Error> r) {
    EXPECT_TRUE(r.has_value()) << r.error().error_description;
  }
  std::int64_t counters(std::string_view bucket) {
    return storage_->rate_counters().count(bucket).value_or(-1);
  }

  core::FakeClock clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> storage_ = std::move(*storage::open_storage("memory:"));
  Context ctx_{*storage_, clock_, random_};
};

// ---- sliding windows (failures) ---------------------------------------------------------------

TEST_F(RateLimiterTest, WindowBlocksAtTheLimitAndSaysForHowLong) {
  RateLimiter limiter = window(5, 600);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(value(limiter.retry_after_seconds("k")), 0) << i;
    ok(limiter.record("k"));
    clock_.advance_seconds(10);
  }
  // Failures at t=0,10,20,30,40; now t=50: the first leaves the window at t=600.
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 550);
  EXPECT_EQ(value(limiter.retry_after_seconds("other")), 0);
  clock_.advance_seconds(549);
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 1);
  clock_.advance_seconds(1);
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 0);
  // Sliding: one more failure now blocks again until the t=10 failure ages out.
  ok(limiter.record("k"));
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 10);
  EXPECT_EQ(value(limiter.try_acquire("k")), 10);
}

TEST_F(RateLimiterTest, WindowRoundsPartialSecondsUp) {
  RateLimiter limiter = window(1, 60);
  ok(limiter.record("k"));
  clock_.advance_millis(59'500);
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 1);
  clock_.advance_millis(500);
  EXPECT_EQ(value(limiter.retry_after_seconds("k")), 0);
}

TEST_F(RateLimiterTest, ResetForgetsAKey) {
  RateLimiter limiter = window(2, 900);
  for (const char* key : {"alice", "alice", "bob", "bob"}) ok(limiter.record(key));
  EXPECT_GT(value(limiter.retry_after_seconds("alice")), 0);
  ok(limiter.reset("alice"));
  EXPECT_EQ(value(limiter.retry_after_seconds("alice")), 0);
  EXPECT_GT(value(limiter.retry_after_seconds("bob")), 0);
}

TEST_F(RateLimiterTest, StorageStaysBoundedAndStaleKeysGoFirst) {
  RateLimiter limiter = window(2, 60, /*max_keys=*/4);
  ok(limiter.record("old"));
  clock_.advance_seconds(61);  // "old" has nothing left in its window
  for (const char* key : {"a", "b", "c"}) ok(limiter.record(key));
  ok(limiter.record("d"));  // full: "old" makes room
  EXPECT_EQ(counters("w"), 4);
  for (const char* key : {"a", "b", "c", "d"}) EXPECT_EQ(value(limiter.try_acquire(key)), 0) << key;
  for (const char* key : {"a", "b", "c", "d"})
    EXPECT_GT(value(limiter.retry_after_seconds(key)), 0) << key;
}

// Issue 11 item 7: a blocked key is never evicted to make room, however many keys come after it.
TEST_F(RateLimiterTest, BlockedKeysAreNeverEvicted) {
  RateLimiter limiter = window(2, 600, /*max_keys=*/4);
  ok(limiter.record("victim"));
  ok(limiter.record("victim"));  // blocked
  clock_.advance_seconds(1);
  for (int i = 0; i < 100; ++i) {
    ok(limiter.record("attacker-" + std::to_string(i)));  // one failure each: not blocked
    clock_.advance_millis(10);
  }
  EXPECT_GT(value(limiter.retry_after_seconds("victim")), 0);
  EXPECT_LE(counters("w"), 4);
  // Full of blocked keys: a new key is refused rather than one of them evicted.
  for (const char* key : {"x", "y", "z"}) {
    EXPECT_EQ(value(limiter.try_acquire(key)), 0) << key;
    EXPECT_EQ(value(limiter.try_acquire(key)), 0) << key;
  }
  EXPECT_EQ(value(limiter.try_acquire("newcomer")), 600);
  EXPECT_GT(value(limiter.retry_after_seconds("victim")), 0);
  clock_.advance_seconds(600);  // everything ages out
  EXPECT_EQ(value(limiter.try_acquire("newcomer")), 0);
}

// Issue 11 item 7: counting first means concurrent attempts cannot all pass the check.
TEST_F(RateLimiterTest, ConcurrentAcquiresNeverExceedTheLimit) {
  RateLimiter limiter = window(5, 900);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&] {
      if (value(limiter.try_acquire("alice")) == 0) ++admitted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
  // A refund (the attempt succeeded) gives the slot back.
  ok(limiter.refund("alice"));
  EXPECT_EQ(value(limiter.try_acquire("alice")), 0);
  EXPECT_GT(value(limiter.try_acquire("alice")), 0);
}

// Issue 12: two processes' limiters over one store count the same attempts, so spreading
// guesses over replicas gains nothing.
TEST_F(RateLimiterTest, LimitersOfTwoProcessesCountTogether) {
  RateLimiter here = window(5, 600);
  RateLimiter there = window(5, 600);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(value((i % 2 ? there : here).try_acquire("k")), 0) << i;
  EXPECT_EQ(value(here.try_acquire("k")), 600);
  EXPECT_EQ(value(there.try_acquire("k")), 600);
  ok(there.refund("k"));
  EXPECT_EQ(value(here.try_acquire("k")), 0);
}

// ---- token buckets (request rates) -------------------------------------------------------------

TEST_F(RateLimiterTest, PerMinuteAllowsABurstThenRefills) {
  RateLimiter throttle = per_minute(6);
  const std::string one = core::address_key("192.0.2.1");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(value(throttle.try_acquire(one)), 0) << i;
  EXPECT_EQ(value(throttle.try_acquire(one)), 10);
  EXPECT_EQ(value(throttle.try_acquire(core::address_key("192.0.2.2"))), 0);  // its own bucket
  clock_.advance_seconds(10);  // 6 a minute: one every 10 s
  EXPECT_EQ(value(throttle.try_acquire(one)), 0);
  EXPECT_GT(value(throttle.try_acquire(one)), 0);
}

TEST_F(RateLimiterTest, PerMinuteCountsIpv6PerSlash64AndZeroDisables) {
  RateLimiter throttle = per_minute(2);
  EXPECT_EQ(value(throttle.try_acquire(core::address_key("2001:db8:1:2::1"))), 0);
  EXPECT_EQ(value(throttle.try_acquire(core::address_key("2001:db8:1:2::ffff"))), 0);
  EXPECT_GT(value(throttle.try_acquire(core::address_key("2001:db8:1:2:3::9"))), 0);
  EXPECT_EQ(value(throttle.try_acquire(core::address_key("2001:db8:1:3::1"))), 0);
  RateLimiter off(ctx_, RatePolicy::per_minute("off", 0, 0));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(value(off.try_acquire("192.0.2.1")), 0);
  EXPECT_EQ(counters("off"), 0);
}

TEST_F(RateLimiterTest, PerMinuteKeepsThrottledAddressesWhileBounded) {
  RateLimiter throttle = per_minute(1, /*max_keys=*/3);
  EXPECT_EQ(value(throttle.try_acquire("10.0.0.1")), 0);
  EXPECT_GT(value(throttle.try_acquire("10.0.0.1")), 0);  // throttled: its bucket is empty
  for (int i = 2; i < 50; ++i) (void)value(throttle.try_acquire("10.0.1." + std::to_string(i)));
  EXPECT_LE(counters("m"), 3);
  EXPECT_GT(value(throttle.try_acquire("10.0.0.1")), 0) << "a throttled address must not be forgotten";
}

TEST_F(RateLimiterTest, PerSecondBurstThenRefillAtTheRate) {
  RateLimiter limiter = per_second(10, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(value(limiter.try_acquire("t")), 0) << i;
  EXPECT_GT(value(limiter.try_acquire("t")), 0);
  clock_.advance_millis(99);
  EXPECT_GT(value(limiter.try_acquire("t")), 0);
  clock_.advance_millis(1);  // 100 ms at 10/s is one request
  EXPECT_EQ(value(limiter.try_acquire("t")), 0);
  EXPECT_GT(value(limiter.try_acquire("t")), 0);
  clock_.advance_seconds(60);  // refills to the burst, never beyond
  for (int i = 0; i < 3; ++i) EXPECT_EQ(value(limiter.try_acquire("t")), 0) << i;
  EXPECT_GT(value(limiter.try_acquire("t")), 0);
  // A refund gives one back.
  ok(limiter.refund("t"));
  EXPECT_EQ(value(limiter.try_acquire("t")), 0);
}

TEST_F(RateLimiterTest, PerSecondStorageIsBounded) {
  RateLimiter limiter = per_second(1, 2, /*max_keys=*/160);
  for (int i = 0; i < 2'000; ++i) (void)value(limiter.try_acquire("key-" + std::to_string(i)));
  EXPECT_LE(counters("s"), 160);
  // A key that has just been limited keeps its empty bucket while there is room.
  RateLimiter roomy(ctx_, RatePolicy::per_second("roomy", 1, 1), 1'000);
  EXPECT_EQ(value(roomy.try_acquire("x")), 0);
  for (int i = 0; i < 50; ++i) (void)value(roomy.try_acquire("other-" + std::to_string(i)));
  EXPECT_GT(value(roomy.try_acquire("x")), 0);
}

TEST_F(RateLimiterTest, StorageErrorsAreReturned) {
  auto faulty = std::make_unique<test_support::FaultyStorage>(*storage_);
  Context faulty_ctx{*faulty, clock_, random_};
  RateLimiter limiter(faulty_ctx, RatePolicy::window("w", 5, 600));
  faulty->fail_from_call(1);
  EXPECT_EQ(limiter.try_acquire("k").error().type, ErrorType::kInternalServer);
  EXPECT_FALSE(limiter.refund("k").has_value());
}

}  // namespace
}  // namespace ssooidc::domain
