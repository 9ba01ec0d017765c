#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/http_message.h"
#include "core/random.h"
#include "ssooidc/error.h"

namespace ssooidc {
namespace {

TEST(ErrorTest, ShapesCodesAndStatusesFollowTheModel) {
  EXPECT_EQ(shape_name(ErrorType::kInvalidClient), "InvalidClientException");
  EXPECT_EQ(http_status_of(ErrorType::kInvalidClient), 401);
  EXPECT_EQ(http_status_of(ErrorType::kInternalServer), 500);
  EXPECT_EQ(oauth_code(ErrorType::kInternalServer), "server_error");
  EXPECT_EQ(oauth_code(ErrorType::kInvalidRequestRegion), "invalid_request");
  EXPECT_EQ(http_status_of(ErrorType::kSlowDown), 400);
  EXPECT_EQ(error_type_from_shape("SlowDownException"), ErrorType::kSlowDown);
  EXPECT_EQ(error_type_from_shape("TransportError"), std::nullopt);
  EXPECT_EQ(error_type_from_shape("Nope"), std::nullopt);
  auto e = Error::make(ErrorType::kInvalidGrant, "Invalid refresh token provided");
  EXPECT_EQ(e.error, "invalid_grant");
  EXPECT_EQ(e.http_status, 400);
}

TEST(FakeClockTest, AdvancesOnlyWhenTold) {
  core::FakeClock clock(1000);
  EXPECT_EQ(clock.now_epoch_seconds(), 1000);
  clock.advance_millis(1500);
  EXPECT_EQ(clock.now_epoch_seconds(), 1001);
  EXPECT_EQ(clock.monotonic_millis(), 1'001'500);
}

class CountingRandom final : public core::Random {
 public:
  void fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(next_++);
  }

 private:
  unsigned next_ = 0;
};

TEST(RandomTest, UniformStaysInBounds) {
  CountingRandom r;
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.uniform(20), 20u);
  EXPECT_EQ(r.uniform(1), 0u);
}

TEST(HttpMessageTest, HeaderLookupIsCaseInsensitive) {
  core::HttpRequest req;
  req.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("x-missing"), "");
  core::HttpResponse resp;
  resp.set("X-A", "1").set("x-a", "2");
  ASSERT_EQ(resp.headers.size(), 1u);
  EXPECT_EQ(resp.headers[0].second, "2");
}

}  // namespace
}  // namespace ssooidc
