// Decoding what browsers send: application/x-www-form-urlencoded bodies and query strings, and
// the Cookie header.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/url.h"

namespace ssooidc::web {

// Field name -> value. When a name repeats, the first value wins.
using FormFields = std::map<std::string, std::string, std::less<>>;

// "a=1&b=x+y%21" -> {a: "1", b: "x y!"}. Malformed percent escapes are kept literally.
FormFields parse_form(std::string_view text);
// The value of `name`, or "" when absent.
std::string_view field(const FormFields& fields, std::string_view name);
// Percent-encodes everything but unreserved characters (RFC 3986 section 2.3): the pages' name
// for core::percent_encode.
inline std::string url_encode(std::string_view text) { return core::percent_encode(text); }
// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "" when absent. The first of
// several cookies with that name wins (browsers send the most specific path first).
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace ssooidc::web
