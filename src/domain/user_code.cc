#include "domain/user_code.h"

#include <array>
#include <cstdint>

namespace ssooidc::domain {

std::string generate_user_code(core::Random& random) {
  // One CSPRNG call for the whole code instead of one per character: bytes below 240 (12 whole
  // rounds of the 20 letters) map to a letter without bias, the rest are dropped. 16 bytes are
  // enough for 8 letters unless more than 8 of them fall in 240..255 (p < 1e-6); then draw again.
  constexpr std::size_t kBatch = 16;
  const auto letters = static_cast<std::uint8_t>(kUserCodeAlphabet.size());
  const auto limit = static_cast<std::uint8_t>(256 / letters * letters);
  std::string code;
  code.reserve(kUserCodeLength);
  std::array<std::uint8_t, kBatch> bytes{};
  while (code.size() < kUserCodeLength) {
    random.fill(bytes.data(), bytes.size());
    for (std::uint8_t b : bytes) {
      if (b >= limit) continue;
      code += kUserCodeAlphabet[b % letters];
      if (code.size() == kUserCodeLength) break;
    }
  }
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
