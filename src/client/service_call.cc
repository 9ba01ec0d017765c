#include "client/service_call.h"

#include <algorithm>

#include "client/curl_transport.h"
#include "client/error_parser.h"
#include "crypto/crypto.h"

namespace ssooidc::client {

std::expected<EndpointParts, Error> split_endpoint(const std::string& endpoint) {
  std::string_view rest = endpoint;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  auto slash = rest.find('/');
  EndpointParts parts;
  parts.host = std::string(rest.substr(0, slash));
  if (auto at = parts.host.rfind('@'); at != std::string::npos) parts.host.erase(0, at + 1);
  parts.path_prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (parts.host.empty()) {
    return std::unexpected(configuration_error("Invalid endpoint \"" + endpoint + "\": no host"));
  }
  return parts;
}

Env& env_of(const ClientDependencies& deps) {
  return deps.env != nullptr ? *deps.env : default_env();
}

std::expected<HttpReply, Error> ServiceConnection::send(const AttemptBuilder& build) {
  std::lock_guard lock(mu_);
  const int retries = std::max(0, max_retries);
  for (int attempt = 0;; ++attempt) {
    HttpCall call;
    call.headers = {{"Host", endpoint.host}};
    if (auto built = build(call); !built) return std::unexpected(std::move(built.error()));
    if (close_connection) call.headers.emplace_back("Connection", "close");

    Error error;
    auto reply = transport->send(call);
    if (!reply) {
      error = std::move(reply.error());
    } else if (reply->status >= 200 && reply->status < 300) {
      return std::move(*reply);
    } else {
      error = parse_error_response(*reply);
    }
    if (attempt >= retries || !is_retryable(error)) return std::unexpected(std::move(error));
    sleeper->sleep_for(backoff.delay(attempt, *random));
  }
}

std::expected<std::unique_ptr<ServiceConnection>, Error> open_service_connection(
    const Config& config, ResolvedSettings settings, ClientDependencies deps) {
  auto connection = std::make_unique<ServiceConnection>();
  auto parts = split_endpoint(settings.endpoint);
  if (!parts) return std::unexpected(std::move(parts.error()));
  connection->endpoint = std::move(*parts);
  connection->settings = std::move(settings);

  static crypto::SecureRandom secure_random;
  static SystemSleeper system_sleeper;
  connection->env = &env_of(deps);
  connection->clock = deps.clock != nullptr ? deps.clock : &default_clock();
  connection->random = deps.random != nullptr ? deps.random : &secure_random;
  connection->sleeper = deps.sleeper != nullptr ? deps.sleeper : &system_sleeper;
  connection->backoff = deps.backoff;
  connection->max_retries = config.max_retries;
  connection->close_connection = config.close_connection;

  if (deps.transport) {
    connection->transport = std::move(deps.transport);
  } else {
    TransportOptions options;
    options.connect_timeout = config.timeout;
    options.request_timeout = config.request_timeout;
    auto transport = make_curl_transport(options);
    if (!transport) {
      return std::unexpected(std::move(transport.error()));
    }
    connection->transport = std::move(*transport);
  }
  return connection;
}

Error malformed_response(Error decoder_error, const HttpReply& reply) {
  Error e = std::move(decoder_error);
  e.type = ErrorType::kUnknown;
  e.error_description = "malformed response: " + e.error_description;
  e.http_status = reply.status;
  e.request_id = std::string(reply.header("x-amzn-RequestId"));
  return e;
}

}  // namespace ssooidc::client
