// Password hashing for the server's user directory: argon2id (RFC 9106) with OWASP's baseline
// parameters (19 MiB, 2 passes, 1 lane), stored as PHC strings. Its own library target
// (ssooidc_password), so that only the server links libargon2; the client library never does.
//
// Thread safety: pure functions (each call allocates its own argon2 memory).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "core/random.h"
#include "ssooidc/error.h"

namespace ssooidc::crypto {

// argon2id in PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash), salted with 16 bytes
// of `random`. InternalServer (argon2's message) when argon2 fails, e.g. out of memory.
[[nodiscard]] std::expected<std::string, Error> hash_password(std::string_view password,
                                                              core::Random& random);
// True when `password` matches the PHC string; false for a mismatch or a malformed string.
[[nodiscard]] bool verify_password(std::string_view password, std::string_view phc) noexcept;

}  // namespace ssooidc::crypto
