#include "storage/sqlite/connection_pool.h"

namespace ssooidc::storage::sqlite {

Result<ConnectionPool::Lease> ConnectionPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  // Opened outside the lock: opening touches the file system.
  auto connection = Connection::open(path_, options_);
  if (!connection) return std::unexpected(std::move(connection.error()));
  return Lease(*this, std::move(*connection));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  // A connection still inside a transaction (its ROLLBACK failed) is closed, never reused.
  if (connection->in_transaction()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

}  // namespace ssooidc::storage::sqlite
