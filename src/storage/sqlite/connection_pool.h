// Connections to one database file, lent to one caller at a time and reused, so that each keeps
// its prepared statements and concurrent readers do not wait for each other (WAL).
//
// Private to storage/sqlite.
//
// Thread safety: `acquire` may be called from any number of threads at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/sqlite/connection.h"

namespace ssooidc::storage::sqlite {

class ConnectionPool {
 public:
  // Gives its connection back to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection) noexcept
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
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

  ConnectionPool(std::string path, SqliteOptions options)
      : path_(std::move(path)), options_(std::move(options)) {}

  // An idle connection, or a new one when none is idle.
  [[nodiscard]] Result<Lease> acquire();
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const SqliteOptions& options() const noexcept { return options_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::string path_;
  const SqliteOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
};

}  // namespace ssooidc::storage::sqlite
