#include "domain/service_graph.h"

#include <utility>

namespace ssooidc::domain {

ServiceGraph::ServiceGraph(storage::Storage& storage, const core::Clock& clock,
                           core::Random& random, Settings settings)
    : context{storage, clock, random, std::move(settings)},
      clients(context),
      users(context),
      devices(context, clients, users),
      id_tokens(context),
      tokens(context, clients, users, &id_tokens),
      authorizations(context) {}

}  // namespace ssooidc::domain
