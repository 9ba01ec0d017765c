#include "crypto/es256.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/crypto.h"

namespace ssooidc::crypto {
namespace {

// Verifies a compact JWS with OpenSSL directly, independently of SigningKey::sign_jwt.
bool verify(const std::string& jwt, const std::string& pem) {
  auto dot2 = jwt.rfind('.');
  std::string input = jwt.substr(0, dot2);
  auto raw = base64url_decode(jwt.substr(dot2 + 1));
  if (!raw || raw->size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw->data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw->data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  int ok = EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  OPENSSL_free(der);
  return ok == 1;
}

TEST(Es256Test, SignsVerifiableJwtsAndRoundTripsPem) {
  auto key = SigningKey::generate("k1");
  ASSERT_TRUE(key.has_value());
  auto jwt = key->sign_jwt(R"({"sub":"alice"})");
  ASSERT_TRUE(jwt.has_value());
  const std::string pem = key->private_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(verify(*jwt, pem));
  std::string tampered = *jwt;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_FALSE(verify(tampered, pem));
  auto header = base64url_decode(jwt->substr(0, jwt->find('.')));
  EXPECT_EQ(*header, R"({"alg":"ES256","kid":"k1","typ":"JWT"})");

  auto loaded = SigningKey::from_pem("k1", pem);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->public_jwk_json(), key->public_jwk_json());
  EXPECT_TRUE(verify(*loaded->sign_jwt("{}"), pem));
  EXPECT_FALSE(SigningKey::from_pem("x", "garbage").has_value());
}

TEST(Es256Test, JwkHasFixedWidthCoordinates) {
  auto key = SigningKey::generate("k2");
  ASSERT_TRUE(key.has_value());
  auto jwk = key->public_jwk_json();
  EXPECT_NE(jwk.find(R"("kty":"EC","crv":"P-256")"), std::string::npos);
  auto x = jwk.find(R"("x":")") + 5;
  EXPECT_EQ(jwk.find('"', x) - x, 43u);  // 32 bytes base64url
}

}  // namespace
}  // namespace ssooidc::crypto
