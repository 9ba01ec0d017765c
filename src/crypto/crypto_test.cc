#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/password.h"
#include "testing/fake_random.h"

namespace ssooidc::crypto {
namespace {

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Each hash starts afresh: empty and two-block inputs (FIPS 180-2).
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The poll's fixed-size hex (issue 15) is sha256_hex, for inputs of one, two and many blocks.
TEST(CryptoTest, Sha256HexDigestIsSha256Hex) {
  EXPECT_EQ(sha256_hex_digest("abc").view(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex_digest(std::string(1000000, 'a')).view(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");  // FIPS 180-2
  for (std::size_t n : {0, 43, 55, 56, 64, 86, 200}) {
    const std::string input(n, static_cast<char>('0' + n % 10));
    EXPECT_EQ(sha256_hex_digest(input).view(), sha256_hex(input)) << n;
    EXPECT_EQ(hex_encode(sha256(input)), sha256_hex(input)) << n;
  }
}

TEST(CryptoTest, Sha256IsSafeFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i)
        if (sha256_hex("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
          ++wrong;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(CryptoTest, Sha1MatchesReferenceCacheKey) {
  // Reference section 6.6: sha1("my-sso").
  EXPECT_EQ(sha1_hex("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c");
}

TEST(CryptoTest, Base64UrlRoundTripsAndMatchesRfc7636AppendixB) {
  EXPECT_EQ(base64url_encode(sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = base64url_decode(base64url_encode(s));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, s);
  }
  EXPECT_FALSE(base64url_decode("a").has_value());
  EXPECT_FALSE(base64url_decode("ab!d").has_value());
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
}

TEST(CryptoTest, PasswordsAreArgon2idAndVerify) {
  SecureRandom random;
  auto phc = hash_password("correct horse", random);
  ASSERT_TRUE(phc.has_value()) << phc.error().error_description;
  EXPECT_TRUE(phc->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password("correct horse", *phc));
  EXPECT_FALSE(verify_password("wrong", *phc));
  EXPECT_FALSE(verify_password("x", "not a phc string"));
}

TEST(CryptoTest, RandomTokensAreUniqueAndLongEnough) {
  SecureRandom random;
  auto a = random_token(random, "aoa", 32);
  auto b = random_token(random, "aoa", 32);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 3u + 43u);
  auto u = uuid4(random);
  EXPECT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
}

// Issue 15: an ordered token's key leads with its time, so that keys sort by when they were made
// (their index grows at its end); its random part is as long as random_token's.
TEST(CryptoTest, OrderedTokensCarryTheirTimeAndTheirKeysSortByIt) {
  SecureRandom random;
  constexpr std::int64_t kMs = 1'764'700'000'123;  // 2025-12-02, 0x019ae0510f7b
  const std::string code = ordered_token(random, "", 64, kMs);
  ASSERT_EQ(code.size(), 8u + 1u + 86u);
  EXPECT_EQ(code[8], '.');
  EXPECT_NE(code.front(), '-');
  auto time = base64url_decode(code.substr(0, 8));
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(hex_encode(*time), "019ae0510f7b");  // kMs, big-endian
  // The key: the time's six bytes in hex, then the SHA-256 of the whole value.
  EXPECT_EQ(secret_hash(code), "019ae0510f7b" + sha256_hex(code));
  const std::string access = ordered_token(random, "aoa", 32, kMs);
  EXPECT_TRUE(access.starts_with("aoa"));
  EXPECT_EQ(access.size(), 3u + 8u + 1u + 43u);
  EXPECT_EQ(secret_hash(access), "019ae0510f7b" + sha256_hex(access));
  EXPECT_NE(ordered_token(random, "aoa", 32, kMs), access);

  // Later values have greater keys, whatever their random bytes.
  std::string previous;
  for (std::int64_t ms = kMs; ms < kMs + 2000; ms += 250) {
    const std::string key(secret_hash(ordered_token(random, "aor", 32, ms)));
    EXPECT_GT(key, previous);
    previous = key;
  }

  // A value of another shape keeps the plain SHA-256 it was stored under: random_token's, a
  // client's, a forged one.
  const std::string before = random_token(random, "aoa", 32);
  EXPECT_EQ(secret_hash(before), sha256_hex(before));
  for (const std::string other : {"", ".", "abc.def", "aoa1234567.", "aoa12345*7.x", "1234567.x"})
    EXPECT_EQ(secret_hash(other), sha256_hex(other)) << other;
  EXPECT_EQ(secret_hash("aoaAAAAAAAA.x"), "000000000000" + sha256_hex("aoaAAAAAAAA.x"));

  // A key of a secret and more: led by the secret's time.
  EXPECT_EQ(ordered_hash(code, "data").view(), "019ae0510f7b" + sha256_hex("data"));
  EXPECT_EQ(ordered_hash(before, "data").view(), sha256_hex("data"));
}

// Yields 0xF8 (base64url '-') for the first 18-byte draw, then counts up.
test_support::FakeRandom dash_first_random() {
  std::vector<std::uint8_t> script(18, 0xF8);
  for (std::uint8_t i = 0; i < 18; ++i) script.push_back(i);
  return test_support::FakeRandom(std::move(script));
}

TEST(CryptoTest, RandomTokensNeverStartWithADash) {
  auto random = dash_first_random();
  auto token = random_token(random, "", 18);
  EXPECT_NE(token.front(), '-');
  EXPECT_EQ(random.calls(), 2);
  SecureRandom secure;
  for (int i = 0; i < 2000; ++i) ASSERT_NE(random_token(secure, "", 18).front(), '-');
}

TEST(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 cases 1 and 6 (a key longer than SHA-256's 64-byte block is hashed first), and a key
// of exactly one block (checked against Python's hmac module).
TEST(CryptoTest, HmacSha256MatchesRfc4231ForShortLongAndBlockSizedKeys) {
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'),
                                   "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(64, 'k'), "exactly one block of key")),
            "baa93ea4ccc7062ed6870c5e7937dbd35ad7791df4e29df9addeb429ff491acf");
}

}  // namespace
}  // namespace ssooidc::crypto
