#include "web/return_target.h"

#include <algorithm>

namespace ssooidc::web {

std::optional<std::string> safe_return_target(std::string_view target) {
  if (target.empty() || target.size() > kMaxReturnTargetBytes) return std::nullopt;
  if (target.front() != '/') return std::nullopt;  // relative, or with a scheme or host
  // Anything else was percent-encoded by whoever built the URL.
  const bool printable = std::ranges::all_of(target, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (!printable) return std::nullopt;
  // WHATWG URL parsing reads '\' as '/' in the path of http(s) URLs (not in the query), so
  // "/\evil.example" and "/\/evil.example" would name another host; no path of ours has one.
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.starts_with("//") || path.find('\\') != std::string_view::npos) return std::nullopt;
  return std::string(target);
}

}  // namespace ssooidc::web
