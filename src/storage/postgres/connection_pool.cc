#include "storage/postgres/connection_pool.h"

#include <chrono>

#include "storage/backend_error.h"

namespace ssooidc::storage::postgres {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.acquire_timeout_ms);
  for (;;) {
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->still_open()) return Lease(*this, std::move(connection));
      --open_;  // closed by the server meanwhile (a restart): drop it, look further
      lock.unlock();
      connection.reset();  // PQfinish outside the lock
      lock.lock();
    }
    if (open_ < options_.max_connections) break;
    if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      return std::unexpected(
          backend_error("acquire connection", "every PostgreSQL connection of the pool is busy"));
    }
  }
  ++open_;
  lock.unlock();
  // Connecting takes round trips: outside the lock.
  auto connection = Connection::open(url_, options_, /*detailed=*/false);
  if (!connection) {
    {
      std::lock_guard relock(mutex_);
      --open_;
    }
    released_.notify_one();
    return std::unexpected(std::move(connection.error()));
  }
  return Lease(*this, std::move(*connection));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  if (!connection->reusable()) {
    connection.reset();
    std::lock_guard lock(mutex_);
    --open_;
  } else {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  released_.notify_one();
}

}  // namespace ssooidc::storage::postgres
