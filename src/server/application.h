// The server's wiring: the only place that knows every layer. Owns storage, the clock, the
// CSPRNG, the domain services and the request router shared by every HTTP thread.
//
// Thread safety: `handle` may be called from any number of threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api.h"
#include "oauth/oauth.h"
#include "core/clock.h"
#include "core/http_message.h"
#include "core/metrics.h"
#include "crypto/crypto.h"
#include "domain/service_graph.h"
#include "domain/settings.h"
#include "portal/portal.h"
#include "storage/storage.h"
#include "web/web.h"

namespace ssooidc::server {
class TestAdminApi;
}

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
  // Serves from `storage`, which the caller keeps alive longer than this (tests wrap a store in
  // a fault injector this way).
  Application(storage::Storage& storage, domain::Settings settings,
              std::unique_ptr<core::Clock> clock = std::make_unique<core::SystemClock>(),
              std::string signing_key_encryption_key = {});
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Routes one request: the test-mode admin API (only in test mode), the standard OAuth/OpenID
  // face (form posts to /token and /device_authorization, /revoke, /introspect, /userinfo, the
  // discovery documents), the AWS operations (SSO OIDC and the SSO portal), the person's pages,
  // /healthz, /readyz, /metrics (unless served elsewhere), the JWKS (/.well-known/jwks.json),
  // else 404. Counts it in metrics().
  core::HttpResponse handle(const core::HttpRequest& req);

  // handle() for the I/O thread (http::ServerOptions::try_inline, issue 15): the answer when it
  // needs no storage (the requests of needs_database() false, a CreateToken poll of a cached
  // pending device code), counted like handle()'s; nullopt otherwise, having changed nothing,
  // and the request goes to handle() on a handler thread. Never waits on the database.
  std::optional<core::HttpResponse> handle_inline(const core::HttpRequest& req);

  // handle() completed without waiting for the database's commit (http::ServerOptions::try_async,
  // issue 15: a durable write completes on the I/O thread): false, having changed nothing, for
  // the requests it does not take (all but the AWS StartDeviceAuthorization, RegisterClient and
  // CreateToken, and those when api::Api::handle_deferred declines); true, having moved from `done`, which then gets what
  // handle() would answer, counted alike, exactly once, from the storage's writer thread or this
  // one. `may_block`: called on a handler thread (reads may wait), not an I/O thread.
  bool handle_without_waiting(const core::HttpRequest& req, bool may_block,
                              core::ResponseDone& done);
  // True for a request that handle_without_waiting takes only with may_block and that then waits
  // for no commit (the AWS CreateToken on SQLite: api::Api::defers_only_where_reads_may_wait), so
  // the transport runs it on its quick lane (http::ServerOptions::quick_lane). For the I/O
  // thread: reads the method, path and Content-Type only.
  [[nodiscard]] bool takes_without_waiting_on_handler_thread(const core::HttpRequest& req);

  // False for the requests answered without storage (/healthz, /metrics, static assets, the
  // OpenID configuration): the transport answers those on its I/O threads even while every
  // handler thread waits on the database (http::ServerOptions::runs_inline).
  [[nodiscard]] static bool needs_database(const core::HttpRequest& req) noexcept;
  // The operation a request is counted under (a fixed list: never a label from input).
  [[nodiscard]] static core::Operation operation_of(const core::HttpRequest& req) noexcept;

  // The /metrics answer, in the Prometheus text format 0.0.4.
  [[nodiscard]] core::HttpResponse metrics_response();
  // Off: /metrics on the main listener answers 404 (it is served on --metrics-listen instead).
  // Before serving only.
  void set_metrics_on_main_listener(bool on) { metrics_on_main_listener_ = on; }
  core::Metrics& metrics() { return metrics_; }

  // Deletes expired device authorizations, tokens and authorization codes, ID token signing
  // keys whose tokens have all expired, credential records older than their retention, ended
  // browser sessions and expired rate counters and poll counts. Runs on one process at a time:
  // it first takes (or renews) the lease "purge" for `lease_seconds`, and returns nullopt, doing
  // nothing, while another process holds it. Returns how many rows went.
  std::optional<std::int64_t> purge_expired(std::int64_t lease_seconds = 90 * 60);

  // The answer to a request the HTTP transport fails on its own (http::ServerOptions::
  // error_response): the AWS error shape with a fresh request id. Thread-safe.
  core::HttpResponse transport_error(int status, std::string_view description);

  storage::Storage& storage() { return *storage_; }
  domain::ServiceGraph& services() { return *services_; }
  domain::UserService& users() { return services_->users; }
  domain::DeviceService& devices() { return services_->devices; }
  domain::PortalService& portal() { return services_->portal; }
  domain::DirectoryService& directory() { return services_->directory; }
  // Before serving only (issue 13): the sink of security events for services and pages, and the
  // CI test mode's admin API (test_admin_api.h; only when settings.test_mode) with its token.
  void set_event_log(core::EventLog* events);
  void enable_test_admin(std::string_view token);
  // Before serving only: the pages and the ID tokens read it at request time.
  void set_public_url(std::string url) { services_->context.settings.public_url = std::move(url); }

 private:
  void build_services(domain::Settings settings, std::string signing_key_encryption_key);
  core::HttpResponse route(const core::HttpRequest& req);
  // What handle() and handle_inline() add to `resp`: HSTS, and the metrics of `operation` with
  // the latency from `entered`: the request's arrival (its wait for a handler thread included),
  // or when the handler was entered if the transport did not say.
  // `tls`: the request's HttpRequest::tls.
  core::HttpResponse finish(bool tls, core::Operation operation, core::HttpResponse resp,
                            std::chrono::steady_clock::time_point entered);
  [[nodiscard]] static bool needs_database(core::Operation operation) noexcept;
  std::optional<core::HttpResponse> well_known(const core::HttpRequest& req);
  core::HttpResponse ready_response();
  // The pending-authorization gauge: a scrape reads the last count and wakes a refresh off the
  // request path, so a stalled database cannot stall /metrics.
  std::optional<std::int64_t> pending_device_authorizations();

  std::unique_ptr<core::Clock> clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> owned_storage_;
  storage::Storage* storage_ = nullptr;
  core::Metrics metrics_;
  bool metrics_on_main_listener_ = true;
  struct PendingCount;
  std::shared_ptr<PendingCount> pending_count_;
  std::unique_ptr<domain::ServiceGraph> services_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<portal::Portal> portal_;
  std::unique_ptr<oauth::OAuth> oauth_;  // the standard face (issue 14)
  std::unique_ptr<web::Web> web_;
  std::unique_ptr<TestAdminApi> test_admin_;  // null unless test mode
};

}  // namespace ssooidc::server
