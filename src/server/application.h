// The server's wiring: the only place that knows every layer. Owns storage, the clock, the
// CSPRNG, the domain services and the request router shared by every HTTP thread.
//
// Thread safety: `handle` may be called from any number of threads at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api.h"
#include "oauth/oauth.h"
#include "core/clock.h"
#include "core/http_message.h"
#include "crypto/crypto.h"
#include "domain/service_graph.h"
#include "domain/settings.h"
#include "portal/portal.h"
#include "storage/storage.h"
#include "web/web.h"

namespace ssooidc::server {

class Application {
 public:
  // Opens storage from `database_url` and builds the services. Throws std::runtime_error with a
  // clear message when storage cannot be opened (start-up only).
  // `signing_key_encryption_key` seals the ID-token signing keys (secret_files.h); empty: a
  // random one, for commands that never sign.
  Application(const std::string& database_url, domain::Settings settings,
              std::unique_ptr<core::Clock> clock = std::make_unique<core::SystemClock>(),
              std::string signing_key_encryption_key = {});

  // Routes one request: the standard OAuth/OpenID face (form posts to /token and
  // /device_authorization, /revoke, /introspect, /userinfo, the discovery documents), the AWS
  // operations (SSO OIDC and the SSO portal), the person's pages, /healthz, the JWKS
  // (/.well-known/jwks.json), else 404.
  core::HttpResponse handle(const core::HttpRequest& req);

  // Deletes expired device authorizations, tokens and authorization codes, ID token signing
  // keys whose tokens have all expired, and credential records older than their retention.
  // Returns how many rows went.
  std::int64_t purge_expired();

  // The answer to a request the HTTP transport fails on its own (http::ServerOptions::
  // error_response): the AWS error shape with a fresh request id. Thread-safe.
  core::HttpResponse transport_error(int status, std::string_view description);

  storage::Storage& storage() { return *storage_; }
  domain::ServiceGraph& services() { return *services_; }
  domain::UserService& users() { return services_->users; }
  domain::DeviceService& devices() { return services_->devices; }
  domain::PortalService& portal() { return services_->portal; }
  domain::DirectoryService& directory() { return services_->directory; }
  // Before serving only: the pages and the ID tokens read it at request time.
  void set_public_url(std::string url) { services_->context.settings.public_url = std::move(url); }

 private:
  std::optional<core::HttpResponse> well_known(const core::HttpRequest& req);

  std::unique_ptr<core::Clock> clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<domain::ServiceGraph> services_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<portal::Portal> portal_;
  std::unique_ptr<oauth::OAuth> oauth_;  // the standard face (issue 14)
  std::unique_ptr<web::Web> web_;
};

}  // namespace ssooidc::server
