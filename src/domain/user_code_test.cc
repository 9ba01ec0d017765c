#include "domain/user_code.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "crypto/crypto.h"
#include "testing/fake_random.h"

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

// Returns fixed bytes in order, then repeats them.
using ScriptedRandom = test_support::FakeRandom;

TEST(UserCodeTest, BytesMapToLettersWithoutBiasAndOneDrawUsually) {
  // 0 -> B, 19 -> Z, 20 -> B again; 240..255 would favour the first 16 letters and are dropped.
  ScriptedRandom random({0, 240, 19, 255, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(generate_user_code(random), "BZBCDFGH");
  EXPECT_EQ(random.calls(), 1);
}

TEST(UserCodeTest, DrawsAgainWhenTooManyBytesAreDropped) {
  std::vector<std::uint8_t> script(16, 250);
  script[3] = 5;  // one usable byte per 16
  ScriptedRandom random(script);
  EXPECT_EQ(generate_user_code(random), "HHHHHHHH");
  EXPECT_EQ(random.calls(), 8);
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
