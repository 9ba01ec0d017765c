#pragma once

#include <string>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::api {

// InvalidRequest naming the first missing required member, as the service does.
inline Error missing_member_error(const std::vector<std::string>& missing) {
  return Error::make(ErrorType::kInvalidRequest, "Missing required member '" + missing.front() + "'");
}

}  // namespace ssooidc::api
