#include "domain/page_token.h"

#include <gtest/gtest.h>

namespace ssooidc::domain {
namespace {

TEST(PageTokenTest, OpensOnlyForTheSameUserAndListing) {
  const PageTokenCodec codec(std::string(32, 'k'));
  const std::string token = codec.make("alice", "accounts", "111111111111");
  EXPECT_EQ(codec.open(token, "alice", "accounts"), "111111111111");
  EXPECT_EQ(codec.open(token, "bob", "accounts"), std::nullopt);
  EXPECT_EQ(codec.open(token, "alice", "roles\n111111111111"), std::nullopt);
  EXPECT_EQ(codec.open(token, "alic", "eaccounts"), std::nullopt);
  // Another server's key.
  EXPECT_EQ(PageTokenCodec(std::string(32, 'x')).open(token, "alice", "accounts"), std::nullopt);
}

TEST(PageTokenTest, TamperedOrMalformedTokensDoNotOpen) {
  const PageTokenCodec codec("key");
  const std::string token = codec.make("alice", "accounts", "111111111111");
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string changed = token;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(codec.open(changed, "alice", "accounts"), std::nullopt) << i;
  }
  for (const char* bad : {"", ".", "abc", "abc.", ".abc", "!!!.???"})
    EXPECT_EQ(codec.open(bad, "alice", "accounts"), std::nullopt) << bad;
  EXPECT_EQ(codec.open(std::string(PageTokenCodec::kMaxTokenBytes + 1, 'a'), "alice", "accounts"),
            std::nullopt);
  // A forged payload with a made-up MAC.
  EXPECT_EQ(codec.open("cDEAYWxpY2UAYWNjb3VudHMAOTk5.AAAA", "alice", "accounts"), std::nullopt);
}

}  // namespace
}  // namespace ssooidc::domain
