// The domain's service graph: every domain service, built once from storage, time, randomness
// and settings, each handed the services it depends on. The server's wiring (src/server), the
// benchmarks and every test fixture build the services through this one constructor, so that a
// new service is added here and nowhere else.
//
// Ownership: the graph holds storage, clock and random by reference; they must outlive it. The
// services hold references into the graph, so it is neither copyable nor movable.
//
// Thread safety: the services are safe for concurrent use (see each header); `context.settings`
// may be changed only before requests are served (the server sets the public URL after binding).
#pragma once

#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "domain/authorization_service.h"
#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/device_service.h"
#include "domain/directory_service.h"
#include "domain/id_token_issuer.h"
#include "domain/portal_service.h"
#include "domain/settings.h"
#include "domain/shared_state.h"
#include "domain/test_controls.h"
#include "domain/token_inspection.h"
#include "domain/token_service.h"
#include "domain/user_service.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class ServiceGraph {
 public:
  // `signing_key_encryption_key` seals the ID-token signing keys at rest (id_token_issuer.h) and
  // is the server key other shared keys derive from (shared_state.h); empty: a random one of this
  // graph's own.
  ServiceGraph(storage::Storage& storage, const core::Clock& clock, core::Random& random,
               Settings settings, std::string signing_key_encryption_key = {});
  ServiceGraph(const ServiceGraph&) = delete;
  ServiceGraph& operator=(const ServiceGraph&) = delete;

  TestControls test_controls;  // consulted through context.test, set only in test mode
  Context context;  // before the services: every one below refers to it
  SharedState shared;  // rate limiters, sessions, derived keys, leases (shared_state.h)
  ClientService clients;
  UserService users;
  DeviceService devices;
  IdTokenIssuer id_tokens;
  TokenService tokens;
  AuthorizationService authorizations;
  PortalService portal;        // the SSO portal API and page
  DirectoryService directory;  // accounts, roles, groups, assignments (operator, world file)
  TokenInspection inspection;  // introspection, revocation, userinfo (standard face)
};

}  // namespace ssooidc::domain
