// User codes as RFC 8628 section 6.1 recommends: 8 characters from the 20 consonants
// BCDFGHJKLMNPQRSTVWXZ (about 34.6 bits), shown as XXXX-XXXX, compared case-insensitively with
// dashes and spaces ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// A well-formed user code, normalised once where it enters (a page's form, the operator's command
// line) and passed on as this type, so that no layer below normalises it again.
class UserCode {
 public:
  // nullopt when `typed` is not a well-formed code (see normalize_user_code).
  [[nodiscard]] static std::optional<UserCode> parse(std::string_view typed) {
    auto code = normalize_user_code(typed);
    if (!code) return std::nullopt;
    return UserCode(std::move(*code));
  }
  // "WDJBMJHT": the form storage and the browser session keep.
  [[nodiscard]] const std::string& normalized() const noexcept { return code_; }
  // "WDJB-MJHT": the form people see.
  [[nodiscard]] std::string display() const { return display_user_code(code_); }

 private:
  explicit UserCode(std::string code) : code_(std::move(code)) {}
  std::string code_;
};

}  // namespace ssooidc::domain
