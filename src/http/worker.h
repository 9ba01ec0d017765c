// Worker: one io_context, one thread, one listening socket, and the connections it accepted.
// Private to the http layer.
//
// Besides accepting, a worker runs a periodic sweep that enforces every connection's deadlines
// (idle, read, write, shutdown grace). A sweep costs one timer per worker instead of one timer
// arm and cancel per socket operation; deadlines are therefore honoured to within one tick
// (a quarter of the shortest timeout, between 10 ms and 1 s).
//
// Thread safety: stop() may be called from any thread; everything else runs on
// the worker's own thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <vector>

#include "http/client_address.h"
#include "http/connection_counter.h"
#include "http/handler_pool.h"
#include "http/response_writer.h"
#include "http/server.h"
#include "http/session.h"
#include "http/tls_context.h"

namespace ssooidc::http {

// What every worker and session reads. Immutable while serving, except `stopping`.
struct ServerConfig {
  ServerOptions options;
  Handler handler;
  std::chrono::milliseconds linger{};  // how long a closing connection drains its input
  std::atomic<bool> stopping{false};
  NetworkList trusted_proxies;
  std::size_t connection_cap = 0;  // effective_connection_cap, set by bind()
  ConnectionCounter connections;
  const core::Clock* clock = nullptr;  // options.clock, or the system clock
  bool tls = false;                    // serving TLS: every session handshakes with tls_context
  TlsContext tls_context;
  HandlerPool* pool = nullptr;  // null: handlers run on the I/O thread
  HandlerPool* quick_pool = nullptr;  // ServerOptions::quick_lane's one thread; null: none
  std::atomic<std::uint64_t> busy_rejections{0};  // 503s for a full pool queue

  // Monotonic milliseconds of `clock`: every deadline is counted in them.
  [[nodiscard]] std::int64_t now_ms() const noexcept { return clock->monotonic_millis(); }
};

class Worker {
 public:
  explicit Worker(ServerConfig& config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens, binds and listens. `reuse_port` sets SO_REUSEPORT so that sibling workers can bind
  // the same port. Returns the system error on failure.
  [[nodiscard]] boost::system::error_code listen(const boost::asio::ip::tcp::endpoint& endpoint,
                                                 bool reuse_port);
  [[nodiscard]] std::uint16_t port() const;

  // Accepts and serves on the calling thread until stopped and drained.
  void run();
  // Thread-safe. Begins the graceful stop (see Server::stop).
  void stop();

  // For sessions, on the worker thread.
  [[nodiscard]] ServerConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::string_view http_date() { return date_.now(); }
  // The worker's io_context (a job of the handler pool posts its session reference back to it).
  [[nodiscard]] boost::asio::io_context& io_context() noexcept { return io_context_; }
  // Thread-safe: hands a response made on another thread to this worker's thread, which sends
  // it with Session::complete. The deliveries that arrive before the worker's thread takes them
  // are taken together, with one wake-up; inside a core::CompletionBatch on the delivering thread
  // (the group commit's writer answering a batch) that wake-up waits for the batch's end, so a
  // batch of answers wakes the worker once instead of once per answer (issue 15). Bounded by the
  // connections: a session waits for at most one response at a time.
  void deliver(Session::Completion completion);
  void attach(Session& session) noexcept;
  void detach(Session& session) noexcept;

 private:
  void start();
  void accept();
  void admit(boost::asio::ip::tcp::socket socket);
  void schedule_sweep();
  void sweep();
  void begin_shutdown();
  void finish_if_drained();
  static void post_deliveries(void* worker) noexcept;  // core::CompletionBatch::Wake
  void take_deliveries();

  ServerConfig& config_;
  boost::asio::io_context io_context_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_context_};
  boost::asio::steady_timer sweep_timer_{io_context_};
  boost::asio::steady_timer accept_retry_timer_{io_context_};
  boost::intrusive::list<Session, boost::intrusive::constant_time_size<false>> sessions_;
  std::size_t session_count_ = 0;
  std::chrono::milliseconds tick_{};
  bool stopping_ = false;
  bool destroying_ = false;
  std::int64_t grace_deadline_ms_ = 0;
  HttpDate date_;

  std::mutex deliveries_mutex_;
  std::vector<Session::Completion> deliveries_;  // guarded by deliveries_mutex_
  std::vector<Session::Completion> taking_;      // the worker's thread's, reused
  bool deliveries_posted_ = false;               // guarded: a take is posted or asked for
};

}  // namespace ssooidc::http
