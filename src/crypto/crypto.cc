#include "crypto/crypto.h"

// For SHA256_Init/Update/Final (see sha256_into).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace ssooidc::crypto {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto u = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (u(i) << 16) | (u(i + 1) << 8) | u(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = u(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (u(i) << 16) | (u(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

}  // namespace

void SecureRandom::fill(std::uint8_t* out, std::size_t n) {
  if (n == 0) return;
  // Without a CSPRNG no secret may be made: anything weaker would hand out guessable tokens, so
  // the process stops.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("fatal: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
}

namespace {

// Lower-case hex of `bytes` into out[0, 2 * bytes.size()).
void hex_into(std::string_view bytes, char* out) noexcept {
  for (const unsigned char c : bytes) {
    *out++ = kHex[c >> 4];
    *out++ = kHex[c & 15];
  }
}

void hex_into(const unsigned char (&digest)[SHA256_DIGEST_LENGTH], char* out) noexcept {
  hex_into(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest), out);
}

[[noreturn]] void digest_failed() {
  std::fputs("fatal: OpenSSL SHA-256 failed\n", stderr);
  std::abort();
}

// SHA-256 through OpenSSL's own SHA256_Init/Update/Final, deprecated in OpenSSL 3 in favour of
// EVP but kept by every 3.x release. Why not EVP (issue 15, the poll hashes its device code and
// the client's secret on every request): SHA256() looks the algorithm up by name on every call,
// and even with the algorithm fetched once and a context kept per thread,
// EVP_DigestInit_ex2 frees and allocates the provider's context each time (one malloc and free
// per hash) and dispatches through the provider. Measured on this machine's CPU (SHA extensions):
// a pair of hashes as a poll makes them (43 and 86 bytes) 1.07-1.16 us with EVP against
// 0.38-0.60 us here. The same assembly does the compression in both.
void sha256_into(std::string_view data, unsigned char (&out)[SHA256_DIGEST_LENGTH]) {
  SHA256_CTX context;
  if (SHA256_Init(&context) != 1 || SHA256_Update(&context, data.data(), data.size()) != 1 ||
      SHA256_Final(out, &context) != 1)
    digest_failed();
  // Its buffer holds the tail of what was hashed (a secret): not left on the stack, as EVP's
  // context is cleared when freed.
  OPENSSL_cleanse(&context, sizeof context);
}

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256_into(data, digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// On every poll twice (device code and client secret): digest and hex stay on the stack.
HexDigest sha256_hex_digest(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256_into(data, digest);
  HexDigest hex;
  hex_into(digest, hex.text.data());
  hex.size = 2 * SHA256_DIGEST_LENGTH;
  return hex;
}

std::string sha256_hex(std::string_view data) { return std::string(sha256_hex_digest(data).view()); }

std::string sha1_hex(std::string_view data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// HMAC (RFC 2104) over sha256_into's SHA-256, for the reason given there: OpenSSL 3's HMAC()
// looks up both the MAC and the digest by name on every call, under a lock (issue 15: sealing an
// issuance's retry-grace entry derives its key with one, 8 % of an issuance's CPU with the
// cipher's lookup, perf, session 14). RFC 4231's vectors and the SigV4 suite test it.
std::string hmac_sha256(std::string_view key, std::string_view data) {
  constexpr std::size_t kBlock = 64;
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned char hashed[SHA256_DIGEST_LENGTH];
    sha256_into(key, hashed);
    std::memcpy(block, hashed, sizeof hashed);
    OPENSSL_cleanse(hashed, sizeof hashed);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  SHA256_CTX context;
  // SHA-256 of (the key xor `mask`) followed by `message`, into `digest`.
  auto padded_hash = [&](unsigned char mask, std::string_view message,
                         unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
    for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(block[i] ^ mask);
    if (SHA256_Init(&context) != 1 || SHA256_Update(&context, pad, kBlock) != 1 ||
        SHA256_Update(&context, message.data(), message.size()) != 1 ||
        SHA256_Final(digest, &context) != 1)
      digest_failed();
  };
  unsigned char inner[SHA256_DIGEST_LENGTH];
  unsigned char out[SHA256_DIGEST_LENGTH];
  padded_hash(0x36, data, inner);
  padded_hash(0x5c, std::string_view(reinterpret_cast<const char*>(inner), sizeof inner), out);
  // The padded key and the inner hash are key material: not left on the stack.
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
  OPENSSL_cleanse(&context, sizeof context);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string hex_encode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  hex_into(bytes, out.data());
  return out;
}

std::string base64url_encode(std::string_view bytes) { return b64(bytes, kB64Url, false); }

std::string s256_challenge(std::string_view verifier) { return base64url_encode(sha256(verifier)); }
std::string base64_encode(std::string_view bytes) { return b64(bytes, kB64, true); }

namespace {

// Decodes base64 in the alphabet whose last two characters are `c62` and `c63`; trailing '='
// padding is optional.
std::expected<std::string, Error> b64_decode(std::string_view text, char c62, char c63) {
  auto value = [c62, c63](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == c62) return 62;
    if (c == c63) return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  // RFC 4648 section 4: the last group holds 2, 3 or 4 characters; a lone sixth of a byte is
  // never produced by an encoder.
  if (text.size() % 4 == 1)
    return std::unexpected(Error::make(ErrorType::kInvalidRequest, "invalid base64url length"));
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0)
      return std::unexpected(
          Error::make(ErrorType::kInvalidRequest, "invalid base64url character"));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

std::expected<std::string, Error> base64url_decode(std::string_view text) {
  return b64_decode(text, '-', '_');
}

std::expected<std::string, Error> base64_decode(std::string_view text) {
  return b64_decode(text, '+', '/');
}

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  // The length is not secret (what is compared here are hashes and random values of a fixed,
  // public length); only the contents are compared in constant time.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_token(core::Random& random, std::string_view prefix, std::size_t bytes) {
  std::string body = base64url_encode(random.bytes(bytes));
  // A value that starts with '-' is taken for an option by command-line parsers (the AWS CLI's
  // `--client-id -abc` fails), so draw again; this costs under 0.03 bits of entropy.
  while (prefix.empty() && !body.empty() && body.front() == '-')
    body = base64url_encode(random.bytes(bytes));
  std::string out(prefix);
  out += body;
  return out;
}

namespace {

constexpr std::size_t kOrderBytes = kSecretOrderHexChars / 2;  // of an ordered_token's time
constexpr std::size_t kOrderChars = 8;  // their base64url

int base64url_digit(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// The time bytes of an ordered_token, as one number; nullopt for a value of another shape.
std::optional<std::uint64_t> order_of(std::string_view value) noexcept {
  const std::size_t dot = value.find('.');
  if (dot == std::string_view::npos || dot < kOrderChars || dot + 1 == value.size())
    return std::nullopt;
  std::uint64_t order = 0;
  for (const char c : value.substr(dot - kOrderChars, kOrderChars)) {
    const int digit = base64url_digit(c);
    if (digit < 0) return std::nullopt;
    order = (order << 6) | static_cast<std::uint64_t>(digit);
  }
  return order;
}

}  // namespace

std::string ordered_token(core::Random& random, std::string_view prefix, std::size_t bytes,
                          std::int64_t now_ms) {
  std::string order(kOrderBytes, '\0');
  const auto time = static_cast<std::uint64_t>(now_ms);
  for (std::size_t i = 0; i < kOrderBytes; ++i)
    order[i] = static_cast<char>((time >> (8 * (kOrderBytes - 1 - i))) & 0xff);
  std::string out(prefix);
  out += base64url_encode(order);  // never starts with '-': its first byte is below 0x80 until
  out += '.';                      // the year 6429
  out += base64url_encode(random.bytes(bytes));
  return out;
}

HexDigest ordered_hash(std::string_view ordered, std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256_into(data, digest);
  HexDigest hex;
  std::size_t at = 0;
  if (const auto order = order_of(ordered)) {
    for (std::size_t i = 0; i < 2 * kOrderBytes; ++i)
      hex.text[at++] = kHex[(*order >> (4 * (2 * kOrderBytes - 1 - i))) & 0xf];
  }
  hex_into(digest, hex.text.data() + at);
  hex.size = at + 2 * SHA256_DIGEST_LENGTH;
  return hex;
}

HexDigest secret_hash_digest(std::string_view secret) { return ordered_hash(secret, secret); }

std::string secret_hash(std::string_view secret) {
  return std::string(secret_hash_digest(secret).view());
}

std::string uuid4(core::Random& random) {
  std::string b = random.bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
  std::string hex = hex_encode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace ssooidc::crypto
