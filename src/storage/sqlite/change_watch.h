// The SQLite backend's change stamp (storage.h, DeviceAuthorizationStore::change_stamp): the
// WAL-index header, read from the shared memory (the -shm file) that every connection to the
// database maps, in this process and in every other.
//
// Every commit to a WAL database rewrites that header (its frame count, the checksum of the
// last frame, the salts when the WAL restarts; https://www.sqlite.org/walformat.html, "the
// WAL-index header") before the committing call returns. So a copy of it taken before a read
// and still equal later proves that nothing committed in between: not this process's other
// connections, not the operator's `ssooidc-server device approve`, not another replica on the
// same file. Reading it is 48 bytes from memory: no statement, no read transaction, none of the
// WAL lock calls a query makes.
//
// Private to storage/sqlite. Thread safety: `stamp` may be called from any number of threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include "storage/sqlite/connection.h"
#include "storage/sqlite/connection_pool.h"
#include "storage/storage.h"

namespace ssooidc::storage::sqlite {

class ChangeWatch {
 public:
  explicit ChangeWatch(const ConnectionPool& pool) : pool_(pool) {}

  // The current header, or nullopt when the shared memory cannot be mapped (then callers
  // must not reuse reads). The first call opens the watching connection.
  [[nodiscard]] std::optional<ChangeStamp> stamp();

 private:
  [[nodiscard]] const volatile unsigned char* map();

  const ConnectionPool& pool_;
  std::mutex mutex_;  // guards opening
  std::unique_ptr<Connection> connection_;  // keeps the mapping alive; never queried again
  // Set once, under mutex_; read without it by stamp() (TSan found the plain pointer racing).
  std::atomic<const volatile unsigned char*> header_{nullptr};
  bool unavailable_ = false;                        // under mutex_
};

}  // namespace ssooidc::storage::sqlite
