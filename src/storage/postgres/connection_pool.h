// A bounded pool of connections to one PostgreSQL database: at most max_connections open at
// once, lent to one caller at a time and reused, so that each keeps its prepared statements.
//
// A caller waits up to acquire_timeout_ms for a connection when all are lent, then gets
// kUnavailable. A connection that was lost (or stuck in a transaction) is closed when given back
// and an idle one the server closed (a restart) is closed when found, so after an outage the
// next caller simply opens a new connection: recovery needs no timer and no retry loop.
//
// Private to storage/postgres.
//
// Thread safety: `acquire` may be called from any number of threads at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/postgres/connection.h"

namespace ssooidc::storage::postgres {

class ConnectionPool {
 public:
  // Gives its connection back to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection) noexcept
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->give_back(std::move(connection_));
    }
    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ConnectionPool(std::string url, PostgresOptions options)
      : url_(std::move(url)), options_(options) {}

  // An idle connection still open, or a new one while fewer than max_connections are open.
  [[nodiscard]] Result<Lease> acquire();
  // A new connection outside the pool's bound (migrations at start-up), with libpq's reason in
  // the error.
  [[nodiscard]] Result<std::unique_ptr<Connection>> open_detailed() const {
    return Connection::open(url_, options_, /*detailed=*/true);
  }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::string url_;
  const PostgresOptions options_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  std::size_t open_ = 0;                           // lent + idle; guarded by mutex_
};

}  // namespace ssooidc::storage::postgres
