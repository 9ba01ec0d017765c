#include "http/server.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

#include "http/worker.h"

namespace ssooidc::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Binding happens at start-up; the caller prints the description and exits.
std::unexpected<Error> failure(std::string description) {
  return std::unexpected(Error::make(ErrorType::kInternalServer, std::move(description)));
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler) {
    config_.options = std::move(options);
    config_.handler = std::move(handler);
    config_.clock = config_.options.clock != nullptr ? config_.options.clock : &system_clock_;
    // Long enough for a client to notice our FIN and stop sending; short enough not to hold
    // shutdown up.
    config_.linger =
        std::min(config_.options.read_timeout, std::chrono::milliseconds(std::chrono::seconds(2)));
  }

  std::expected<std::uint16_t, Error> bind() {
    const auto& options = config_.options;
    const std::string where = options.host + ":" + std::to_string(options.port);
    if (!workers_.empty()) return failure("already bound to " + where);

    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.host, ec);
    if (ec) {
      // Not an IP literal: resolve the name (start-up only, so blocking is fine).
      asio::io_context resolver_context;
      tcp::resolver resolver(resolver_context);
      auto results = resolver.resolve(options.host, "", ec);
      if (ec || results.empty())
        return failure("cannot resolve " + options.host + ": " +
                       (ec ? ec.message() : std::string("no addresses")));
      address = results.begin()->endpoint().address();
    }

    const bool tls =
        !options.tls_certificate_file.empty() || !options.tls_private_key_file.empty();
    if (tls) {
      if (options.tls_certificate_file.empty() || options.tls_private_key_file.empty())
        return failure("TLS needs both a certificate file and a private key file");
      auto loaded =
          config_.tls_context.load(options.tls_certificate_file, options.tls_private_key_file);
      if (!loaded) return std::unexpected(loaded.error());
      config_.tls = true;
    }

    auto trusted = NetworkList::parse(options.trusted_proxies);
    if (!trusted) return failure("trusted proxies: " + trusted.error());
    config_.trusted_proxies = std::move(*trusted);
    rlimit files{};
    const std::uint64_t descriptor_limit =
        ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
            ? static_cast<std::uint64_t>(files.rlim_cur)
            : std::numeric_limits<std::uint64_t>::max();
    config_.connection_cap = effective_connection_cap(options.max_connections, descriptor_limit,
                                                      options.descriptor_reserve);

    int threads = options.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));

    std::vector<std::unique_ptr<Worker>> workers;
    std::uint16_t port = options.port;
    for (int i = 0; i < threads; ++i) {
      auto worker = std::make_unique<Worker>(config_);
      ec = worker->listen(tcp::endpoint(address, port), threads > 1);
      if (ec) return failure("cannot listen on " + where + ": " + ec.message());
      if (i == 0) port = worker->port();  // port 0: siblings join the port the kernel chose
      workers.push_back(std::move(worker));
    }
    workers_ = std::move(workers);
    if (options.handler_threads > 0) {
      pool_ = std::make_unique<HandlerPool>(options.handler_threads, options.handler_queue_limit);
      config_.pool = pool_.get();
      if (options.quick_lane && options.try_async) {
        quick_pool_ = std::make_unique<HandlerPool>(1, options.handler_queue_limit);
        config_.quick_pool = quick_pool_.get();
      }
    }
    return port;
  }

  std::expected<void, Error> reload_certificates() {
    if (!config_.tls) return failure("this server does not serve TLS");
    return config_.tls_context.load(config_.options.tls_certificate_file,
                                    config_.options.tls_private_key_file);
  }

  void run() {
    if (workers_.empty()) return;
    std::vector<std::thread> threads;
    threads.reserve(workers_.size() - 1);
    for (std::size_t i = 1; i < workers_.size(); ++i)
      threads.emplace_back([worker = workers_[i].get()] { worker->run(); });
    workers_[0]->run();
    for (auto& thread : threads) thread.join();
  }

  std::size_t open_connections() const noexcept { return config_.connections.open(); }
  std::size_t queued_requests() const {
    return (pool_ ? pool_->queued() : 0) + (quick_pool_ ? quick_pool_->queued() : 0);
  }
  std::uint64_t busy_rejections() const noexcept {
    return config_.busy_rejections.load(std::memory_order_relaxed);
  }
  std::size_t connection_cap() const noexcept { return config_.connection_cap; }

  void stop() {
    if (config_.stopping.exchange(true)) return;
    for (auto& worker : workers_) worker->stop();
  }

 private:
  core::SystemClock system_clock_;
  ServerConfig config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Destroyed before the workers: its jobs post completions to their io_contexts.
  std::unique_ptr<HandlerPool> pool_;
  // Destroyed first: its jobs may hand a request on to pool_.
  std::unique_ptr<HandlerPool> quick_pool_;
};

std::size_t effective_connection_cap(std::size_t max_connections, std::uint64_t descriptor_limit,
                                     std::size_t descriptor_reserve) noexcept {
  const std::uint64_t usable =
      descriptor_limit > descriptor_reserve ? descriptor_limit - descriptor_reserve : 1;
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::min<std::uint64_t>(max_connections, usable)));
}

std::size_t Server::open_connections() const noexcept { return impl_->open_connections(); }

std::size_t Server::connection_cap() const noexcept { return impl_->connection_cap(); }

std::size_t Server::queued_requests() const { return impl_->queued_requests(); }

std::uint64_t Server::busy_rejections() const noexcept { return impl_->busy_rejections(); }

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

std::expected<std::uint16_t, Error> Server::bind() { return impl_->bind(); }

void Server::run() { impl_->run(); }

void Server::stop() { impl_->stop(); }

std::expected<void, Error> Server::reload_certificates() { return impl_->reload_certificates(); }

}  // namespace ssooidc::http
