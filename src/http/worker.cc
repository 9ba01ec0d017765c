#include "http/worker.h"

#include "core/completion_batch.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <utility>

namespace ssooidc::http {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

Worker::Worker(ServerConfig& config) : config_(config) {
  const auto& options = config_.options;
  const auto shortest =
      std::min({options.read_timeout, options.idle_timeout, options.first_byte_timeout});
  tick_ = std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

Worker::~Worker() {
  // Normally every session is gone by now (run() returned). Otherwise the io_context, destroyed
  // last, destroys the pending handlers that own the remaining sessions; their detach() must
  // then not touch the timers already destroyed.
  destroying_ = true;
  sessions_.clear();
}

error_code Worker::listen(const tcp::endpoint& endpoint, bool reuse_port) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return ec;
  if (reuse_port) {
    const int one = 1;
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      return error_code(errno, boost::system::system_category());
  }
  acceptor_.bind(endpoint, ec);
  if (ec) return ec;
  acceptor_.listen(tcp::acceptor::max_listen_connections, ec);
  return ec;
}

std::uint16_t Worker::port() const {
  error_code ec;
  const auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Worker::run() {
  asio::post(io_context_, [this] { start(); });
  for (;;) {
    try {
      io_context_.run();
      return;
    } catch (const std::exception& e) {
      // Only allocation failure can get here; keep serving the other connections.
      std::fprintf(stderr, "ssooidc http: exception on I/O thread: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "ssooidc http: unknown exception on I/O thread\n");
    }
  }
}

void Worker::stop() {
  asio::post(io_context_, [this] { begin_shutdown(); });
}

void Worker::deliver(Session::Completion completion) {
  bool wake = false;
  {
    std::lock_guard lock(deliveries_mutex_);
    deliveries_.push_back(std::move(completion));
    wake = !std::exchange(deliveries_posted_, true);
  }
  if (wake) core::CompletionBatch::wake(this, &Worker::post_deliveries);
}

void Worker::post_deliveries(void* worker) noexcept {
  auto& self = *static_cast<Worker*>(worker);
  try {
    asio::post(self.io_context_, [&self] { self.take_deliveries(); });
  } catch (...) {
    // Out of memory: the next delivery asks again.
    std::lock_guard lock(self.deliveries_mutex_);
    self.deliveries_posted_ = false;
  }
}

void Worker::take_deliveries() {
  {
    std::lock_guard lock(deliveries_mutex_);
    taking_.swap(deliveries_);
    deliveries_posted_ = false;
  }
  // Each sent on its own: one that throws (only allocation can) loses neither the others nor
  // their sessions, which are released here, on the worker's thread.
  for (Session::Completion& completion : taking_) {
    try {
      Session::complete(std::move(completion));
    } catch (...) {
    }
  }
  taking_.clear();
}

void Worker::attach(Session& session) noexcept {
  sessions_.push_back(session);
  ++session_count_;
}

void Worker::detach(Session&) noexcept {
  if (destroying_) return;
  --session_count_;
  // Called from a session's destructor, so nothing may escape. Cancelling a timer reports a
  // failure by exception, which Asio's reactors never raise; were one raised, the sweep timer
  // would still end the shutdown on its next tick.
  try {
    finish_if_drained();
  } catch (const std::exception&) {
  }
}

void Worker::start() {
  if (stopping_ || config_.stopping.load()) {
    begin_shutdown();
    return;
  }
  accept();
  schedule_sweep();
}

void Worker::accept() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors or memory: retry shortly instead of spinning on the error. A
      // connection the peer aborted before we accepted it is no reason to wait.
      if (ec == asio::error::connection_aborted) {
        accept();
        return;
      }
      accept_retry_timer_.expires_after(std::chrono::milliseconds(50));
      accept_retry_timer_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec && !stopping_) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

// Past a cap the connection is closed at once, before anything is read: a refused client learns
// it in one round trip and costs no buffer, while the connections already open keep being served.
void Worker::admit(tcp::socket socket) {
  error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone; the socket closes here
  const auto& options = config_.options;
  const bool trusted = config_.trusted_proxies.contains(peer.address());
  auto key = config_.connections.admit(peer.address(), trusted, config_.connection_cap,
                                       options.max_connections_per_address);
  if (!key) {
    // RST rather than FIN: no TIME_WAIT state kept for a refused connection.
    socket.set_option(asio::socket_base::linger(true, 0), ec);
    socket.close(ec);
    return;
  }
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (config_.tls) tls = config_.tls_context.current();
  std::make_shared<Session>(*this, std::move(socket), peer.address(), std::move(*key),
                            std::move(tls))
      ->start();
}

void Worker::schedule_sweep() {
  sweep_timer_.expires_after(tick_);
  sweep_timer_.async_wait([this](const error_code& ec) {
    if (ec) return;  // cancelled: drained
    sweep();
  });
}

void Worker::sweep() {
  const std::int64_t now = config_.now_ms();
  if (stopping_ && now >= grace_deadline_ms_) {
    for (Session& session : sessions_) session.close_now();
  } else {
    for (Session& session : sessions_) session.check_deadlines(now);
  }
  if (!(stopping_ && session_count_ == 0)) schedule_sweep();
}

void Worker::begin_shutdown() {
  if (stopping_) return;
  stopping_ = true;
  grace_deadline_ms_ = config_.now_ms() + config_.options.shutdown_grace.count();
  error_code ec;
  acceptor_.close(ec);
  accept_retry_timer_.cancel();
  for (Session& session : sessions_) session.drain();
  finish_if_drained();
}

// With nothing left to serve, cancel the timers so that io_context::run() runs out of work.
void Worker::finish_if_drained() {
  if (!stopping_ || session_count_ != 0) return;
  sweep_timer_.cancel();
  accept_retry_timer_.cancel();
}

}  // namespace ssooidc::http
