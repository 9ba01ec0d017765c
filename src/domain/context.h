// What every domain service is built from: storage, time, randomness and settings. Held by
// reference; the owner (the server's wiring) outlives the services.
#pragma once

#include "core/clock.h"
#include "core/random.h"
#include "domain/settings.h"
#include "storage/storage.h"

namespace ssooidc::domain {

struct Context {
  storage::Storage& storage;
  const core::Clock& clock;
  core::Random& random;
  Settings settings;
};

}  // namespace ssooidc::domain
