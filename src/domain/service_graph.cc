#include "domain/service_graph.h"

#include <utility>

namespace ssooidc::domain {

ServiceGraph::ServiceGraph(storage::Storage& storage, const core::Clock& clock,
                           core::Random& random, Settings settings,
                           std::string signing_key_encryption_key)
    : context{storage, clock, random, std::move(settings)},
      clients(context),
      users(context),
      devices(context, clients, users),
      id_tokens(context, std::move(signing_key_encryption_key)),
      tokens(context, clients, users, &id_tokens),
      authorizations(context),
      portal(context),
      directory(context),
      inspection(context, users) {}

}  // namespace ssooidc::domain
