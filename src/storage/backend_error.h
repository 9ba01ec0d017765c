// The backends' shorthand for the common case of storage_error.h: a failure of the backend
// itself (kUnavailable). A backend that knows better says so with storage_error().
//
// Private to src/storage (and the fault injector in src/testing).
#pragma once

#include <string_view>

#include "storage/storage_error.h"

namespace ssooidc::storage {

[[nodiscard]] inline Error backend_error(std::string_view operation, std::string_view reason) {
  return storage_error(StorageErrorCode::kUnavailable, operation, reason);
}

}  // namespace ssooidc::storage
