#include "server/application.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "api/error_response.h"
#include "server/test_admin_api.h"

namespace ssooidc::server {

// The last count of pending device authorizations and the thread that refreshes it (see
// pending_device_authorizations).
struct Application::PendingCount {
  std::mutex mutex;
  std::condition_variable wake;
  bool wanted = false;
  bool stopping = false;
  std::optional<std::int64_t> value;
  std::thread thread;
};

Application::Application(const std::string& database_url, domain::Settings settings,
                         std::unique_ptr<core::Clock> clock,
                         std::string signing_key_encryption_key)
    : clock_(std::move(clock)) {
  auto opened = storage::open_storage(database_url);
  if (!opened)
    throw std::runtime_error("cannot open database: " + opened.error().error_description);
  owned_storage_ = std::move(*opened);
  storage_ = owned_storage_.get();
  build_services(std::move(settings), std::move(signing_key_encryption_key));
}

Application::Application(storage::Storage& storage, domain::Settings settings,
                         std::unique_ptr<core::Clock> clock,
                         std::string signing_key_encryption_key)
    : clock_(std::move(clock)), storage_(&storage) {
  build_services(std::move(settings), std::move(signing_key_encryption_key));
}

Application::~Application() {
  if (!pending_count_) return;
  {
    std::lock_guard lock(pending_count_->mutex);
    pending_count_->stopping = true;
  }
  pending_count_->wake.notify_all();
  if (pending_count_->thread.joinable()) pending_count_->thread.join();
}

void Application::build_services(domain::Settings settings,
                                 std::string signing_key_encryption_key) {
  pending_count_ = std::make_shared<PendingCount>();
  services_ = std::make_unique<domain::ServiceGraph>(*storage_, *clock_, random_,
                                                     std::move(settings),
                                                     std::move(signing_key_encryption_key));
  domain::ServiceGraph& s = *services_;
  api_ = std::make_unique<api::Api>(api::Services{s.clients, s.devices, s.tokens, random_});
  portal_ = std::make_unique<portal::Portal>(s.portal, random_);
  oauth_ = std::make_unique<oauth::OAuth>(
      oauth::Services{s.clients, s.devices, s.tokens, s.inspection, s.context.settings});
  web_ = std::make_unique<web::Web>(web::WebServices{s.devices, s.users, s.authorizations,
                                                     s.context.settings, *clock_, random_,
                                                     s.shared});
  web_->enable_portal(s.portal);
  metrics_.set_gauge("ssooidc_pending_device_authorizations",
                     "Device authorizations waiting for a decision (refreshed at most once a "
                     "second, off the request path).",
                     [this] { return pending_device_authorizations(); });
}

std::optional<std::int64_t> Application::pending_device_authorizations() {
  PendingCount& pending = *pending_count_;
  std::lock_guard lock(pending.mutex);
  pending.wanted = true;
  if (!pending.thread.joinable()) {
    pending.thread = std::thread([this, &pending] {
      std::unique_lock lock(pending.mutex);
      for (;;) {
        pending.wake.wait(lock, [&] { return pending.wanted || pending.stopping; });
        if (pending.stopping) return;
        pending.wanted = false;
        lock.unlock();
        auto counted =
            storage_->device_authorizations().count_pending(clock_->now_epoch_seconds());
        lock.lock();
        // A failed count leaves the gauge out rather than showing a stale number.
        pending.value = counted ? std::optional<std::int64_t>(*counted) : std::nullopt;
        // At most one count a second, however often it is scraped.
        if (pending.wake.wait_for(lock, std::chrono::seconds(1), [&] { return pending.stopping; }))
          return;
      }
    });
  }
  pending.wake.notify_all();
  return pending.value;
}

void Application::set_event_log(core::EventLog* events) {
  services_->context.events = events;
  web_->set_event_log(events);
}

void Application::enable_test_admin(std::string_view token) {
  if (!services_->context.settings.test_mode)
    throw std::runtime_error("the test-mode admin API needs --test-mode");
  test_admin_ = std::make_unique<TestAdminApi>(*services_, *storage_, token);
}

// The ID token keys (RFC 7517 JWKS); the provider metadata is the standard face's (oauth/).
std::optional<core::HttpResponse> Application::well_known(const core::HttpRequest& req) {
  if (req.path != "/.well-known/jwks.json") return std::nullopt;
  core::HttpResponse resp;
  // Not an AWS operation, so no AWS error shape: a JWKS client only needs the status.
  if (req.method != "GET" && req.method != "HEAD") {
    resp.status = 405;
    resp.set("Allow", "GET, HEAD");
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.body = "Method not allowed\n";
    return resp;
  }
  auto keys = services_->id_tokens.jwks_json();
  // No key could be loaded or made: 500 in the AWS shape, counted as InternalServerException
  // like the faces' own failures.
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

core::Operation Application::operation_of(const core::HttpRequest& req) noexcept {
  using core::Operation;
  const std::string_view path = req.path;
  if (path == "/token") return Operation::kCreateToken;
  if (path == "/device_authorization") return Operation::kStartDeviceAuthorization;
  if (path == "/client/register") return Operation::kRegisterClient;
  if (path == "/federation/credentials") return Operation::kGetRoleCredentials;
  if (path == "/assignment/accounts") return Operation::kListAccounts;
  if (path == "/assignment/roles") return Operation::kListAccountRoles;
  if (path == "/logout") return Operation::kLogout;
  if (path == "/healthz") return Operation::kHealth;
  if (path == "/readyz") return Operation::kReady;
  if (path == "/metrics") return Operation::kMetrics;
  if (path.starts_with("/static/")) return Operation::kStaticAsset;
  if (path == "/device" || path.starts_with("/device/")) return Operation::kDevicePage;
  if (path == "/authorize") return Operation::kAuthorizePage;
  if (path == "/portal" || path.starts_with("/portal/")) return Operation::kPortalPage;
  if (path == "/.well-known/openid-configuration" ||
      path == "/.well-known/oauth-authorization-server")
    return Operation::kDiscovery;
  if (path == "/revoke") return Operation::kRevoke;
  if (path == "/introspect") return Operation::kIntrospect;
  if (path == "/userinfo") return Operation::kUserInfo;
  if (path == "/.well-known/jwks.json") return Operation::kJwks;
  return Operation::kOther;
}

bool Application::needs_database(const core::HttpRequest& req) noexcept {
  return needs_database(operation_of(req));
}

bool Application::needs_database(core::Operation operation) noexcept {
  using core::Operation;
  switch (operation) {
    case Operation::kHealth:
    case Operation::kMetrics:
    case Operation::kStaticAsset:
    case Operation::kDiscovery:
      return false;
    default:
      return true;
  }
}

namespace {

// When the request's latency is counted from: its arrival as the transport saw it, else now (a
// clock read only then: issue 15 counts the poll's clock reads).
std::chrono::steady_clock::time_point arrival(const core::HttpRequest& req) {
  return req.received != std::chrono::steady_clock::time_point{}
             ? req.received
             : std::chrono::steady_clock::now();
}

}  // namespace

core::HttpResponse Application::handle(const core::HttpRequest& req) {
  const auto entered = arrival(req);
  return finish(req.tls, operation_of(req), route(req), entered);
}

std::optional<core::HttpResponse> Application::handle_inline(const core::HttpRequest& req) {
  const auto entered = arrival(req);
  const core::Operation operation = operation_of(req);
  std::optional<core::HttpResponse> resp;
  if (!needs_database(operation)) {
    resp = route(req);
  } else if (operation == core::Operation::kCreateToken && !oauth::is_form_post(req)) {
    // A form post to /token is the standard face's (route() asks it first).
    resp = api_->handle_from_memory(req);
  }
  if (!resp) return std::nullopt;
  return finish(req.tls, operation, std::move(*resp), entered);
}

bool Application::handle_without_waiting(const core::HttpRequest& req, bool may_block,
                                         core::ResponseDone& done) {
  const core::Operation operation = operation_of(req);
  // A form post is the standard face's (route() asks it first); the test admin API has its own
  // paths.
  if ((operation != core::Operation::kStartDeviceAuthorization &&
       operation != core::Operation::kRegisterClient &&
       operation != core::Operation::kCreateToken) ||
      oauth::is_form_post(req))
    return false;
  const auto entered = arrival(req);
  auto deferred = api_->handle_deferred(req, may_block);
  if (!deferred) return false;
  (*deferred)([this, tls = req.tls, operation, entered,
               done = std::move(done)](core::HttpResponse resp) mutable {
    done(finish(tls, operation, std::move(resp), entered));
  });
  return true;
}

bool Application::takes_without_waiting_on_handler_thread(const core::HttpRequest& req) {
  return !oauth::is_form_post(req) && api_->defers_only_where_reads_may_wait(req);
}

core::HttpResponse Application::finish(bool tls, core::Operation operation,
                                       core::HttpResponse resp,
                                       std::chrono::steady_clock::time_point entered) {
  // RFC 6797: behind an https public URL (TLS here or in front) browsers must never fall back to
  // plain HTTP for this host; a user agent ignores the header on a plain-HTTP response.
  if (tls) resp.set("Strict-Transport-Security", "max-age=31536000");
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - entered);
  // The outcome label is the AWS error shape when the answer carries one (every layer that sets
  // x-amzn-ErrorType also writes it into resp.log), else the status: a dashboard then tells
  // AuthorizationPending polls (400 like any refusal) from real failures.
  metrics_.record_request(operation, resp.log.error_type, resp.status,
                          static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0)));
  using namespace core::response_event;
  if (resp.events & kLoginAllowed) metrics_.count(core::MetricEvent::kLoginAllowed);
  if (resp.events & kLoginDenied) metrics_.count(core::MetricEvent::kLoginDenied);
  if (resp.events & kSignInFailed) metrics_.count(core::MetricEvent::kSignInFailure);
  if (resp.events & kStorageFailed) metrics_.count(core::MetricEvent::kDatabaseError);
  return resp;
}

core::HttpResponse Application::metrics_response() {
  core::HttpResponse resp;
  resp.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  resp.set("Cache-Control", "no-store");
  resp.body = metrics_.exposition();
  return resp;
}

// Readiness: the database answers a cheap query. The reason names the storage operation and the
// backend's words, never a secret (storage_error.h).
core::HttpResponse Application::ready_response() {
  core::HttpResponse resp;
  resp.set("Content-Type", "text/plain; charset=utf-8");
  resp.set("Cache-Control", "no-store");
  auto answered = storage_->users().count();
  if (answered) {
    resp.body = "ready\n";
  } else {
    resp.status = 503;
    resp.body = "not ready: the database does not answer (" +
                answered.error().error_description + ")\n";
    resp.events |= core::response_event::kStorageFailed;
  }
  return resp;
}

core::HttpResponse Application::route(const core::HttpRequest& req) {
  // First, so that nothing else answers under /ssooidc-test/; without test mode it is null and
  // those paths are unknown.
  if (test_admin_) {
    if (auto resp = test_admin_->handle(req)) return std::move(*resp);
  }
  // Before the AWS face: it takes only the form posts to /token and /device_authorization.
  if (auto resp = oauth_->handle(req)) return std::move(*resp);
  if (auto resp = api_->handle(req)) return std::move(*resp);
  if (auto resp = portal_->handle(req)) return std::move(*resp);
  if (auto resp = web_->handle(req)) {
    resp->log.operation = "page";
    return std::move(*resp);
  }
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (req.path == "/healthz" && get) {
    core::HttpResponse resp;
    resp.log.operation = "Health";
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.set("Cache-Control", "no-store");
    resp.body = "ok\n";
    return resp;
  }
  if (req.path == "/readyz" && get) return ready_response();
  // With --metrics-listen, /metrics is served only there, off the public port.
  if (req.path == "/metrics" && get && metrics_on_main_listener_) return metrics_response();
  if (auto resp = well_known(req)) {
    resp->log.operation = "OpenIDDiscovery";
    return std::move(*resp);
  }
  // The AWS shape even here: an SDK pointed at a wrong path or an older server then raises a
  // ClientError naming UnknownOperationException instead of failing to parse the answer.
  return api::protocol_error(404, "UnknownOperationException", "invalid_request",
                             "No operation or page at " + req.method + " " + req.path,
                             api_->new_request_id());
}

core::HttpResponse Application::transport_error(int status, std::string_view description) {
  return api::transport_error_response(status, description, api_->new_request_id());
}

std::optional<std::int64_t> Application::purge_expired(std::int64_t lease_seconds) {
  // One process at a time (issue 12): whoever holds the lease purges; the others skip this run.
  auto led = services_->shared.lead("purge", std::max<std::int64_t>(lease_seconds, 1) * 1000);
  if (!led) {
    std::fprintf(stderr, "ssooidc-server: purge skipped, cannot take its lease: %s\n",
                 led.error().error_description.c_str());
    return std::nullopt;
  }
  if (!*led) return std::nullopt;
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
  // The shared state: ended browser sessions, expired rate counters and poll counts.
  count(web_->purge_ended_sessions(), "browser sessions");
  count(services_->shared.purge_expired(), "rate counters and poll counts");
  return n;
}

}  // namespace ssooidc::server
