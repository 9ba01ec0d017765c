#include "web/display_text.h"

#include <cstdint>

#include "core/json_text.h"

namespace ssooidc::web {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool invisible(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) ||  // C0, DEL, C1
         c == 0x00AD || c == 0x061C || c == 0x180E ||  // soft hyphen, Arabic letter mark, MVS
         (c >= 0x200B && c <= 0x200F) ||               // zero-width space/joiners, LRM, RLM
         (c >= 0x2028 && c <= 0x202E) ||               // line/paragraph separators, LRE..RLO
         (c >= 0x2060 && c <= 0x206F) ||               // word joiner, invisible operators, LRI..PDI
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||  // BOM, interlinear annotation
         (c >= 0xE0000 && c <= 0xE007F);                 // tag characters
}

}  // namespace

std::string display_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                         : (lead >> 3) == 0x1E ? 4 : 0;
    char32_t c = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F
                                                                              : lead & 0x07;
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      c = (c << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 either.
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (c < kMinimum[length] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF))
      valid = false;
    if (!valid) {
      out += kReplacement;
      ++i;
      continue;
    }
    i += length;
    if (c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029) {
      out += ' ';
    } else if (!invisible(c)) {
      core::append_utf8(out, c);
    }
  }
  return out;
}

}  // namespace ssooidc::web
