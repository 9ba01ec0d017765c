#include "server/application.h"

#include <cstdio>
#include <stdexcept>

#include "api/error_response.h"

namespace ssooidc::server {

Application::Application(const std::string& database_url, domain::Settings settings,
                         std::unique_ptr<core::Clock> clock,
                         std::string signing_key_encryption_key)
    : clock_(std::move(clock)) {
  auto opened = storage::open_storage(database_url);
  if (!opened)
    throw std::runtime_error("cannot open database: " + opened.error().error_description);
  storage_ = std::move(*opened);
  services_ = std::make_unique<domain::ServiceGraph>(*storage_, *clock_, random_,
                                                     std::move(settings),
                                                     std::move(signing_key_encryption_key));
  domain::ServiceGraph& s = *services_;
  api_ = std::make_unique<api::Api>(api::Services{s.clients, s.devices, s.tokens, random_});
  portal_ = std::make_unique<portal::Portal>(s.portal, random_);
  oauth_ = std::make_unique<oauth::OAuth>(
      oauth::Services{s.clients, s.devices, s.tokens, s.inspection, s.context.settings});
  web_ = std::make_unique<web::Web>(web::WebServices{s.devices, s.users, s.authorizations,
                                                     s.context.settings, *clock_, random_});
  web_->enable_portal(s.portal);
}

// The ID token keys (RFC 7517 JWKS); the provider metadata is the standard face's (oauth/).
std::optional<core::HttpResponse> Application::well_known(const core::HttpRequest& req) {
  if (req.path != "/.well-known/jwks.json") return std::nullopt;
  core::HttpResponse resp;
  if (req.method != "GET" && req.method != "HEAD") {
    resp.status = 405;
    resp.set("Allow", "GET, HEAD");
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.body = "Method not allowed\n";
    return resp;
  }
  auto keys = services_->id_tokens.jwks_json();
  if (!keys) {
    return api::protocol_error(500, "InternalServerException", "server_error",
                               keys.error().error_description, api_->new_request_id());
  }
  resp.body = std::move(*keys);
  resp.set("Content-Type", "application/json");
  // Short, so that a rotated key is picked up well before the old one stops being published.
  resp.set("Cache-Control", "public, max-age=300");
  return resp;
}

core::HttpResponse Application::handle(const core::HttpRequest& req) {
  // First: it takes only form posts to the AWS face's /token and /device_authorization.
  if (auto resp = oauth_->handle(req)) return std::move(*resp);
  if (auto resp = api_->handle(req)) return std::move(*resp);
  if (auto resp = portal_->handle(req)) return std::move(*resp);
  if (auto resp = web_->handle(req)) return std::move(*resp);
  if (req.path == "/healthz" && (req.method == "GET" || req.method == "HEAD")) {
    core::HttpResponse resp;
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.set("Cache-Control", "no-store");
    resp.body = "ok\n";
    return resp;
  }
  if (auto resp = well_known(req)) return std::move(*resp);
  return api::protocol_error(404, "UnknownOperationException", "invalid_request",
                             "No operation or page at " + req.method + " " + req.path,
                             api_->new_request_id());
}

core::HttpResponse Application::transport_error(int status, std::string_view description) {
  return api::transport_error_response(status, description, api_->new_request_id());
}

std::int64_t Application::purge_expired() {
  const std::int64_t now = clock_->now_epoch_seconds();
  std::int64_t n = 0;
  // A failed purge loses nothing (the rows wait for the next run), but it must not go unseen: a
  // database that keeps refusing deletes grows without bound. Storage descriptions hold no secret.
  auto count = [&n](const storage::Result<std::int64_t>& removed, const char* what) {
    if (removed) {
      n += *removed;
    } else {
      std::fprintf(stderr, "ssooidc-server: purging %s failed: %s\n", what,
                   removed.error().error_description.c_str());
    }
  };
  // Keep expired rows a day so late polls still get ExpiredTokenException rather than
  // InvalidGrantException, and replayed refresh tokens are still recognised.
  const std::int64_t before = now - 24 * 3600;
  // Registrations past clientSecretExpiresAt, with what hangs off them (issue 11 item 6).
  count(storage_->clients().purge_expired(before), "registrations");
  count(storage_->device_authorizations().purge_expired(before), "device authorizations");
  count(storage_->tokens().purge_expired(before), "tokens");
  // Kept as long, so that a replayed code is still recognised and revokes its tokens.
  count(storage_->authorization_codes().purge_expired(before), "authorization codes");
  // Retired ID token signing keys, a day after the last token they signed expired (and they left
  // the JWKS): the same day of slack, for verifiers and other server processes whose clocks lag.
  count(services_->id_tokens.purge_retired_keys(24 * 3600), "signing keys");
  count(storage_->credential_records().purge_issued_before(
            now - services_->context.settings.credential_record_retention_seconds),
        "credential records");
  return n;
}

}  // namespace ssooidc::server
