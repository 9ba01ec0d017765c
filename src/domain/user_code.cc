#include "domain/user_code.h"

namespace ssooidc::domain {

std::string generate_user_code(core::Random& random) {
  std::string code(kUserCodeLength, ' ');
  for (auto& c : code)
    c = kUserCodeAlphabet[random.uniform(static_cast<std::uint32_t>(kUserCodeAlphabet.size()))];
  return code;
}

std::optional<std::string> normalize_user_code(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (kUserCodeAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    if (out.size() == kUserCodeLength) return std::nullopt;
    out += c;
  }
  if (out.size() != kUserCodeLength) return std::nullopt;
  return out;
}

std::string display_user_code(std::string_view normalized) {
  if (normalized.size() != kUserCodeLength) return std::string(normalized);
  std::string out(normalized.substr(0, 4));
  out += '-';
  out += normalized.substr(4);
  return out;
}

}  // namespace ssooidc::domain
