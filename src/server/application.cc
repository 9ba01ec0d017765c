#include "server/application.h"

#include <stdexcept>

#include "api/error_response.h"

namespace ssooidc::server {

Application::Application(const std::string& database_url, domain::Settings settings,
                         std::unique_ptr<core::Clock> clock)
    : clock_(std::move(clock)) {
  auto opened = storage::open_storage(database_url);
  if (!opened)
    throw std::runtime_error("cannot open database: " + opened.error().error_description);
  storage_ = std::move(*opened);
  context_ = std::make_unique<domain::Context>(
      domain::Context{*storage_, *clock_, random_, std::move(settings)});
  clients_ = std::make_unique<domain::ClientService>(*context_);
  devices_ = std::make_unique<domain::DeviceService>(*context_, *clients_);
  tokens_ = std::make_unique<domain::TokenService>(*context_, *clients_);
  users_ = std::make_unique<domain::UserService>(*context_);
  api_ = std::make_unique<api::Api>(api::Services{*clients_, *devices_, *tokens_, random_});
}

core::HttpResponse Application::handle(const core::HttpRequest& req) {
  if (auto resp = api_->handle(req)) return std::move(*resp);
  if (req.path == "/healthz" && (req.method == "GET" || req.method == "HEAD")) {
    core::HttpResponse resp;
    resp.set("Content-Type", "text/plain; charset=utf-8");
    resp.set("Cache-Control", "no-store");
    resp.body = "ok\n";
    return resp;
  }
  return api::protocol_error(404, "UnknownOperationException", "invalid_request",
                             "No operation or page at " + req.method + " " + req.path,
                             api_->new_request_id());
}

std::int64_t Application::purge_expired() {
  const std::int64_t now = clock_->now_epoch_seconds();
  std::int64_t n = 0;
  // Keep expired rows a day so late polls still get ExpiredTokenException rather than
  // InvalidGrantException, and replayed refresh tokens are still recognised.
  const std::int64_t before = now - 24 * 3600;
  if (auto r = storage_->device_authorizations().purge_expired(before)) n += *r;
  if (auto r = storage_->tokens().purge_expired(before)) n += *r;
  return n;
}

}  // namespace ssooidc::server
