// The fixture base of the client's unit tests (client_test.cc, portal_client_test.cc): an
// in-memory environment, a fake clock and sleeper, and a FakeTransport whose answers the test
// scripts per request path. Nothing touches the network, the real HOME or the wall clock.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "client/client_internal.h"
#include "client/fake_transport.h"

namespace ssooidc::client::testing {

class ScriptedClientTest : public ::testing::Test {
 protected:
  explicit ScriptedClientTest(std::int64_t now) : clock(now) {}

  // Dependencies that read `env`, sleep on `clock` and send to the scripted transport. The
  // clock itself is not passed: a fixture whose client needs it sets `deps.clock`.
  ClientDependencies scripted_dependencies(core::Random& random) {
    ClientDependencies deps;
    deps.env = &env;
    deps.random = &random;
    deps.sleeper = &sleeper;
    deps.transport = std::make_unique<FakeTransport>(shared);
    return deps;
  }

  // Queues one answer (or transport failure) for the next request to `path`.
  void answer(const std::string& path, std::expected<HttpReply, Error> reply) {
    shared->answers[path].push_back(std::move(reply));
  }

  // The value of the request header `name` exactly as sent; "<absent>" when it was not.
  static std::string header(const HttpCall& call, std::string_view name) {
    for (const auto& [k, v] : call.headers)
      if (k == name) return v;
    return "<absent>";
  }

  InMemoryEnv env;
  core::FakeClock clock;
  FakeSleeper sleeper{&clock};
  std::shared_ptr<FakeTransport::Shared> shared = std::make_shared<FakeTransport::Shared>();
};

}  // namespace ssooidc::client::testing
