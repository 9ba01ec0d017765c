#include "domain/browser_sessions.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "core/clock.h"
#include "domain/context.h"
#include "storage/storage.h"

namespace ssooidc::domain {
namespace {

// The tests of the in-memory session store this replaced (web/session_store), unchanged in what
// they assert, over storage (here memory:; tests/storage runs the store on every backend).
class SessionStoreTest : public ::testing::Test {
 protected:
  // The old store's calls: sessions that must be there, bools for what it answered.
  struct Sessions {
    BrowserSessions& s;
    std::optional<BrowserSession> create(const BrowserSession& seed = {}) {
      auto r = s.create(seed);
      EXPECT_TRUE(r.has_value());
      return r.value_or(std::nullopt);
    }
    std::optional<BrowserSession> find(std::string_view id) {
      auto r = s.find(id);
      EXPECT_TRUE(r.has_value());
      return r.value_or(std::nullopt);
    }
    bool update(const BrowserSession& session) {
      auto r = s.update(session);
      EXPECT_TRUE(r.has_value());
      return r.value_or(false);
    }
    std::optional<BrowserSession> renew(std::string_view id) {
      auto r = s.renew(id);
      EXPECT_TRUE(r.has_value());
      return r.value_or(std::nullopt);
    }
    void remove(std::string_view id) { EXPECT_TRUE(s.remove(id).has_value()); }
  };

  core::FakeClock clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> storage_ = std::move(*storage::open_storage("memory:"));
  Context ctx_{*storage_, clock_, random_};
  BrowserSessions sessions_{ctx_, BrowserSessionLimits{600, 3600, 100}};
  Sessions wrapper_{sessions_};
  Sessions* store_ = &wrapper_;
};

TEST_F(SessionStoreTest, CreatesUnguessableDistinctSecrets) {
  BrowserSession a = *store_->create();
  BrowserSession b = *store_->create();
  EXPECT_EQ(a.id.size(), 43u);  // 256 bits, base64url
  EXPECT_EQ(a.csrf_token.size(), 43u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, a.csrf_token);
  EXPECT_NE(a.browser_key, b.browser_key);
  EXPECT_FALSE(a.signed_in());
  auto found = store_->find(a.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->csrf_token, a.csrf_token);
  EXPECT_FALSE(store_->find(""));
  EXPECT_FALSE(store_->find("not-a-session"));
}

TEST_F(SessionStoreTest, EndsAfterIdleTimeButUseKeepsItAlive) {
  BrowserSession s = *store_->create();
  clock_.advance_seconds(599);
  ASSERT_TRUE(store_->find(s.id));  // restarts the idle timer
  clock_.advance_seconds(599);
  ASSERT_TRUE(store_->find(s.id));
  clock_.advance_seconds(600);
  EXPECT_FALSE(store_->find(s.id));
  EXPECT_FALSE(store_->update(s));
}

TEST_F(SessionStoreTest, EndsAtTheAbsoluteLifetimeHoweverBusy) {
  BrowserSession s = *store_->create();
  for (int i = 0; i < 11; ++i) {
    clock_.advance_seconds(300);
    ASSERT_TRUE(store_->find(s.id)) << i;
  }
  clock_.advance_seconds(300);  // 3600 s after creation
  EXPECT_FALSE(store_->find(s.id));
}

TEST_F(SessionStoreTest, RenewGivesFreshSecretsAndKeepsTheRest) {
  BrowserSession s = *store_->create();
  s.user_name = "alice";
  s.remember_checked("WDJBMJHT");
  ASSERT_TRUE(store_->update(s));
  auto renewed = store_->renew(s.id);
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->id, s.id);
  EXPECT_NE(renewed->csrf_token, s.csrf_token);
  EXPECT_EQ(renewed->browser_key, s.browser_key);
  EXPECT_EQ(renewed->user_name, "alice");
  EXPECT_TRUE(renewed->has_checked("WDJBMJHT"));
  EXPECT_FALSE(store_->find(s.id));  // the old id is dead
  EXPECT_TRUE(store_->find(renewed->id));
  EXPECT_FALSE(store_->renew(s.id));
}

TEST_F(SessionStoreTest, RemoveEndsASession) {
  BrowserSession s = *store_->create();
  store_->remove(s.id);
  EXPECT_FALSE(store_->find(s.id));
  store_->remove("unknown");  // harmless
}

TEST_F(SessionStoreTest, CapacityDropsTheLeastRecentlyUsed) {
  std::vector<BrowserSession> all;
  for (int i = 0; i < 100; ++i) {
    all.push_back(*store_->create());
    clock_.advance_seconds(1);
  }
  ASSERT_TRUE(store_->find(all[0].id));  // now the most recently used
  BrowserSession extra = *store_->create();
  EXPECT_TRUE(store_->find(extra.id));
  EXPECT_TRUE(store_->find(all[0].id));
  EXPECT_FALSE(store_->find(all[1].id));
}

// Issue 11 item 5: signed-out sessions never push a signed-in one out.
TEST_F(SessionStoreTest, SignedOutSessionsNeverEvictSignedInOnes) {
  BrowserSession signed_in_seed;
  signed_in_seed.user_name = "alice";
  std::vector<BrowserSession> people;
  for (int i = 0; i < 60; ++i) people.push_back(*store_->create(signed_in_seed));
  clock_.advance_seconds(1);
  // Signed-out sessions fill the rest and then displace only each other.
  for (int i = 0; i < 1000; ++i) {
    auto anonymous = store_->create();
    ASSERT_TRUE(anonymous) << i;
    clock_.advance_seconds(1);
    if (i % 100 == 0) {
      for (const auto& p : people) ASSERT_TRUE(store_->find(p.id)) << i;  // keeps them in use
    }
  }
  for (const auto& p : people) EXPECT_TRUE(store_->find(p.id));
  // Full of signed-in sessions, a signed-out one is refused; a signed-in one still gets in.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(store_->create(signed_in_seed));
  EXPECT_FALSE(store_->create());
  auto newcomer = store_->create(signed_in_seed);
  ASSERT_TRUE(newcomer);
  EXPECT_EQ(newcomer->user_name, "alice");
}

// Issue 12: the id is stored only as a hash, and a second process (another BrowserSessions over
// the same store) sees the session, its sign-in and its end.
TEST_F(SessionStoreTest, StoresOnlyTheIdHashAndIsSharedWithAnotherProcess) {
  BrowserSession seed;
  seed.user_name = "alice";
  BrowserSession s = *store_->create(seed);
  const storage::WebSessionLimits limits{600, 3600, 100};  // sessions_.limits(), as stored
  auto stored = storage_->web_sessions().find(s.id, limits, clock_.now_epoch_seconds());
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(*stored) << "the cookie value must not be a key of the store";
  EXPECT_EQ(*storage_->web_sessions().count(), 1);

  BrowserSessions other(ctx_, BrowserSessionLimits{600, 3600, 100});
  auto seen = other.find(s.id);
  ASSERT_TRUE(seen.has_value() && *seen);
  EXPECT_EQ((*seen)->user_name, "alice");
  EXPECT_EQ((*seen)->csrf_token, s.csrf_token);  // derived from the id: the same everywhere
  ASSERT_TRUE(other.remove(s.id).has_value());
  EXPECT_FALSE(store_->find(s.id));
}

TEST(BrowserSession, RemembersABoundedListOfCheckedCodes) {
  BrowserSession s;
  for (int i = 0; i < 10; ++i) s.remember_checked("CODE" + std::to_string(i));
  EXPECT_EQ(s.checked_user_codes.size(), BrowserSession::kMaxCheckedCodes);
  EXPECT_FALSE(s.has_checked("CODE0"));
  EXPECT_TRUE(s.has_checked("CODE9"));
  s.remember_checked("CODE2");  // moves to the newest place
  EXPECT_EQ(s.checked_user_codes.back(), "CODE2");
  EXPECT_EQ(s.checked_user_codes.size(), BrowserSession::kMaxCheckedCodes);
}

}  // namespace
}  // namespace ssooidc::domain
