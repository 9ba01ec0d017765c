// What several server processes share (issue 12), shown with two service graphs over one storage
// and one fake clock: each graph is what one process builds.
//
// domain_test runs these on one memory storage. tests/replicas builds the same file again as
// shared_state_postgres_test with SSOOIDC_SHARED_STATE_TEST_POSTGRES: each process then opens a
// storage (a connection pool) of its own on one scratch PostgreSQL schema, as replicas do.
#include "domain/shared_state.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "crypto/crypto.h"
#include "domain/poll_tracker.h"
#include "domain/service_graph.h"
#include "testing/device_flow.h"
#ifdef SSOOIDC_SHARED_STATE_TEST_POSTGRES
#include "postgres_test_support.h"  // tests/storage: a scratch schema per test
#endif

namespace ssooidc::domain {
namespace {

using test_support::poll_device;
using test_support::register_public_client;
using test_support::start_device;
// Storage that forwards everything to `inner` and counts the writes of the shared poll counts.
class PollWriteCounter final : public storage::Storage, public storage::PollCountStore {
 public:
  explicit PollWriteCounter(storage::Storage& inner) : inner_(inner) {}
  int writes = 0;

  storage::Result<storage::PollCount> add(std::string_view hash, std::int64_t polls,
                                          std::int64_t first_poll_ms,
                                          std::int64_t expires_at) override {
    ++writes;
    return inner_.poll_counts().add(hash, polls, first_poll_ms, expires_at);
  }
  storage::Result<std::int64_t> purge_expired(std::int64_t before) override {
    return inner_.poll_counts().purge_expired(before);
  }
  storage::PollCountStore& poll_counts() override { return *this; }
  storage::ClientStore& clients() override { return inner_.clients(); }
  storage::DeviceAuthorizationStore& device_authorizations() override {
    return inner_.device_authorizations();
  }
  storage::TokenStore& tokens() override { return inner_.tokens(); }
  storage::UserStore& users() override { return inner_.users(); }
  storage::AuthorizationCodeStore& authorization_codes() override {
    return inner_.authorization_codes();
  }
  storage::SigningKeyStore& signing_keys() override { return inner_.signing_keys(); }
  storage::AccountStore& accounts() override { return inner_.accounts(); }
  storage::GroupStore& groups() override { return inner_.groups(); }
  storage::AssignmentStore& assignments() override { return inner_.assignments(); }
  storage::CredentialRecordStore& credential_records() override {
    return inner_.credential_records();
  }
  storage::WebSessionStore& web_sessions() override { return inner_.web_sessions(); }
  storage::RateCounterStore& rate_counters() override { return inner_.rate_counters(); }
  storage::LeaseStore& leases() override { return inner_.leases(); }
  storage::RetryGraceStore& retry_grace() override { return inner_.retry_grace(); }

 private:
  storage::Storage& inner_;
};

class TwoProcessesTest : public ::testing::Test {
 protected:
  static Settings settings() {
    Settings s;
    s.public_url = "https://sso.example.test";
    return s;
  }

  RegisterClientResponse reg() { return register_public_client(one_); }

  static std::unique_ptr<storage::Storage> open(const std::string& database) {
    auto opened = storage::open_storage(database);
    if (!opened) {
      throw std::runtime_error("cannot open the test storage: " + opened.error().error_description);
    }
    return std::move(*opened);
  }

  core::FakeClock clock_;
  crypto::SecureRandom random_;
#ifdef SSOOIDC_SHARED_STATE_TEST_POSTGRES
  storage::test_support::ScratchSchema schema_;
  std::unique_ptr<storage::Storage> storage_ = open(schema_.url());
  std::unique_ptr<storage::Storage> other_storage_ = open(schema_.url());
#else
  std::unique_ptr<storage::Storage> storage_ = open("memory:");
  std::unique_ptr<storage::Storage> other_storage_;
#endif
  const std::string server_key_ = std::string(32, 'k');
  ServiceGraph one_{*storage_, clock_, random_, settings(), server_key_};
  ServiceGraph two_{other_storage_ ? *other_storage_ : *storage_, clock_, random_, settings(),
                    server_key_};
};

TEST_F(TwoProcessesTest, DerivedKeysAgreeAcrossProcessesAndDifferByPurpose) {
  EXPECT_EQ(one_.shared.derived_key("a"), two_.shared.derived_key("a"));
  EXPECT_EQ(one_.shared.derived_key("a").size(), 32u);
  EXPECT_NE(one_.shared.derived_key("a"), one_.shared.derived_key("b"));
  SharedState other_key(one_.context, std::string(32, 'x'));
  EXPECT_NE(other_key.derived_key("a"), one_.shared.derived_key("a"));
  SharedState no_key(one_.context);
  SharedState no_key_either(one_.context);
  EXPECT_NE(no_key.derived_key("a"), no_key_either.derived_key("a"));
}

TEST_F(TwoProcessesTest, OneProcessAtATimeLeadsAJob) {
  EXPECT_NE(one_.shared.process_id(), two_.shared.process_id());
  EXPECT_TRUE(*one_.shared.lead("purge", 60'000));
  EXPECT_FALSE(*two_.shared.lead("purge", 60'000));
  EXPECT_TRUE(*one_.shared.lead("purge", 60'000));  // renewed by its holder
  clock_.advance_seconds(60);
  EXPECT_TRUE(*two_.shared.lead("purge", 60'000));  // expired: another may take it
  EXPECT_FALSE(*one_.shared.lead("purge", 60'000));
}

// RegisterClient's per-address limit counts the requests of both processes together.
TEST_F(TwoProcessesTest, RegistrationFloodSpreadOverProcessesIsCountedOnce) {
  const RegisterClientRequest r{.clientName = "c", .clientType = "public"};
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE((i % 2 ? one_ : two_).clients.register_client(r, "192.0.2.9").has_value()) << i;
  EXPECT_EQ(one_.clients.register_client(r, "192.0.2.9").error().type, ErrorType::kSlowDown);
  EXPECT_EQ(two_.clients.register_client(r, "192.0.2.9").error().type, ErrorType::kSlowDown);
}

// slow_down across processes: polls that each process alone finds on time (every 1 s each),
// but that come twice as often in all, are slowed down once the processes have reported.
TEST_F(TwoProcessesTest, SlowDownIsEnforcedOverPollsSpreadOverTwoProcesses) {
  auto c = reg();
  auto d = start_device(one_, c);
  ASSERT_TRUE(d.has_value());
  int slowed = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = poll_device(i % 2 ? two_ : one_, c, *d);
    if (r.error().type == ErrorType::kSlowDown) ++slowed;
    else ASSERT_EQ(r.error().type, ErrorType::kAuthorizationPending) << i;
    clock_.advance_millis(500);
  }
  EXPECT_GT(slowed, 5) << "polls at twice the interval over two processes must be slowed down";

  // The same rate on one process is slowed down by the per-process check as before; polling at
  // the interval over both processes is never slowed down.
  auto d2 = start_device(one_, c);
  ASSERT_TRUE(d2.has_value());
  for (int i = 0; i < 40; ++i) {
    auto r = poll_device(i % 2 ? two_ : one_, c, *d2);
    ASSERT_EQ(r.error().type, ErrorType::kAuthorizationPending) << i;
    clock_.advance_millis(1000);
  }
}

// Round-robin over three processes: the AWS CLI's two back-to-back opening polls are free, and a
// third at once is slowed down, although each process has seen only one poll of the code.
TEST_F(TwoProcessesTest, AThirdBackToBackPollIsSlowedDownOnAnyProcess) {
  ServiceGraph three{*storage_, clock_, random_, settings(), server_key_};
  auto c = reg();
  auto d = start_device(one_, c);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(poll_device(one_, c, *d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll_device(two_, c, *d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll_device(three, c, *d).error().type, ErrorType::kSlowDown);
  // Once the client has added the 5 s that slow_down asks for, its next poll is on time wherever
  // it lands.
  clock_.advance_millis(6000);
  EXPECT_EQ(poll_device(one_, c, *d).error().type, ErrorType::kAuthorizationPending);
}

// A botocore retry whose first answer was lost may land on the other process (no sticky
// sessions): within the retry grace it gets the same answer there, not reuse detection.
TEST_F(TwoProcessesTest, ARetriedRedemptionOnTheOtherProcessGetsTheSameAnswer) {
  ASSERT_TRUE(one_.users.add("alice", "correct horse battery").has_value());
  auto c = one_.clients.register_client(
      {.clientName = "test", .clientType = "public", .scopes = std::vector<std::string>{
                                                         "sso:account:access"}});
  ASSERT_TRUE(c.has_value());
  auto d = one_.devices.start({*c->clientId, *c->clientSecret, "https://d-1.awsapps.com/start"}, "");
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(two_.devices.decide(*d->userCode, true, "alice").has_value());
  auto first = poll_device(one_, *c, *d);
  ASSERT_TRUE(first.has_value()) << first.error().error_description;
  auto retried = poll_device(two_, *c, *d);
  ASSERT_TRUE(retried.has_value()) << retried.error().error_description;
  EXPECT_EQ(*retried->accessToken, *first->accessToken);
  ASSERT_TRUE(first->refreshToken.has_value());

  CreateTokenRequest refresh;
  refresh.clientId = *c->clientId;
  refresh.clientSecret = *c->clientSecret;
  refresh.grantType = std::string(kGrantRefreshToken);
  refresh.refreshToken = first->refreshToken;
  auto refreshed = two_.tokens.create_token(refresh);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().error_description;
  auto again = one_.tokens.create_token(refresh);
  ASSERT_TRUE(again.has_value()) << "a retried refresh on the other process must not revoke";
  EXPECT_EQ(*again->accessToken, *refreshed->accessToken);
  clock_.advance_seconds(6);  // past the window: reuse detection as before
  EXPECT_EQ(one_.tokens.create_token(refresh).error().type, ErrorType::kInvalidGrant);
}

// Signing-key rotation is led by one process at a time, and both serve the same JWKS.
TEST_F(TwoProcessesTest, OneProcessRotatesTheSigningKeyAndBothServeTheSameJwks) {
  auto first = one_.id_tokens.jwks_json();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*two_.id_tokens.jwks_json(), *first);
  EXPECT_EQ(storage_->signing_keys().list()->size(), 1u);
  clock_.advance_seconds(one_.context.settings.signing_key_rotation_seconds);  // k1 retires now
  // While `two` leads the rotation, `one` keeps signing with the retired key still published.
  ASSERT_TRUE(*two_.shared.lead("signing-key-rotation", 60'000));
  ASSERT_TRUE(one_.id_tokens.issue({"alice", "client", clock_.now_epoch_seconds(), ""}).has_value());
  EXPECT_EQ(storage_->signing_keys().list()->size(), 1u);
  ASSERT_TRUE(two_.id_tokens.issue({"alice", "client", clock_.now_epoch_seconds(), ""}).has_value());
  ASSERT_EQ(storage_->signing_keys().list()->size(), 2u);
  // `one` picks the new key up from storage; both publish both keys.
  EXPECT_EQ(*one_.id_tokens.jwks_json(), *two_.id_tokens.jwks_json());
  EXPECT_NE(*one_.id_tokens.jwks_json(), *first);
  EXPECT_EQ(storage_->signing_keys().list()->size(), 2u);
}

// The polling path does not write on every poll: a process reports its opening polls, then one
// write per PollTracker::kSharedReportEvery accepted polls, and none for a poll slowed down.
TEST_F(TwoProcessesTest, PollingWritesTheSharedCountOnlyNowAndThen) {
  PollWriteCounter counted(*storage_);
  ServiceGraph three{counted, clock_, random_, settings(), server_key_};
  auto c = reg();
  auto d = one_.devices.start({*c.clientId, *c.clientSecret, "https://d-1.awsapps.com/start"}, "");
  ASSERT_TRUE(d.has_value());
  constexpr int kPolls = 40;
  for (int i = 0; i < kPolls; ++i) {
    ASSERT_EQ(poll_device(three, c, *d).error().type, ErrorType::kAuthorizationPending) << i;
    clock_.advance_millis(1000);  // the interval
  }
  EXPECT_GE(counted.writes, 1);
  EXPECT_LE(counted.writes, PollTracker::kFreePolls + kPolls / PollTracker::kSharedReportEvery + 1);
  // Polls answered slow_down write nothing: ten at once after an accepted one.
  ASSERT_EQ(poll_device(three, c, *d).error().type, ErrorType::kAuthorizationPending);
  const int before = counted.writes;
  int slowed = 0;
  for (int i = 0; i < 10; ++i)
    if (poll_device(three, c, *d).error().type == ErrorType::kSlowDown) ++slowed;
  EXPECT_EQ(slowed, 10);
  EXPECT_EQ(counted.writes, before);
}

TEST_F(TwoProcessesTest, SharedPollCountsArePurgedWithTheirAuthorization) {
  auto c = reg();
  auto d = start_device(one_, c);
  ASSERT_TRUE(d.has_value());
  for (int i = 0; i < 8; ++i) {
    (void)poll_device(one_, c, *d);
    clock_.advance_seconds(1);
  }
  EXPECT_EQ(*one_.shared.purge_expired(), 0);
  clock_.advance_seconds(601);
  EXPECT_GE(*one_.shared.purge_expired(), 1);
}

}  // namespace
}  // namespace ssooidc::domain
