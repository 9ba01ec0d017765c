// The poll's shortcut (pending_cache.h) on a real SQLite file opened twice, as two processes
// (or the server and the operator's `ssooidc-server device approve`) open it: each open has its
// own connections, its own change watch and its own service graph.
#include "domain/pending_cache.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "domain/service_graph.h"
#include "testing/device_flow.h"

namespace ssooidc::domain {
namespace {

using test_support::poll_device;
using test_support::register_public_client;
using test_support::start_device;

namespace fs = std::filesystem;

class PendingCacheTest : public ::testing::Test {
 protected:
  PendingCacheTest() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("ssooidc-pending-cache-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(dir_);
    const std::string url = "sqlite:" + (dir_ / "server.db").string();
    storage_one_ = std::move(*storage::open_storage(url));
    storage_two_ = std::move(*storage::open_storage(url));
    one_ = std::make_unique<ServiceGraph>(*storage_one_, clock_, random_, settings());
    two_ = std::make_unique<ServiceGraph>(*storage_two_, clock_, random_, settings());
  }
  ~PendingCacheTest() override {
    one_.reset();
    two_.reset();
    storage_one_.reset();
    storage_two_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static Settings settings() {
    Settings s;
    s.public_url = "https://sso.example.test";
    s.poll_interval_seconds = 0;  // as fast as a benchmark polls
    return s;
  }
  RegisterClientResponse reg() { return register_public_client(*one_, true); }
  StartDeviceAuthorizationResponse start(const RegisterClientResponse& c) {
    return start_device(*one_, c).value();
  }

  fs::path dir_;
  core::FakeClock clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> storage_one_;
  std::unique_ptr<storage::Storage> storage_two_;
  std::unique_ptr<ServiceGraph> one_;
  std::unique_ptr<ServiceGraph> two_;
};

TEST_F(PendingCacheTest, TheStampStaysWhileNothingCommitsAndChangesWithACommitElsewhere) {
  auto& watch = storage_one_->device_authorizations();
  auto c = reg();
  const auto before = watch.change_stamp();
  ASSERT_TRUE(before.has_value()) << "SQLite in WAL mode must offer a change stamp";
  EXPECT_EQ(watch.change_stamp(), before);
  // Reads, here and in the other open, commit nothing.
  ASSERT_TRUE(storage_two_->clients().find(*c.clientId).has_value());
  ASSERT_TRUE(storage_one_->clients().find(*c.clientId).has_value());
  EXPECT_EQ(watch.change_stamp(), before);
  // A write through the other open (another connection, as another process) changes it.
  auto d = start_device(*two_, c);
  ASSERT_TRUE(d.has_value());
  const auto after = watch.change_stamp();
  EXPECT_NE(after, before);
  EXPECT_EQ(storage_two_->device_authorizations().change_stamp(), after);
}

// The property the cache must not give up (issue 15 item 2): an approval made elsewhere is seen
// by the very next poll, after polls that were answered from memory.
TEST_F(PendingCacheTest, AnApprovalByAnotherProcessIsSeenByTheNextPoll) {
  ASSERT_TRUE(one_->users.add("alice", "correct horse battery").has_value());
  auto c = reg();
  auto d = start(c);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending) << i;
  ASSERT_TRUE(two_->devices.decide(*d.userCode, true, "alice").has_value());
  auto token = poll_device(*one_, c, d);
  ASSERT_TRUE(token.has_value()) << token.error().error_description;
  EXPECT_TRUE(token->accessToken.has_value());
}

TEST_F(PendingCacheTest, ADenialByAnotherProcessIsSeenByTheNextPoll) {
  auto c = reg();
  auto d = start(c);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  ASSERT_TRUE(two_->devices.decide(*d.userCode, false, "admin").has_value());
  EXPECT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAccessDenied);
}

// The I/O thread's path (issue 15): it answers a poll only from memory, and an approval made
// elsewhere sends the next poll back to the database, exactly as create_token does.
TEST_F(PendingCacheTest, PollFromMemoryAnswersOnlyACachedPendingCodeAndSeesAnApprovalElsewhere) {
  ASSERT_TRUE(one_->users.add("alice", "correct horse battery").has_value());
  auto c = reg();
  auto d = start(c);
  CreateTokenRequest r;
  r.clientId = *c.clientId;
  r.clientSecret = *c.clientSecret;
  r.grantType = std::string(kGrantDeviceCode);
  r.deviceCode = d.deviceCode;
  // Nothing read yet: neither the client nor the code is in memory.
  EXPECT_EQ(one_->tokens.poll_from_memory(r), nullptr);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  for (int i = 0; i < 3; ++i) {
    const Error* answered = one_->tokens.poll_from_memory(r);
    ASSERT_NE(answered, nullptr) << i;
    EXPECT_EQ(answered->type, ErrorType::kAuthorizationPending);
    EXPECT_EQ(answered->error, "authorization_pending");
    EXPECT_EQ(answered->error_description, "Authorization is still pending");
  }
  // A wrong secret is refused from memory too, in the same constant-time way.
  CreateTokenRequest wrong = r;
  wrong.clientSecret = "not-the-secret";
  const Error* refused = one_->tokens.poll_from_memory(wrong);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->type, ErrorType::kInvalidClient);
  EXPECT_EQ(refused->error_description, "Invalid client credentials");
  // Another grant type, or another client's code, is not this path's to answer.
  CreateTokenRequest refresh = r;
  refresh.grantType = std::string(kGrantRefreshToken);
  EXPECT_EQ(one_->tokens.poll_from_memory(refresh), nullptr);

  ASSERT_TRUE(two_->devices.decide(*d.userCode, true, "alice").has_value());
  EXPECT_EQ(one_->tokens.poll_from_memory(r), nullptr);  // the stamp changed
  auto token = poll_device(*one_, c, d);
  ASSERT_TRUE(token.has_value()) << token.error().error_description;
  EXPECT_EQ(one_->tokens.poll_from_memory(r), nullptr);  // redeemed: not pending
}

// Expiry is the clock's, not the database's: a cached pending code still expires on time.
TEST_F(PendingCacheTest, ACachedPendingCodeStillExpires) {
  auto c = reg();
  auto d = start(c);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  clock_.advance_seconds(settings().device_code_ttl_seconds + 1);
  EXPECT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kExpiredToken);
}

// A device code is bound to its client also when its record comes from memory.
TEST_F(PendingCacheTest, ACachedCodeIsRefusedToAnotherClient) {
  auto c = reg();
  auto other = reg();
  auto d = start(c);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll_device(*one_, other, d).error().type, ErrorType::kInvalidGrant);
}

// ---- the pending index (pending_index.h, issue 15 item 4) ---------------------------------------

CreateTokenRequest poll_request(const RegisterClientResponse& c,
                                const StartDeviceAuthorizationResponse& d) {
  CreateTokenRequest r;
  r.clientId = *c.clientId;
  r.clientSecret = *c.clientSecret;
  r.grantType = std::string(kGrantDeviceCode);
  r.deviceCode = d.deviceCode;
  return r;
}

// A code pending when the server started and never polled since is answered from memory (the
// I/O thread's path answers it, which the pending cache alone cannot), and an approval or a
// denial made by another process is seen by the next poll all the same.
TEST_F(PendingCacheTest, TheIndexAnswersCodesPendingAtStartUpAndSeesDecisionsElsewhere) {
  ASSERT_TRUE(one_->users.add("alice", "correct horse battery").has_value());
  auto c = reg();
  auto d1 = start(c);
  auto d2 = start(c);
  auto d3 = start(c);
  auto loaded = one_->tokens.load_pending_index();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().error_description;
  EXPECT_EQ(*loaded, 3U);
  // Not yet caught up with the change log: nothing from memory.
  EXPECT_EQ(one_->tokens.poll_from_memory(poll_request(c, d2)), nullptr);
  ASSERT_EQ(poll_device(*one_, c, d1).error().type, ErrorType::kAuthorizationPending);
  // Caught up: d2, never polled, is answered from memory.
  const Error* answered = one_->tokens.poll_from_memory(poll_request(c, d2));
  ASSERT_NE(answered, nullptr);
  EXPECT_EQ(answered->type, ErrorType::kAuthorizationPending);

  // Approved by another process: the stamp changed, so not from memory, and the next poll
  // catches up with the log and reads the approved row.
  ASSERT_TRUE(two_->devices.decide(*d2.userCode, true, "alice").has_value());
  EXPECT_EQ(one_->tokens.poll_from_memory(poll_request(c, d2)), nullptr);
  auto token = poll_device(*one_, c, d2);
  ASSERT_TRUE(token.has_value()) << token.error().error_description;
  EXPECT_TRUE(token->accessToken.has_value());

  // Logins started elsewhere commit, but change no held row: after one catch-up, d3 is answered
  // from memory again.
  ASSERT_TRUE(start_device(*two_, c).has_value());
  ASSERT_EQ(poll_device(*one_, c, d1).error().type, ErrorType::kAuthorizationPending);
  answered = one_->tokens.poll_from_memory(poll_request(c, d3));
  ASSERT_NE(answered, nullptr);
  EXPECT_EQ(answered->type, ErrorType::kAuthorizationPending);
  // Denied elsewhere.
  ASSERT_TRUE(two_->devices.decide(*d3.userCode, false, "admin").has_value());
  EXPECT_EQ(poll_device(*one_, c, d3).error().type, ErrorType::kAccessDenied);
}

// What the index holds is only what was pending at the load, for its own client, until it
// expires: a later code is read from the table, another client is refused, expiry is on time.
TEST_F(PendingCacheTest, TheIndexHoldsOnlyTheLoadedCodesOfTheirClientUntilTheyExpire) {
  auto c = reg();
  auto other = reg();
  auto d = start(c);
  auto e = start(c);
  ASSERT_EQ(one_->tokens.load_pending_index().value_or(0), 2U);
  auto later = start(c);
  ASSERT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(one_->tokens.poll_from_memory(poll_request(c, later)), nullptr);
  EXPECT_EQ(poll_device(*one_, c, later).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(one_->tokens.poll_from_memory(poll_request(other, e)), nullptr);
  EXPECT_EQ(poll_device(*one_, other, e).error().type, ErrorType::kInvalidGrant);
  // Only d's answer came from the index alone (e's and later's rows were read, and are cached).
  clock_.advance_seconds(settings().device_code_ttl_seconds + 1);
  EXPECT_EQ(one_->tokens.poll_from_memory(poll_request(c, d)), nullptr);
  EXPECT_EQ(poll_device(*one_, c, d).error().type, ErrorType::kExpiredToken);
}

TEST(PendingCacheBound, IsEmptiedWhenFullSoThatNoStrangerGrowsIt) {
  PendingCache cache;
  storage::ChangeStamp stamp;
  storage::DeviceAuthorizationRecord record;
  record.state = storage::DeviceState::kPending;
  for (std::size_t i = 0; i <= PendingCache::kMaxEntries; ++i) {
    record.device_code_hash = std::to_string(i);
    cache.remember(record, stamp);
  }
  EXPECT_FALSE(cache.find("0", stamp).has_value());
  EXPECT_TRUE(cache.find(std::to_string(PendingCache::kMaxEntries), stamp).has_value());
  // Only pending records are kept, and only under the stamp they were read with.
  record.device_code_hash = "approved";
  record.state = storage::DeviceState::kApproved;
  cache.remember(record, stamp);
  EXPECT_FALSE(cache.find("approved", stamp).has_value());
  storage::ChangeStamp later;
  later.bytes[0] = 1;
  EXPECT_FALSE(cache.find(std::to_string(PendingCache::kMaxEntries), later).has_value());
}

// The poll's view: the same entry as find(), only for its own client, with what a poll reads.
TEST(PendingCacheBound, PollViewIsTheEntryOfItsClientOnly) {
  PendingCache cache;
  storage::ChangeStamp stamp;
  storage::DeviceAuthorizationRecord record;
  record.device_code_hash = "h";
  record.user_code = "ABCDEFGH";
  record.client_id = "client-a";
  record.start_url = "https://example.test/start";
  record.requester_address = "192.0.2.1";
  record.scopes = {"openid"};
  record.created_at = 100;
  record.expires_at = 700;
  record.interval = 5;
  cache.remember(record, stamp);
  EXPECT_FALSE(cache.find_for_poll("h", stamp, "client-b").has_value());
  EXPECT_FALSE(cache.find_for_poll("other", stamp, "client-a").has_value());
  const auto poll = cache.find_for_poll("h", stamp, "client-a");
  ASSERT_TRUE(poll.has_value());
  EXPECT_EQ(poll->user_code, "ABCDEFGH");
  EXPECT_EQ(poll->created_at, 100);
  EXPECT_EQ(poll->expires_at, 700);
  EXPECT_EQ(poll->interval, 5);
  EXPECT_EQ(poll->state, storage::DeviceState::kPending);
  EXPECT_TRUE(poll->awaiting_decision(699));
  EXPECT_FALSE(poll->awaiting_decision(700));
  // A changed stamp drops the entry, as find() does.
  storage::ChangeStamp later;
  later.bytes[0] = 1;
  EXPECT_FALSE(cache.find_for_poll("h", later, "client-a").has_value());
  EXPECT_FALSE(cache.contains("h"));
}

}  // namespace
}  // namespace ssooidc::domain
