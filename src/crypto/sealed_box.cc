#include "crypto/sealed_box.h"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>

#include "crypto/crypto.h"

namespace ssooidc::crypto {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

std::unexpected<Error> internal(std::string_view what) {
  return std::unexpected(Error::make(ErrorType::kInternalServer, std::string(what)));
}
std::unexpected<Error> refused(std::string_view what) {
  return std::unexpected(Error::make(ErrorType::kInvalidRequest, std::string(what)));
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-GCM fetched once, for the life of the process: EVP_aes_256_gcm() makes every
// EncryptInit and DecryptInit look the cipher up by name under a lock (OpenSSL 3's implicit
// fetch; issue 15, perf of an issuance, which seals its retry-grace entry).
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::expected<std::string, Error> seal(std::string_view key, std::string_view plaintext,
                                             core::Random& random, std::string_view context) {
  if (key.size() != kSealKeyBytes) return internal("seal: key must be 32 bytes");
  std::string out(kVersion);
  std::string nonce(kNonceBytes, '\0');
  random.fill(reinterpret_cast<std::uint8_t*>(nonce.data()), nonce.size());
  out += nonce;
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) != 1 ||
      (!context.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                                             static_cast<int>(context.size())) != 1))
    return internal("seal: cipher set-up failed");
  std::string cipher(plaintext.size(), '\0');
  // EVP_EncryptUpdate with no input is skipped: an empty plaintext still gets its GCM tag.
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &len,
                        bytes(plaintext), static_cast<int>(plaintext.size())) != 1)
    return internal("seal: encryption failed");
  unsigned char tag[kTagBytes];
  if (EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1)
    return internal("seal: encryption failed");
  out += cipher;
  out.append(reinterpret_cast<const char*>(tag), kTagBytes);
  return out;
}

bool looks_sealed(std::string_view text) noexcept {
  return text.size() >= kVersion.size() + kNonceBytes + kTagBytes && text.starts_with(kVersion);
}

std::expected<std::string, Error> open_sealed(std::string_view key, std::string_view box,
                                                    std::string_view context) {
  if (key.size() != kSealKeyBytes) return internal("open: key must be 32 bytes");
  if (!looks_sealed(box)) return refused("open: not a sealed box");
  box.remove_prefix(kVersion.size());
  const std::string_view nonce = box.substr(0, kNonceBytes);
  const std::string_view tag = box.substr(box.size() - kTagBytes);
  const std::string_view cipher = box.substr(kNonceBytes, box.size() - kNonceBytes - kTagBytes);
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) != 1 ||
      (!context.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                                             static_cast<int>(context.size())) != 1))
    return internal("open: cipher set-up failed");
  std::string plain(cipher.size(), '\0');
  if (!cipher.empty() &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes(cipher), static_cast<int>(cipher.size())) != 1)
    return refused("open: decryption failed");
  std::string tag_copy(tag);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) != 1)
    return refused("open: wrong key, or the data was altered");
  return plain;
}

std::string derive_key(std::string_view secret, std::string_view label) {
  return hmac_sha256(secret, label);
}

}  // namespace ssooidc::crypto
