#include "crypto/es256.h"

#include "core/json_text.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/crypto.h"

namespace ssooidc::crypto {
namespace {

// OpenSSL failures are the server's own (a key it made or stored), so InternalServer.
std::unexpected<Error> failure(std::string_view what) {
  return std::unexpected(Error::make(ErrorType::kInternalServer, std::string(what)));
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// A big number as exactly 32 big-endian bytes (JWK coordinates and JWS r, s are fixed width).
std::string fixed32(const BIGNUM* bn) {
  std::string out(32, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

}  // namespace

struct SigningKey::Key {
  PkeyPtr pkey;
};

SigningKey::SigningKey(std::string kid, std::unique_ptr<Key> key)
    : kid_(std::move(kid)), key_(std::move(key)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

std::expected<SigningKey, Error> SigningKey::generate(std::string kid) {
  PkeyPtr pkey(EVP_EC_gen("P-256"));
  if (!pkey) return failure("EC key generation failed");
  return SigningKey(std::move(kid), std::make_unique<Key>(Key{std::move(pkey)}));
}

std::expected<SigningKey, Error> SigningKey::from_pem(std::string kid, std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return failure("out of memory");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_EC)
    return failure("not an EC private key in PEM form");
  return SigningKey(std::move(kid), std::make_unique<Key>(Key{std::move(pkey)}));
}

std::string SigningKey::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1)
    return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string SigningKey::public_jwk_json() const {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  EVP_PKEY_get_bn_param(key_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
  EVP_PKEY_get_bn_param(key_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  BnPtr xp(x), yp(y);
  if (!x || !y) return {};
  return R"({"kty":"EC","crv":"P-256","x":")" + base64url_encode(fixed32(x)) + R"(","y":")" +
         base64url_encode(fixed32(y)) + R"(","kid":)" +
         core::json_quote(kid_) + R"(,"use":"sig","alg":"ES256"})";
}

std::expected<std::string, Error> SigningKey::sign_jwt(std::string_view payload_json) const {
  const std::string header =
      R"({"alg":"ES256","kid":)" + core::json_quote(kid_) + R"(,"typ":"JWT"})";
  std::string input = base64url_encode(header) + "." + base64url_encode(payload_json);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1)
    return failure("signing setup failed");
  std::size_t der_len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return failure("signing failed");
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return failure("signing failed");
  // OpenSSL gives a DER ECDSA-Sig-Value; JWS wants the raw 64-byte r || s (RFC 7518 3.4).
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return failure("bad signature encoding");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  input += '.';
  input += base64url_encode(fixed32(r) + fixed32(s));
  return input;
}

}  // namespace ssooidc::crypto
