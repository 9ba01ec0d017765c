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

// The device flow's steps on one graph, for fixtures with several graphs (each one what a server
// process builds) that register on one and poll on another.
inline RegisterClientResponse register_public_client(domain::ServiceGraph& graph,
                                                     bool refreshable = false) {
  RegisterClientRequest request{.clientName = "test", .clientType = "public"};
  if (refreshable) request.scopes = std::vector<std::string>{"sso:account:access"};
  auto response = graph.clients.register_client(request);
  EXPECT_TRUE(response.has_value());
  return response.value_or(RegisterClientResponse{});
}

inline std::expected<StartDeviceAuthorizationResponse, Error> start_device(
    domain::ServiceGraph& graph, const RegisterClientResponse& client) {
  return graph.devices.start(
      {client.clientId.value_or(""), client.clientSecret.value_or(""),
       "https://d-1.awsapps.com/start"},
      "");
}

// One CreateToken poll of the device code `device` by `client`.
inline std::expected<CreateTokenResponse, Error> poll_device(
    domain::ServiceGraph& graph, const RegisterClientResponse& client,
    const StartDeviceAuthorizationResponse& device) {
  CreateTokenRequest request;
  request.clientId = client.clientId.value_or("");
  request.clientSecret = client.clientSecret.value_or("");
  request.grantType = std::string(kGrantDeviceCode);
  request.deviceCode = device.deviceCode;
  return graph.tokens.create_token(request);
}

}  // namespace ssooidc::test_support
