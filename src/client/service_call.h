// What every service client of the library (the OIDC Client, the PortalClient) does the same way:
// fill in the default seams, split the endpoint into Host and path prefix, send one operation
// with retries and backoff, and turn a 2xx body into a response or a malformed-answer Error.
// Private to the client library.
//
// Thread safety: ServiceConnection::send serialises calls on its one transport with a mutex.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "client/client_internal.h"
#include "client/http_transport.h"
#include "client/resolve.h"

namespace ssooidc::client {

// "https://user@host:port/prefix" -> host "host:port", path_prefix "/prefix" ("" when none).
struct EndpointParts {
  std::string host;
  std::string path_prefix;
};
// ErrorType::kConfiguration when the endpoint has no host.
[[nodiscard]] std::expected<EndpointParts, Error> split_endpoint(const std::string& endpoint);

// One resolved service endpoint with the seams a request needs. Built by open_service_connection.
struct ServiceConnection {
  ResolvedSettings settings;
  EndpointParts endpoint;
  Env* env = nullptr;
  const core::Clock* clock = nullptr;
  core::Random* random = nullptr;
  Sleeper* sleeper = nullptr;
  std::unique_ptr<HttpTransport> transport;
  Backoff backoff;
  int max_retries = 3;
  bool close_connection = false;

  // Completes one attempt's request, which arrives holding only the `Host` header; called again
  // for every retry (a signature must be current).
  using AttemptBuilder = std::function<std::expected<void, Error>(HttpCall&)>;

  // Sends the request completed by `build` (plus `Connection: close` when configured) and returns
  // the 2xx answer. Otherwise the Error of the last attempt: a service error
  // parsed by parse_error_response, ErrorType::kTransport when no answer came, or the builder's
  // Error. 5xx, throttling and transport errors are retried up to max_retries times with
  // full-jitter backoff through the Sleeper; other errors are returned at once.
  [[nodiscard]] std::expected<HttpReply, Error> send(const AttemptBuilder& build);

 private:
  std::mutex mu_;  // one request at a time on the one connection
};

// Fills the defaults of `deps` (process Env, SystemClock, SecureRandom, SystemSleeper, libcurl
// with the config's timeouts) around already resolved `settings`. Errors: kConfiguration for an
// endpoint without host, kTransport when libcurl cannot start.
[[nodiscard]] std::expected<std::unique_ptr<ServiceConnection>, Error> open_service_connection(
    const Config& config, ResolvedSettings settings, ClientDependencies deps);

// The Env `deps` names, else the process environment.
[[nodiscard]] Env& env_of(const ClientDependencies& deps);

// The Error for a 2xx answer whose body the decoder refused: ErrorType::kUnknown, the decoder's
// text prefixed by "malformed response: ", the answer's status and request id.
[[nodiscard]] Error malformed_response(Error decoder_error, const HttpReply& reply);

template <typename Response>
[[nodiscard]] std::expected<Response, Error> decode_reply(
    std::expected<HttpReply, Error> reply,
    std::expected<Response, Error> (*decoder)(std::string_view)) {
  if (!reply) return std::unexpected(std::move(reply.error()));
  auto decoded = decoder(reply->body);
  if (!decoded) return std::unexpected(malformed_response(std::move(decoded.error()), *reply));
  return decoded;
}

}  // namespace ssooidc::client
