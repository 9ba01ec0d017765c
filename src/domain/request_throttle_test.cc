#include "domain/request_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace ssooidc::domain {
namespace {

TEST(RequestThrottle, AllowsABurstThenRefillsPerMinute) {
  core::FakeClock clock;
  RequestThrottle throttle(clock, 6);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(throttle.allow("192.0.2.1")) << i;
  EXPECT_FALSE(throttle.allow("192.0.2.1"));
  EXPECT_TRUE(throttle.allow("192.0.2.2"));  // another address has its own bucket
  clock.advance_seconds(10);                 // 6 a minute: one every 10 s
  EXPECT_TRUE(throttle.allow("192.0.2.1"));
  EXPECT_FALSE(throttle.allow("192.0.2.1"));
}

TEST(RequestThrottle, CountsIpv6PerSlash64AndZeroDisables) {
  core::FakeClock clock;
  RequestThrottle throttle(clock, 2);
  EXPECT_TRUE(throttle.allow("2001:db8:1:2::1"));
  EXPECT_TRUE(throttle.allow("2001:db8:1:2::ffff"));
  EXPECT_FALSE(throttle.allow("2001:db8:1:2:3::9"));
  EXPECT_TRUE(throttle.allow("2001:db8:1:3::1"));
  RequestThrottle off(clock, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(off.allow("192.0.2.1"));
}

TEST(RequestThrottle, MemoryIsBoundedButThrottledAddressesAreKept) {
  core::FakeClock clock;
  RequestThrottle throttle(clock, 1, /*max_keys=*/3);
  EXPECT_TRUE(throttle.allow("10.0.0.1"));
  EXPECT_FALSE(throttle.allow("10.0.0.1"));  // throttled: its bucket is empty
  for (int i = 2; i < 50; ++i) (void)throttle.allow("10.0.1." + std::to_string(i));
  EXPECT_FALSE(throttle.allow("10.0.0.1")) << "a throttled address must not be forgotten";
}

}  // namespace
}  // namespace ssooidc::domain
