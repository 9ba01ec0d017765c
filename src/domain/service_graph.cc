#include "domain/service_graph.h"

#include <utility>

namespace ssooidc::domain {

ServiceGraph::ServiceGraph(storage::Storage& storage, const core::Clock& clock,
                           core::Random& random, Settings settings,
                           std::string signing_key_encryption_key)
    : context{storage, clock, random, std::move(settings)},
      shared(context, signing_key_encryption_key),
      clients(context),
      users(context),
      devices(context, clients, users),
      id_tokens(context, std::move(signing_key_encryption_key), &shared),
      tokens(context, clients, users, &id_tokens),
      authorizations(context, clients),
      portal(context, clients, {}, shared.derived_key("portal page tokens")),
      directory(context),
      inspection(context, users) {
  if (context.settings.test_mode) context.test = &test_controls;
}

}  // namespace ssooidc::domain
