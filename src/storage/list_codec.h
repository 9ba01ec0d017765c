// How backends without an array type store a list of strings (scopes, redirect URIs, grant
// types) in one text column: a JSON array of strings, e.g. ["openid","sso:account:access"].
//
// JSON rather than a separator so that any string round-trips (commas, newlines, quotes, empty
// strings, bytes that are not UTF-8) and so that an empty list ("[]") differs from a list holding
// one empty string ([""]). The text stays readable and queryable with SQLite's json_each().
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc::storage {

// Escapes '"', '\\' and control characters; every other byte is copied as is.
[[nodiscard]] std::string encode_string_list(const std::vector<std::string>& items);

// Parses a JSON array of strings (whitespace and all JSON string escapes accepted, including
// \uXXXX surrogate pairs). nullopt when `text` is anything else.
[[nodiscard]] std::optional<std::vector<std::string>> decode_string_list(std::string_view text);

}  // namespace ssooidc::storage
