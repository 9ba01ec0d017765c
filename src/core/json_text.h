// The one JSON string writer of ssooidc (RFC 8259 section 7). The wire codec, the ID tokens and
// discovery documents, the JWKS, storage's list columns and the access log all quote strings
// through it, so that every JSON text the project writes escapes the same way: '"' and '\\' and
// the control characters (\b \f \n \r \t by name, the rest as \u00xx), everything else literally.
//
// (client/json.cc has a second, different writer on purpose: it reproduces Python's json.dumps
// byte for byte, \u-escaping non-ASCII text, because the AWS CLI's caches are written that way.)
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ssooidc::core {

// What to do with bytes that are not well-formed UTF-8.
enum class NonUtf8 {
  kReplace,  // write U+FFFD, so that the output is always valid JSON (protocol output)
  kCopy,     // copy them as they are, so that any byte string round-trips (storage columns)
};

// Appends `s` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s, NonUtf8 non_utf8 = NonUtf8::kReplace);
// `s` as a quoted JSON string.
[[nodiscard]] std::string json_quote(std::string_view s, NonUtf8 non_utf8 = NonUtf8::kReplace);

// True when `s` is well-formed UTF-8 (RFC 3629) with no NUL character: text every storage
// backend keeps as it is (PostgreSQL's text refuses NUL and invalid UTF-8 with SQLSTATE 22021).
// The wire decoders and form parsers refuse anything else as the caller's error, at the input
// boundary, so that no backend sees it.
[[nodiscard]] bool is_storable_text(std::string_view s) noexcept;

// Appends the UTF-8 encoding (RFC 3629) of the code point `c`, which must be at most U+10FFFF
// (the JSON reader's \u escapes, the pages' display text).
void append_utf8(std::string& out, char32_t c);

}  // namespace ssooidc::core
