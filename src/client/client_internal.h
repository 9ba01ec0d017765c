// The seams of ssooidc::Client, for the library's own tests and tools (not installed).
//
// Thread safety: the objects passed here must outlive the Client and be safe to call from the
// threads that use it.
#pragma once

#include <expected>
#include <memory>

#include "client/env.h"
#include "client/http_transport.h"
#include "client/retry.h"
#include "core/clock.h"
#include "core/random.h"
#include "ssooidc/client.h"
#include "ssooidc/portal_client.h"

namespace ssooidc::client {

struct ClientDependencies {
  Env* env = nullptr;                        // default: the process environment (PosixEnv)
  const core::Clock* clock = nullptr;        // default: SystemClock (SigV4 signing time)
  core::Random* random = nullptr;            // default: crypto::SecureRandom (backoff jitter)
  Sleeper* sleeper = nullptr;                // default: SystemSleeper (backoff waits)
  std::unique_ptr<HttpTransport> transport;  // default: libcurl with the config's timeouts
  Backoff backoff;
};

// Client::create with explicit seams.
[[nodiscard]] std::expected<Client, Error> make_client(Config config, ClientDependencies deps);
// PortalClient::create with explicit seams (`deps.clock` is unused: nothing is signed).
[[nodiscard]] std::expected<PortalClient, Error> make_portal_client(const Config& config,
                                                                    ClientDependencies deps);

// The process-wide default seams (function-local statics; never destroyed before exit).
Env& default_env();
const core::Clock& default_clock();

}  // namespace ssooidc::client
