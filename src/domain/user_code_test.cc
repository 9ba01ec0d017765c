#include "domain/user_code.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/crypto.h"

namespace ssooidc::domain {
namespace {

TEST(UserCodeTest, GeneratedCodesUseTheRfcAlphabet) {
  crypto::SecureRandom random;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto code = generate_user_code(random);
    ASSERT_EQ(code.size(), 8u);
    for (char c : code) EXPECT_NE(kUserCodeAlphabet.find(c), std::string_view::npos) << code;
    seen.insert(code);
  }
  EXPECT_GT(seen.size(), 195u);
}

TEST(UserCodeTest, NormalisationIgnoresCaseDashesAndSpaces) {
  EXPECT_EQ(normalize_user_code("WDJB-MJHT"), "WDJBMJHT");
  EXPECT_EQ(normalize_user_code("wdjb mjht"), "WDJBMJHT");
  EXPECT_EQ(normalize_user_code(" w-d-j-b-m-j-h-t \n"), "WDJBMJHT");
  EXPECT_EQ(normalize_user_code("WDJB-MJH"), std::nullopt);
  EXPECT_EQ(normalize_user_code("WDJB-MJHTX"), std::nullopt);
  EXPECT_EQ(normalize_user_code("AEIO-UAEI"), std::nullopt);  // vowels are not in the alphabet
  EXPECT_EQ(normalize_user_code(""), std::nullopt);
}

TEST(UserCodeTest, DisplayAddsTheDash) { EXPECT_EQ(display_user_code("WDJBMJHT"), "WDJB-MJHT"); }

}  // namespace
}  // namespace ssooidc::domain
