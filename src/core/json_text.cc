#include "core/json_text.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace ssooidc::core {
namespace {

// How each byte is written inside a JSON string.
enum class ByteClass : std::uint8_t { kCopy, kEscape, kMultiByte };

constexpr std::array<ByteClass, 256> kByteClass = [] {
  std::array<ByteClass, 256> table{};
  for (int c = 0; c < 256; ++c) {
    // RFC 8259 §7: quotation mark, reverse solidus and the control characters U+0000..U+001F
    // must be escaped; everything else may appear literally.
    if (c < 0x20 || c == '"' || c == '\\') {
      table[c] = ByteClass::kEscape;
    } else if (c >= 0x80) {
      table[c] = ByteClass::kMultiByte;
    } else {
      table[c] = ByteClass::kCopy;
    }
  }
  return table;
}();

// Length of the well-formed UTF-8 sequence starting at `p` (RFC 3629 §4), or 0 if it is not one.
std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) noexcept {
  const auto remaining = static_cast<std::size_t>(end - p);
  const unsigned char lead = p[0];
  auto continuation = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < remaining && p[i] >= lo && p[i] <= hi;
  };
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    // E0 excludes overlong forms, ED excludes UTF-16 surrogates.
    const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, lo, hi) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    // F0 excludes overlong forms, F4 excludes code points above U+10FFFF.
    const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, lo, hi) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// True when none of the 8 bytes at `p` needs attention (no control character, '"', '\\' or
// non-ASCII byte): tokens and URLs are long runs of such bytes. Borrows in the subtractions only
// spill past a byte that is itself flagged, so the test as a whole is exact.
bool is_plain_word(const unsigned char* p) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHigh = 0x8080808080808080;
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  const std::uint64_t quote = v ^ (kOnes * '"');
  const std::uint64_t backslash = v ^ (kOnes * '\\');
  const std::uint64_t below_space = (v - kOnes * 0x20) & ~v;
  const std::uint64_t is_quote = (quote - kOnes) & ~quote;
  const std::uint64_t is_backslash = (backslash - kOnes) & ~backslash;
  return ((below_space | is_quote | is_backslash | v) & kHigh) == 0;
}

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escaped, sizeof escaped);
    }
  }
}

}  // namespace

// Runs of plain bytes are appended in one go.
void append_json_string(std::string& out, std::string_view s, NonUtf8 non_utf8) {
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  const auto* run = p;
  while (p != end) {
    while (end - p >= 8 && is_plain_word(p)) p += 8;
    if (p == end) break;
    const ByteClass cls = kByteClass[*p];
    if (cls == ByteClass::kCopy) {
      ++p;
      continue;
    }
    if (cls == ByteClass::kMultiByte) {
      if (non_utf8 == NonUtf8::kCopy) {
        ++p;
        continue;
      }
      if (const std::size_t n = utf8_sequence_length(p, end); n != 0) {
        p += n;
        continue;
      }
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (cls == ByteClass::kEscape) {
      append_escape(out, *p);
    } else {
      out += "\\ufffd";
    }
    run = ++p;
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
  out.push_back('"');
}

bool is_storable_text(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      if (*p == 0) return false;
      ++p;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::string json_quote(std::string_view s, NonUtf8 non_utf8) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s, non_utf8);
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace ssooidc::core
