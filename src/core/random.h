// Randomness, injected. Production uses the OpenSSL CSPRNG (crypto::SecureRandom); tests may use
// a seeded generator to get repeatable codes.
//
// Thread safety: implementations must be safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ssooidc::core {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `n` random bytes. Never fails silently: a CSPRNG failure aborts start-up or
  // is reported by the implementation's own contract.
  virtual void fill(std::uint8_t* out, std::size_t n) = 0;

  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    fill(reinterpret_cast<std::uint8_t*>(s.data()), n);
    return s;
  }
  // Uniform integer in [0, bound), without modulo bias.
  std::uint32_t uniform(std::uint32_t bound);
};

}  // namespace ssooidc::core
