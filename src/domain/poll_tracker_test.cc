#include "domain/poll_tracker.h"

#include <gtest/gtest.h>

namespace ssooidc::domain {
namespace {

constexpr std::int64_t kForget = 1'000'000;

TEST(PollTrackerTest, TwoBackToBackPollsAreTolerated) {
  PollTracker t;
  EXPECT_FALSE(t.too_fast("d", 1, 0, kForget));
  EXPECT_FALSE(t.too_fast("d", 1, 5, kForget));
  EXPECT_TRUE(t.too_fast("d", 1, 10, kForget));
}

TEST(PollTrackerTest, PollingAtTheIntervalIsFine) {
  PollTracker t;
  std::int64_t now = 0;
  EXPECT_FALSE(t.too_fast("d", 1, now, kForget));
  EXPECT_FALSE(t.too_fast("d", 1, now += 2, kForget));  // the AWS CLI's immediate second poll
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(t.too_fast("d", 1, now += 1000, kForget));
}

TEST(PollTrackerTest, SlowDownRaisesTheRequiredIntervalByFiveSeconds) {
  PollTracker t;
  std::int64_t now = 0;
  t.too_fast("d", 1, now, kForget);
  t.too_fast("d", 1, now += 1000, kForget);
  EXPECT_TRUE(t.too_fast("d", 1, now += 100, kForget));
  // The client must now wait 1 + 5 seconds.
  EXPECT_TRUE(t.too_fast("d", 1, now += 1000, kForget));
  EXPECT_FALSE(t.too_fast("d", 1, now += 11'000, kForget));
  EXPECT_FALSE(t.too_fast("d", 1, now += 11'000, kForget));
}

TEST(PollTrackerTest, ZeroIntervalNeverSlowsDown) {
  PollTracker t;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(t.too_fast("d", 0, i, kForget));
  EXPECT_EQ(t.size(), 0u);
}

TEST(PollTrackerTest, CodesAreTrackedSeparatelyAndForgotten) {
  PollTracker t;
  t.too_fast("a", 1, 0, kForget);
  t.too_fast("a", 1, 1, kForget);
  EXPECT_FALSE(t.too_fast("b", 1, 2, kForget));
  EXPECT_EQ(t.size(), 2u);
  t.forget("a");
  EXPECT_EQ(t.size(), 1u);
  // Entries past their forget time are swept.
  t.too_fast("c", 1, 70'000, 70'001);
  EXPECT_FALSE(t.too_fast("z", 1, kForget + 120'000, kForget + 200'000));
  EXPECT_EQ(t.size(), 1u);
}

}  // namespace
}  // namespace ssooidc::domain
