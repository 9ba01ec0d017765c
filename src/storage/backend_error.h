// The one way a backend reports a failure: an Error of type kInternalServer whose description
// names the operation and the backend's reason, never a secret or a bound value.
//
// Private to src/storage.
#pragma once

#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::storage {

[[nodiscard]] inline Error backend_error(std::string_view operation, std::string_view reason) {
  std::string description = "storage: ";
  description.append(operation);
  description.append(": ");
  description.append(reason);
  return Error::make(ErrorType::kInternalServer, std::move(description));
}

}  // namespace ssooidc::storage
