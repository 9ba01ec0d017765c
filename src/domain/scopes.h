// The scope parameter's text form (RFC 6749 section 3.3): scope tokens separated by spaces, as
// both faces receive them (/authorize's `scope` and AWS's `scopes`, the standard face's form
// posts) and as the standard face answers with them.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc::domain {

// "a b  c" -> {"a","b","c"}: runs of spaces separate, none gives an empty token.
[[nodiscard]] inline std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < scope.size()) {
    while (i < scope.size() && scope[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < scope.size() && scope[i] != ' ') ++i;
    if (i > start) out.emplace_back(scope.substr(start, i - start));
  }
  return out;
}

// {"a","b"} -> "a b".
[[nodiscard]] inline std::string join_scope(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace ssooidc::domain
