// Reading core::HttpResponse values in tests.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/http_message.h"

namespace ssooidc::test_support {

// The first header field `name` (case-insensitive) of `response`, or "" when it has none.
inline std::string header_of(const core::HttpResponse& response, std::string_view name) {
  for (const auto& [k, v] : response.headers)
    if (core::iequals(k, name)) return v;
  return "";
}

}  // namespace ssooidc::test_support
