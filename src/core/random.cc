#include "core/random.h"

namespace ssooidc::core {

std::uint32_t Random::uniform(std::uint32_t bound) {
  if (bound <= 1) return 0;
  // Rejection sampling: discard values from the incomplete last block.
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  for (;;) {
    std::uint32_t v = 0;
    fill(reinterpret_cast<std::uint8_t*>(&v), sizeof v);
    if (v < limit) return v % bound;
  }
}

}  // namespace ssooidc::core
