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
    // An IPv4-mapped address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) from a dual-stack listener is
    // the IPv4 client itself: count it under the same key as a plain IPv4 connection.
    if (std::equal(kMapped, kMapped + 12, v6.s6_addr)) {
      char text[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof text)) return text;
    }
    // One host usually holds a whole /64 (SLAAC, RFC 4862; privacy addresses, RFC 8981), so a
    // limit per /128 would be a limit on nobody.
    in6_addr prefix{};
    std::copy(v6.s6_addr, v6.s6_addr + 8, prefix.s6_addr);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &prefix, text, sizeof text)) return std::string(text) + "/64";
  }
  return address;
}

}  // namespace ssooidc::core
