// An in-process Storage held in maps, for unit tests of the layers above storage. Nothing is
// persisted. It follows the same contract as the SQLite backend (both pass the conformance suite).
//
// Thread safety: one mutex guards all four stores, so compound operations are trivially atomic.
#pragma once

#include <memory>

#include "storage/storage.h"

namespace ssooidc::storage {

[[nodiscard]] std::unique_ptr<Storage> make_memory_storage();

}  // namespace ssooidc::storage
