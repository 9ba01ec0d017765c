// The service graph on in-memory storage with a fake clock, as every fixture above storage needs
// it: one line instead of a page of wiring, and the same graph the server builds
// (domain/service_graph.h).
//
//   test_support::TestServices t;              // settings as given, storage "memory:"
//   t.clock.advance_seconds(601);
//   t.graph.devices.decide(code, true, "alice");
//
// ServicesTest below is the gtest fixture over it.
//
// Thread safety: as the services; the clock may be advanced from the test thread only.
#pragma once

#include <gtest/gtest.h>

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "crypto/crypto.h"
#include "domain/service_graph.h"
#include "domain/settings.h"
#include "storage/storage.h"

namespace ssooidc::test_support {

struct TestServices {
  explicit TestServices(domain::Settings settings = {})
      : storage(open_memory()), graph(*storage, clock, random, std::move(settings)) {}

  core::FakeClock clock;
  crypto::SecureRandom random;
  std::unique_ptr<storage::Storage> storage;
  domain::ServiceGraph graph;

 private:
  static std::unique_ptr<storage::Storage> open_memory() {
    return std::move(*storage::open_storage("memory:"));
  }
};

// A fixture over TestServices, with the short names the tests use for its parts.
class ServicesTest : public ::testing::Test {
 protected:
  explicit ServicesTest(domain::Settings settings = {}) : t_(std::move(settings)) {}

  TestServices t_;
  core::FakeClock& clock_ = t_.clock;
  storage::Storage* store_ = t_.storage.get();
  domain::Context* ctx_ = &t_.graph.context;
  domain::ClientService* clients_ = &t_.graph.clients;
  domain::DeviceService* devices_ = &t_.graph.devices;
  domain::TokenService* tokens_ = &t_.graph.tokens;
  domain::UserService* users_ = &t_.graph.users;
  domain::IdTokenIssuer* id_tokens_ = &t_.graph.id_tokens;
  domain::AuthorizationService* authorize_ = &t_.graph.authorizations;
};

}  // namespace ssooidc::test_support
