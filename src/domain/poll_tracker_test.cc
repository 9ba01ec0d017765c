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

// The I/O thread's variant (issue 15): it answers exactly the polls poll() would answer without
// a report, and records nothing when it declines, so that the poll() that follows sees the
// same state as if the declined attempt had never happened.
TEST(PollTrackerTest, PollWithoutReportDeclinesExactlyThePollsThatReport) {
  PollTracker alone;   // poll() only
  PollTracker tried;   // poll_without_report() first, poll() when it declines
  std::int64_t now = 0;
  const std::int64_t epoch = 1'700'000'000'000;
  int declined = 0;
  for (int i = 0; i < 40; ++i) {
    now += (i == 1) ? 5 : 5'000;  // the CLI's immediate second poll, then the interval
    const auto expected = alone.poll("d", 5, now, epoch + now, kForget);
    if (expected.report_polls > 0) {
      // What the shared count would say with one process: the polls reported so far.
      alone.learn_shared("d", i + 1, epoch, 5, epoch + now);
    }
    auto verdict = tried.poll_without_report("d", 5, now, epoch + now, kForget);
    if (!verdict) {
      ++declined;
      verdict = tried.poll("d", 5, now, epoch + now, kForget);
      ASSERT_GT(verdict->report_polls, 0) << i;
      tried.learn_shared("d", i + 1, epoch, 5, epoch + now);
    }
    EXPECT_EQ(verdict->too_fast, expected.too_fast) << i;
    EXPECT_EQ(verdict->report_polls, expected.report_polls) << i;
  }
  // The opening polls, then one in kSharedReportEvery: the rest answered from memory.
  EXPECT_GT(declined, 3);
  EXPECT_LT(declined, 40 / static_cast<int>(PollTracker::kSharedReportEvery) + 4);
  // A code never polled is declined without being recorded.
  EXPECT_FALSE(tried.poll_without_report("new", 5, now, epoch + now, kForget).has_value());
  EXPECT_EQ(tried.size(), 1u);
  // No interval: nothing to track or report, always answered.
  EXPECT_TRUE(tried.poll_without_report("new", 0, now, epoch + now, kForget).has_value());
}

}  // namespace
}  // namespace ssooidc::domain
