// The one home of URL text handling: application/x-www-form-urlencoded decoding (form bodies,
// query strings, OAuth callbacks), percent-encoding of query values, and the loopback host rule
// of RFC 8252 section 7.3.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssooidc::core {

// Decodes one name or value of a form or query: '+' is a space, %XX a byte; a malformed percent
// escape is kept literally (as browsers and Python's urllib do).
[[nodiscard]] std::string form_decode(std::string_view text);

// "a=1&b=x+y%21&a=2" -> {a,1},{b,"x y!"},{a,2}: every pair in order, names and values decoded;
// empty items are skipped, an item without '=' has an empty value.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_query_pairs(
    std::string_view query);

// Strict percent-decoding (RFC 3986 section 2.1), for query strings that are not forms: '+' is
// kept, and a '%' not followed by two hex digits makes the text malformed (nullopt).
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text);

// The items of "a=1&b&&c=2" as they stand, not decoded: {a,1},{b,""},{c,2}. Empty items are
// skipped, an item without '=' has an empty value. parse_query_pairs is this with form_decode.
[[nodiscard]] std::vector<std::pair<std::string_view, std::string_view>> split_query(
    std::string_view query);

// Percent-encodes every byte except the RFC 3986 unreserved characters A-Z a-z 0-9 - . _ ~, with
// upper-case hex digits (Python's urllib.parse.quote(text, safe='-._~')), and the characters of
// `also_keep` (SigV4 keeps '/' in paths).
[[nodiscard]] std::string percent_encode(std::string_view text, std::string_view also_keep = {});

// True for the host names of the loopback interface a native app's redirect may use over plain
// http (RFC 8252 sections 7.3 and 8.3): 127.0.0.1, [::1] and localhost.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace ssooidc::core
