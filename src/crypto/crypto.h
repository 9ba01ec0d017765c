// Cryptographic primitives over OpenSSL: the CSPRNG, hashes, encodings, PKCE's S256 and
// constant-time comparison. Nothing outside src/crypto includes OpenSSL or argon2 headers
// (password hashing is crypto/password.h, linked by the server only).
//
// Thread safety: all functions are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "core/random.h"
#include "ssooidc/error.h"

namespace ssooidc::crypto {

// The OpenSSL CSPRNG (RAND_bytes). Aborts the process if the CSPRNG fails, since continuing would
// hand out guessable secrets.
class SecureRandom final : public core::Random {
 public:
  void fill(std::uint8_t* out, std::size_t n) override;
};

// Raw 32-byte SHA-256 digest.
std::string sha256(std::string_view data);
// Lower-case hex of SHA-256; this is how secrets are stored.
std::string sha256_hex(std::string_view data);
// sha256_hex (or secret_hash) in a value of fixed size, for the hashes of every poll (device
// code, client secret: issue 15 counts the poll's heap allocations).
struct HexDigest {
  std::array<char, 76> text{};
  std::size_t size = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
};
[[nodiscard]] HexDigest sha256_hex_digest(std::string_view data);

// Issue 15: secrets whose stored keys sort by when they were made.
//
// A secret is stored under a hash of it, and the database keeps a unique index on that key. A
// random key puts every insert on a random leaf of that index, and each such leaf is one more
// 4 KiB page that the commit writes to the WAL and syncs: two of them for every
// StartDeviceAuthorization (device code, user code) and about four for every issuance (two
// tokens, the token family, the retry-grace entry). An ordered token carries the time it was
// made, and its key leads with that time, so the keys of new values go to the end of their
// index, onto the same few pages as the rest of their batch (bench/README.md has the figures).
//
// ordered_token: `prefix`, then base64url of the six low bytes of `now_ms` (big-endian: eight
// characters), then '.', then base64url of `bytes` random bytes. The time is no secret (whoever
// holds the value knows when they got it); the value is as unpredictable as random_token's of
// the same `bytes`. '.' is not a base64url character, so no random_token has this shape, and it
// may stand in a bearer token (RFC 6750's b64token), a query string and a command line. Never
// starts with '-' when `prefix` does not.
std::string ordered_token(core::Random& random, std::string_view prefix, std::size_t bytes,
                          std::int64_t now_ms);
// The key of `data` ordered by `ordered`: when `ordered` has ordered_token's shape, the six
// bytes of its time in hex followed by sha256_hex(data); otherwise sha256_hex(data) (a
// random_token made before, or a value not made by this server). For a key derived from a
// secret and more (the retry grace's).
[[nodiscard]] HexDigest ordered_hash(std::string_view ordered, std::string_view data);
// The key a secret is stored and looked up under: ordered_hash(secret, secret). As a string, and
// in a value of fixed size for the poll.
[[nodiscard]] std::string secret_hash(std::string_view secret);
[[nodiscard]] HexDigest secret_hash_digest(std::string_view secret);
// The characters an ordered secret's time takes at the front of its key (storage keys it by what
// follows: the SHA-256).
inline constexpr std::size_t kSecretOrderHexChars = 12;
// Lower-case hex of SHA-1 (AWS token cache file names).
std::string sha1_hex(std::string_view data);
// Raw HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);

std::string hex_encode(std::string_view bytes);
// base64url without padding (RFC 4648 section 5).
std::string base64url_encode(std::string_view bytes);
// InvalidRequest when `text` is not base64url (bad length or character).
std::expected<std::string, Error> base64url_decode(std::string_view text);
// The PKCE S256 code challenge of a verifier: base64url(SHA-256(verifier)) without padding
// (RFC 7636 section 4.2). The client computes it to send, the server to compare.
std::string s256_challenge(std::string_view verifier);
std::string base64_encode(std::string_view bytes);
// Standard base64 (RFC 4648 section 4), padding optional; InvalidRequest when it is not base64
// (the messages say base64url: one decoder serves both alphabets).
std::expected<std::string, Error> base64_decode(std::string_view text);

// Compares in time that depends only on the lengths.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

// A random token: `prefix` + base64url of `bytes` random bytes. Never starts with '-', so that
// it can be passed as a command-line argument.
std::string random_token(core::Random& random, std::string_view prefix, std::size_t bytes);

// A random UUID v4 in canonical text form (x-amzn-RequestId).
std::string uuid4(core::Random& random);

}  // namespace ssooidc::crypto
