// The key that per-address limits count a client under: an IPv4 address as it is (IPv4-mapped
// IPv6 addresses included), an IPv6 address by its /64, since one subscriber usually holds a whole
// /64 and counting per address would give an attacker 2^64 budgets. Anything else (not an IP
// address) is returned unchanged.
#pragma once

#include <string>
#include <string_view>

namespace ssooidc::core {

[[nodiscard]] std::string address_key(std::string_view address);

}  // namespace ssooidc::core
