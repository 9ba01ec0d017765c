#include "crypto/password.h"

#include <argon2.h>

#include <cstdint>

namespace ssooidc::crypto {
namespace {

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
constexpr std::uint32_t kArgonMemoryKiB = 19 * 1024;
constexpr std::uint32_t kArgonPasses = 2;
constexpr std::uint32_t kArgonLanes = 1;
constexpr std::size_t kArgonSaltBytes = 16;
constexpr std::size_t kArgonHashBytes = 32;

}  // namespace

std::expected<std::string, Error> hash_password(std::string_view password, core::Random& random) {
  const std::string salt = random.bytes(kArgonSaltBytes);
  const std::size_t encoded_len = argon2_encodedlen(kArgonPasses, kArgonMemoryKiB, kArgonLanes,
                                                    kArgonSaltBytes, kArgonHashBytes, Argon2_id);
  std::string encoded(encoded_len, '\0');
  int rc = argon2id_hash_encoded(kArgonPasses, kArgonMemoryKiB, kArgonLanes, password.data(),
                                 password.size(), salt.data(), salt.size(), kArgonHashBytes,
                                 encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return std::unexpected(Error::make(ErrorType::kInternalServer, argon2_error_message(rc)));
  }
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view phc) noexcept {
  std::string encoded(phc);  // argon2 wants a NUL-terminated string
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace ssooidc::crypto
