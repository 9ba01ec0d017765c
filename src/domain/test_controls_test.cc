// TestControls on its own, the services in test mode (auto-approval, forced poll errors,
// "expired now" marks), and the security events the services record through core::EventLog.
#include "domain/test_controls.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "testing/device_flow.h"
#include "testing/test_services.h"

namespace ssooidc::domain {
namespace {

Error slow_down() { return Error::make(ErrorType::kSlowDown, "forced"); }

TEST(TestControlsTest, ForcedErrorsCountDownAndACodesOwnComesFirst) {
  TestControls controls;
  ASSERT_TRUE(controls.force_poll_errors("BCDFGHJK", slow_down(), 2));
  ASSERT_TRUE(controls.force_poll_errors("", Error::make(ErrorType::kAccessDenied, "any"), 1));
  EXPECT_EQ(controls.take_poll_error("BCDFGHJK")->type, ErrorType::kSlowDown);
  EXPECT_EQ(controls.take_poll_error("BCDFGHJK")->type, ErrorType::kSlowDown);
  EXPECT_EQ(controls.take_poll_error("BCDFGHJK")->type, ErrorType::kAccessDenied);
  EXPECT_FALSE(controls.take_poll_error("BCDFGHJK").has_value());
  EXPECT_FALSE(controls.take_poll_error("LMNPQRST").has_value());
  ASSERT_TRUE(controls.force_poll_errors("BCDFGHJK", slow_down(), 3));
  ASSERT_TRUE(controls.force_poll_errors("BCDFGHJK", slow_down(), 0));  // 0 withdraws it
  EXPECT_FALSE(controls.take_poll_error("BCDFGHJK").has_value());
}

TEST(TestControlsTest, MarksAreBoundedAndResetForgetsEverything) {
  TestControls controls;
  for (std::size_t i = 0; i < TestControls::kMaxMarks; ++i)
    ASSERT_TRUE(controls.expire_token("hash" + std::to_string(i)));
  EXPECT_FALSE(controls.expire_token("one too many"));
  EXPECT_TRUE(controls.expire_token("hash7")) << "marking again is no growth";
  EXPECT_TRUE(controls.token_expired("hash7"));
  ASSERT_TRUE(controls.expire_client("client"));
  ASSERT_TRUE(controls.expire_device("BCDFGHJK"));
  ASSERT_TRUE(controls.force_poll_errors("", slow_down(), 5));
  controls.reset();
  EXPECT_FALSE(controls.token_expired("hash7"));
  EXPECT_FALSE(controls.client_expired("client"));
  EXPECT_FALSE(controls.device_expired("BCDFGHJK"));
  EXPECT_FALSE(controls.take_poll_error("BCDFGHJK").has_value());
}

class RecordingLog : public core::EventLog {
 public:
  struct Event {
    std::string name;
    std::map<std::string, std::string> fields;
  };
  void record(std::string_view event, std::initializer_list<core::EventField> fields) override {
    std::lock_guard lock(mutex_);
    Event e{std::string(event), {}};
    for (const auto& f : fields) e.fields[std::string(f.name)] = std::string(f.value);
    events.push_back(std::move(e));
  }
  std::vector<Event> named(std::string_view name) const {
    std::vector<Event> out;
    for (const auto& e : events)
      if (e.name == name) out.push_back(e);
    return out;
  }
  std::vector<Event> events;

 private:
  std::mutex mutex_;
};

Settings test_mode(std::string auto_approve = {}) {
  Settings s;
  s.test_mode = true;
  s.auto_approve_user = std::move(auto_approve);
  return s;
}

class ServicesWithLog : public test_support::ServicesTest {
 protected:
  explicit ServicesWithLog(Settings settings = {}) : ServicesTest(std::move(settings)) {}
  void SetUp() override {
    ctx_->events = &log_;
    ASSERT_TRUE(users_->add("alice", "correct horse battery").has_value());
  }
  RegisterClientResponse reg() {
    return test_support::register_public_client(
        *clients_, std::vector<std::string>{"sso:account:access"}, "t");
  }
  StartDeviceAuthorizationResponse start(const RegisterClientResponse& c) {
    return test_support::start_device(*devices_, c, "192.0.2.1");
  }
  std::expected<CreateTokenResponse, Error> token(const RegisterClientResponse& c,
                                                  std::optional<std::string> device_code,
                                                  std::optional<std::string> refresh = {}) {
    return tokens_->create_token(
        test_support::token_request(c, std::move(device_code), std::move(refresh)));
  }
  RecordingLog log_;
};

class SecurityEventsTest : public ServicesWithLog {};

TEST_F(SecurityEventsTest, ApprovalDenialReuseAndRevocationAreRecordedWithoutSecrets) {
  auto c = reg();
  auto d = start(c);
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  auto denied = start(c);
  ASSERT_TRUE(devices_->decide(*denied.userCode, false, "alice").has_value());
  auto t = token(c, d.deviceCode);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(token(c, std::nullopt, *t->refreshToken).has_value());
  clock_.advance_seconds(ctx_->settings.retry_grace_seconds + 1);
  EXPECT_EQ(token(c, std::nullopt, *t->refreshToken).error().type, ErrorType::kInvalidGrant);

  ASSERT_EQ(log_.named("device.approved").size(), 1u);
  EXPECT_EQ(log_.named("device.approved")[0].fields,
            (std::map<std::string, std::string>{{"user", "alice"}, {"client_id", *c.clientId}}));
  ASSERT_EQ(log_.named("device.denied").size(), 1u);
  ASSERT_EQ(log_.named("refresh_token.reuse_detected").size(), 1u);
  auto revoked = log_.named("token_family.revoked");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].fields["reason"], "refresh token reused");
  EXPECT_EQ(revoked[0].fields["tokens"], "4");
  for (const auto& e : log_.events)
    for (const auto& [name, value] : e.fields)
      for (const std::string& secret : {*c.clientSecret, d.deviceCode.value(), *d.userCode,
                                        *t->accessToken, *t->refreshToken})
        EXPECT_EQ(value.find(secret), std::string::npos) << e.name << "." << name;
}

class AutoApproveTest : public ServicesWithLog {
 protected:
  AutoApproveTest() : ServicesWithLog(test_mode("alice")) {}
};

TEST_F(AutoApproveTest, EveryAuthorizationIsApprovedAsItStarts) {
  auto c = reg();
  auto d = start(c);
  EXPECT_TRUE(token(c, d.deviceCode).has_value());
  EXPECT_EQ(log_.named("device.approved").size(), 1u);
  // A user disabled since start-up: the authorization stays pending, and that is recorded.
  ASSERT_TRUE(users_->set_disabled("alice", true).has_value());
  auto d2 = start(c);
  EXPECT_EQ(token(c, d2.deviceCode).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(log_.named("device.auto_approve_failed").size(), 1u);
}

class TestModeTest : public ServicesWithLog {
 protected:
  TestModeTest() : ServicesWithLog(test_mode()) {}
};

TEST_F(TestModeTest, ControlsAreReachableOnlyInTestMode) {
  EXPECT_EQ(ctx_->test, &t_.graph.test_controls);
  test_support::TestServices production;
  EXPECT_EQ(production.graph.context.test, nullptr);
}

TEST_F(TestModeTest, ForcedErrorsAndExpiryMarksAnswerAsTheRealThing) {
  auto c = reg();
  auto d = start(c);
  const std::string code = UserCode::parse(*d.userCode)->normalized();
  ASSERT_TRUE(ctx_->test->force_poll_errors(code, Error::make(ErrorType::kInternalServer, "x"), 1));
  EXPECT_EQ(token(c, d.deviceCode).error().type, ErrorType::kInternalServer);
  EXPECT_EQ(token(c, d.deviceCode).error().type, ErrorType::kAuthorizationPending);
  ASSERT_TRUE(ctx_->test->expire_device(code));
  EXPECT_EQ(token(c, d.deviceCode).error().type, ErrorType::kExpiredToken);
  EXPECT_EQ(devices_->decide(*d.userCode, true, "alice").error().type, ErrorType::kExpiredToken);

  auto d2 = start(c);
  ASSERT_TRUE(devices_->decide(*d2.userCode, true, "alice").has_value());
  auto t = token(c, d2.deviceCode);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(ctx_->test->expire_token(crypto::secret_hash(*t->refreshToken)));
  EXPECT_EQ(token(c, std::nullopt, *t->refreshToken).error().type, ErrorType::kInvalidGrant);
  ASSERT_TRUE(ctx_->test->expire_client(*c.clientId));
  EXPECT_EQ(token(c, d2.deviceCode).error().type, ErrorType::kInvalidClient);
}

}  // namespace
}  // namespace ssooidc::domain
