#include "core/address_key.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>

namespace ssooidc::core {

std::string address_key(std::string_view address_view) {
  std::string address(address_view);  // not const: the last return moves it
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, v6.s6_addr)) {
      char text[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof text)) return text;
    }
    in6_addr prefix{};
    std::copy(v6.s6_addr, v6.s6_addr + 8, prefix.s6_addr);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &prefix, text, sizeof text)) return std::string(text) + "/64";
  }
  return address;
}

}  // namespace ssooidc::core
