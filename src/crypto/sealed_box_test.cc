#include "crypto/sealed_box.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace ssooidc::crypto {
namespace {

TEST(SealedBox, RoundTripsAndRefusesWrongKeysContextsAndTampering) {
  SecureRandom random;
  const std::string key = derive_key("a high-entropy secret", "test");
  ASSERT_EQ(key.size(), kSealKeyBytes);
  auto box = seal(key, "-----BEGIN PRIVATE KEY-----", random, "kid-1");
  ASSERT_TRUE(box) << box.error().error_description;
  EXPECT_TRUE(looks_sealed(*box));
  EXPECT_EQ(box->find("PRIVATE"), std::string::npos);
  EXPECT_EQ(open_sealed(key, *box, "kid-1").value_or("?"), "-----BEGIN PRIVATE KEY-----");
  EXPECT_NE(*seal(key, "same", random), *seal(key, "same", random)) << "fresh nonce each time";

  EXPECT_FALSE(open_sealed(derive_key("another secret", "test"), *box, "kid-1"));
  EXPECT_FALSE(open_sealed(key, *box, "kid-2"));
  std::string altered = *box;
  altered[altered.size() / 2] ^= 1;
  EXPECT_FALSE(open_sealed(key, altered, "kid-1"));
  EXPECT_FALSE(open_sealed(key, "v1short", "kid-1"));
  EXPECT_FALSE(seal("short key", "x", random));
  EXPECT_EQ(open_sealed(key, *seal(key, "", random)).value_or("?"), "");
}

}  // namespace
}  // namespace ssooidc::crypto
