// http::Server: the HTTP/1.1 transport of ssooidc. It accepts TCP connections, parses requests
// with Boost.Beast's parser, hands each one to a Handler as a core::HttpRequest and writes the
// returned core::HttpResponse back. It knows nothing about OIDC.
//
// Threading: `threads` workers, each an io_context run by one thread and listening on its own
// socket bound with SO_REUSEPORT, so the kernel spreads new connections over the workers and a
// connection stays on one thread for its whole life (no strands, no locks on the request path).
// The Handler is called concurrently for different connections and must be thread-safe. With
// handler_threads = 0 it runs on the I/O thread, so it should not block: the other connections
// of that worker wait meanwhile. With handler_threads > 0 (issue 12) the requests for which
// `runs_inline` does not say true, and that `try_inline` does not answer, run on a bounded pool
// of that many threads instead, while the I/O thread goes on serving; a request of the same connection waits for the one before it, and
// a request that finds the pool's queue full is answered 503 at once (error_response).
//
// TLS (issue 13): with tls_certificate_file and tls_private_key_file set every connection is
// TLS 1.2+ (tls_context.h says which settings); reload_certificates() re-reads the files for new
// connections without touching the open ones.
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
//   handler pool's queue full          -> 503 (error_response), connection kept
//   TLS handshake not done within first_byte_timeout, or failed -> closed silently
// Every deadline reads ServerOptions::clock's monotonic time (tests advance a fake one); it is
// checked by a sweep that runs every quarter of the shortest timeout (10 ms to 1 s of real time).
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/http_message.h"
#include "ssooidc/error.h"

namespace ssooidc::http {

// Called for every request; must be thread-safe. Exceptions are caught (500) but should not
// happen: errors belong in the returned response.
using Handler = std::function<core::HttpResponse(const core::HttpRequest&)>;

// Builds the answer to a request the transport fails on its own: `status` is 400, 413, 431, 500
// or 503, `description` a constant sentence of the transport's (never request data beyond the
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
  bool tls_public = false;         // copied into HttpRequest::tls (the public URL is https)
  // PEM files of the certificate (leaf first, then its chain) and its private key. Both empty:
  // plain HTTP. bind() fails when they cannot be loaded.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  // Threads that run the handler for requests that may block (see the top of this file); 0: the
  // handler runs on the I/O threads. At most handler_queue_limit requests wait for one.
  int handler_threads = 0;
  std::size_t handler_queue_limit = 1024;
  // True for a request that is answered without blocking (no database): it is handled on the
  // I/O thread even when a pool is configured. Unset: every request goes to the pool. Called on
  // the I/O thread; must be thread-safe and quick.
  std::function<bool(const core::HttpRequest&)> runs_inline;
  // Tried on the I/O thread before a request goes to the pool (issue 15): an answer it can give
  // without blocking (from memory: a cached pending poll) is sent at once, without the hand-off
  // to a handler thread and back; nullopt sends the request to the pool as before. Only used with
  // a pool. Must be thread-safe and must never block; an exception is answered 500 like the
  // Handler's.
  std::function<std::optional<core::HttpResponse>(const core::HttpRequest&)> try_inline;
  // Tried after try_inline (issue 15: a durable write completes on the I/O thread), on the I/O
  // thread with may_block false and, for a request it declined there, again on the handler
  // thread with may_block true (without a pool only the first): true when it has taken the
  // request, moving from `done`, which it (or what it hands the request to: the database's
  // writer) calls exactly once with the response, from any thread; the response is then sent on
  // the connection's I/O thread as the handler's would be, and the thread that called it is free
  // at once. False: it declined, leaving `done` as it was; the request goes on as without it.
  // It must copy what it keeps of the request, never block (with may_block false) and never
  // throw (a throw is answered 500).
  std::function<bool(const core::HttpRequest&, bool may_block, core::ResponseDone& done)>
      try_async;
  // True for a request that try_async takes on a handler thread and that then waits for no
  // commit (issue 15: CreateToken's grants on SQLite, whose checks read storage and whose writes
  // the group commit's writer finishes). Such a request goes to the pool's quick lane: one
  // thread of its own that runs these one after another, woken once for as many as are queued,
  // instead of waking one of the handler threads for each (on a shared core every wake-up is a
  // context switch, and these requests never hold their thread for a commit, so more threads
  // would only take turns). One that try_async declines there goes on to the handler threads.
  // A job that does wait there (rare: a shared poll count reported on a shared file, a reused
  // refresh token's family revoked) holds the lane for that one commit. Its queue holds
  // handler_queue_limit requests too; past that they are answered 503. Unset: no quick lane.
  // Called on the I/O thread; must be thread-safe and quick.
  std::function<bool(const core::HttpRequest&)> quick_lane;
  // Monotonic time for every deadline; null: the system clock. Must outlive the server.
  const core::Clock* clock = nullptr;
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
  // Requests waiting for a handler thread now (0 without a pool); thread-safe.
  [[nodiscard]] std::size_t queued_requests() const;
  // Requests answered 503 because the handler pool's queue was full, since start; thread-safe.
  [[nodiscard]] std::uint64_t busy_rejections() const noexcept;
  // The global connection cap in force after bind() (see ServerOptions::max_connections).
  [[nodiscard]] std::size_t connection_cap() const noexcept;

  // Serves on the calling thread plus threads-1 new ones; returns after stop() once every
  // connection has closed. Returns at once when bind() did not succeed.
  void run();

  // Graceful stop; thread-safe, idempotent, may be called before run(). Stops accepting, closes
  // idle connections at once, lets requests already being received or handled finish and their
  // responses be written ("Connection: close"), and closes whatever is left after
  // shutdown_grace. A handler still running on the pool holds run() up until it returns (a call
  // blocked in the database cannot be interrupted).
  void stop();

  // Re-reads tls_certificate_file and tls_private_key_file (SIGHUP). New connections get the new
  // certificate, open ones keep theirs. On failure (unreadable, malformed, key not matching) an
  // InternalServer error naming the file, and the old certificate stays in use. Thread-safe;
  // an error when the server does not serve TLS.
  [[nodiscard]] std::expected<void, Error> reload_certificates();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssooidc::http
