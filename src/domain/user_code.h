// User codes as RFC 8628 section 6.1 recommends: 8 characters from the 20 consonants
// BCDFGHJKLMNPQRSTVWXZ (about 34.6 bits), shown as XXXX-XXXX, compared case-insensitively with
// dashes and spaces ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/random.h"

namespace ssooidc::domain {

inline constexpr std::string_view kUserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";
inline constexpr std::size_t kUserCodeLength = 8;

// 8 random characters, normalised form (no dash).
std::string generate_user_code(core::Random& random);
// "wdjb mjht" -> "WDJBMJHT"; nullopt when, after dropping dashes and whitespace, the text is not 8
// characters of the alphabet.
std::optional<std::string> normalize_user_code(std::string_view typed);
// "WDJBMJHT" -> "WDJB-MJHT".
std::string display_user_code(std::string_view normalized);

}  // namespace ssooidc::domain
