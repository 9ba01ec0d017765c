// http::Server: the HTTP/1.1 transport of ssooidc. It accepts TCP connections, parses requests
// with Boost.Beast's parser, hands each one to a Handler as a core::HttpRequest and writes the
// returned core::HttpResponse back. It knows nothing about OIDC.
//
// Threading: `threads` workers, each an io_context run by one thread and listening on its own
// socket bound with SO_REUSEPORT, so the kernel spreads new connections over the workers and a
// connection stays on one thread for its whole life (no strands, no locks on the request path).
// The Handler runs on that I/O thread, so it is called concurrently for different connections
// and must be thread-safe; it should not block for long, because the other connections of that
// worker wait meanwhile.
//
// Per connection: keep-alive per RFC 9112 §9.3 ("Connection: close" from the client or the
// handler ends it after that response); pipelined requests are answered in order, with at most
// `pipeline_limit` responses waiting before the connection stops reading; one read buffer reused
// for every request. Limits and what a client gets for crossing them:
//   header larger than header_limit  -> 431 (error_response), connection closed
//   body larger than body_limit      -> 413 (error_response), connection closed
//   malformed HTTP                   -> 400 (error_response), connection closed
//   request not complete within read_timeout of its first byte (slowloris) -> closed silently
//   a new connection sending nothing within first_byte_timeout -> closed silently
//   no new request within idle_timeout -> closed silently
//   a connection past max_connections, or past max_connections_per_address from one address
//     (trusted proxies exempt) -> accepted and closed at once; the others keep being served
//   a response not written within read_timeout -> closed
//   handler throws, or answers a status outside 200..599 -> 500 (error_response)
// The bodies of those answers are not the transport's to shape: it asks the layer above through
// ServerOptions::error_response (the server's wiring passes api::transport_error_response, so
// they carry the AWS error shape and an x-amzn-RequestId like every other error).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::http {

// Called for every request; must be thread-safe. Exceptions are caught (500) but should not
// happen: errors belong in the returned response.
using Handler = std::function<core::HttpResponse(const core::HttpRequest&)>;

// Builds the answer to a request the transport fails on its own: `status` is 400, 413, 431 or
// 500, `description` a constant sentence of the transport's (never request data beyond the
// limits it names). Must be thread-safe and must not throw.
using ErrorResponder = std::function<core::HttpResponse(int status, std::string_view description)>;

// One line of an access log. Views are valid only during the call. The query string and the
// body are never included: they may carry secrets.
struct AccessLogEntry {
  std::string_view method;  // empty when the request line could not be parsed
  std::string_view path;
  int status = 0;
  std::size_t bytes = 0;          // response body bytes sent
  std::uint64_t duration_us = 0;  // first byte of the request to last byte of the response
  std::string_view remote;        // peer IP
  // What the handler said about its response (core::ResponseLog); empty for the transport's own
  // answers. Never null.
  const core::ResponseLog* log = nullptr;
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // IP address or resolvable name
  std::uint16_t port = 8080;       // 0 picks a free port; bind() returns it
  int threads = 0;                 // I/O threads; 0 = std::thread::hardware_concurrency()
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
  // Whole-request deadline from its first byte; also bounds each response write.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // How long a new connection may wait before sending the first byte of its first request.
  std::chrono::milliseconds first_byte_timeout{std::chrono::seconds(5)};
  // Open connections over all workers, and from one client address (IPv6: one /64). The global
  // cap is further lowered at bind() to what RLIMIT_NOFILE allows after `descriptor_reserve`
  // descriptors kept for the database, logs and listeners.
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_address = 256;
  std::size_t descriptor_reserve = 128;
  // Peers allowed to name the client in X-Forwarded-For / X-Forwarded-Proto (CIDR list; see
  // client_address.h). Empty: the TCP peer is always the client.
  std::vector<std::string> trusted_proxies;
  // How long stop() lets requests in flight finish before closing every connection.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  std::size_t pipeline_limit = 8;  // responses queued per connection before reading pauses
  bool tls_public = false;         // copied into HttpRequest::tls (TLS is terminated in front)
  // The transport's own error answers (see the top of this file). Unset: a plain-text answer
  // with the status (transport tests, the fixed-response benchmark server).
  ErrorResponder error_response;
  // Called on the I/O thread after each response is written; must be thread-safe and quick.
  std::function<void(const AccessLogEntry&)> access_log;
};

// min(max_connections, RLIMIT_NOFILE soft limit - descriptor_reserve), at least 1.
[[nodiscard]] std::size_t effective_connection_cap(std::size_t max_connections,
                                                   std::uint64_t descriptor_limit,
                                                   std::size_t descriptor_reserve) noexcept;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  // The server must not be running: call stop() and wait for run() to return first.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on every worker. Returns the port actually bound (useful with port 0), or
  // an InternalServer error whose description names the address and the system error. Call
  // once, before run().
  [[nodiscard]] std::expected<std::uint16_t, Error> bind();

  // Connections open now (for tests and monitoring); thread-safe.
  [[nodiscard]] std::size_t open_connections() const noexcept;
  // The global connection cap in force after bind() (see ServerOptions::max_connections).
  [[nodiscard]] std::size_t connection_cap() const noexcept;

  // Serves on the calling thread plus threads-1 new ones; returns after stop() once every
  // connection has closed. Returns at once when bind() did not succeed.
  void run();

  // Graceful stop; thread-safe, idempotent, may be called before run(). Stops accepting, closes
  // idle connections at once, lets requests already being received or handled finish and their
  // responses be written ("Connection: close"), and closes whatever is left after
  // shutdown_grace.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssooidc::http
