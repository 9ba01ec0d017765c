#include "http/server.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
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
    return port;
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

  void stop() {
    if (config_.stopping.exchange(true)) return;
    for (auto& worker : workers_) worker->stop();
  }

 private:
  ServerConfig config_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

std::expected<std::uint16_t, Error> Server::bind() { return impl_->bind(); }

void Server::run() { impl_->run(); }

void Server::stop() { impl_->stop(); }

}  // namespace ssooidc::http
