// What every domain service is built from: storage, time, randomness and settings. Held by
// reference; the owner (the server's wiring) outlives the services.
#pragma once

#include "core/clock.h"
#include "core/event_log.h"
#include "core/random.h"
#include "domain/settings.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class TestControls;

struct Context {
  storage::Storage& storage;
  const core::Clock& clock;
  core::Random& random;
  Settings settings;
  // Security events (core/event_log.h); null: not recorded. Set by the server's wiring.
  core::EventLog* events = nullptr;
  // The CI test mode's controls (test_controls.h); null unless settings.test_mode.
  TestControls* test = nullptr;
};

}  // namespace ssooidc::domain
