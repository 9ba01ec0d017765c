// Authenticated encryption of small secrets: AES-256-GCM with a random 96-bit nonce, as one
// string "v1" || nonce || ciphertext || tag. Used to keep ID-token signing keys encrypted at rest
// and retried token responses encrypted in memory. The optional `context` is bound as associated
// data, so a box sealed for one purpose (or one row) does not open as another.
//
// Thread safety: all functions are safe to call concurrently.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "core/random.h"
#include "ssooidc/error.h"

namespace ssooidc::crypto {

inline constexpr std::size_t kSealKeyBytes = 32;

// `key` must be kSealKeyBytes long. Errors are kInternalServer (a key of the wrong size, an
// OpenSSL failure).
std::expected<std::string, Error> seal(std::string_view key, std::string_view plaintext,
                                             core::Random& random, std::string_view context = {});
// The plaintext; kInvalidRequest when the key or context is wrong or the box was altered.
std::expected<std::string, Error> open_sealed(std::string_view key, std::string_view box,
                                                    std::string_view context = {});
// True when `text` has the form seal() produces (it may still fail to open).
bool looks_sealed(std::string_view text) noexcept;

// A kSealKeyBytes key derived from a high-entropy secret (HMAC-SHA256 with a fixed label): for
// encrypting data only the presenter of that secret may read.
std::string derive_key(std::string_view secret, std::string_view label);

}  // namespace ssooidc::crypto
