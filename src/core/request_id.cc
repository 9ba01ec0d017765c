#include "core/request_id.h"

#include <array>
#include <cstdint>

namespace ssooidc::core {
namespace {

// splitmix64's finalizer: a bijection on 64-bit words that spreads every input bit.
constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct ThreadState {
  bool seeded = false;
  std::uint64_t key_high = 0;
  std::uint64_t key_low = 0;
  std::uint64_t counter = 0;
};

void put_hex(char* out, std::uint64_t v, int digits) noexcept {
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 15];
    v >>= 4;
  }
}

}  // namespace

RequestIdChars next_request_id_chars(Random& seed) {
  thread_local ThreadState state;
  if (!state.seeded) {
    std::array<std::uint64_t, 2> keys{};
    seed.fill(reinterpret_cast<std::uint8_t*>(keys.data()), sizeof keys);
    state.key_high = keys[0];
    state.key_low = keys[1];
    state.seeded = true;
  }
  const std::uint64_t n = state.counter++;
  std::uint64_t low = mix(n + state.key_low);
  std::uint64_t high = mix(n ^ state.key_high);
  // RFC 9562 version 4 and variant 10 bits, where a random UUID has them.
  high = (high & ~0xF000ULL) | 0x4000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  RequestIdChars id{};
  id.fill('-');
  put_hex(id.data(), high >> 32, 8);
  put_hex(id.data() + 9, (high >> 16) & 0xFFFF, 4);
  put_hex(id.data() + 14, high & 0xFFFF, 4);
  put_hex(id.data() + 19, low >> 48, 4);
  put_hex(id.data() + 24, low & 0xFFFFFFFFFFFFULL, 12);
  return id;
}

std::string next_request_id(Random& seed) {
  const RequestIdChars id = next_request_id_chars(seed);
  return {id.data(), id.size()};
}

}  // namespace ssooidc::core
