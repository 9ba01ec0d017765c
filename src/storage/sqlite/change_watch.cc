#include "storage/sqlite/change_watch.h"

#include <sqlite3.h>

#include <atomic>

namespace ssooidc::storage::sqlite {
namespace {

// The wal-index's first region, whose first 48 bytes are the header's first copy (the one a
// writer updates last, after its second copy and a memory barrier).
constexpr int kRegionSize = 32768;
constexpr std::size_t kHeaderSize = 48;

}  // namespace

// Mapped once, by a connection of its own that stays open: the mapping lives as long as the
// connection that made it. A failure is final (unavailable_): a file system without shared memory
// does not gain it later, and stamp() then says nullopt, so that callers read every time.
const volatile unsigned char* ChangeWatch::map() {
  const std::scoped_lock lock(mutex_);
  if (const auto* mapped = header_.load(std::memory_order_acquire); mapped != nullptr || unavailable_)
    return mapped;
  auto connection = Connection::open(pool_.path(), pool_.options(), Connection::Commits::kNoFsync);
  if (!connection) {
    unavailable_ = true;
    return nullptr;
  }
  // A read maps the wal-index (it opens a read transaction, which ends with the statement).
  if (!(*connection)->execute_script("watch database changes", "PRAGMA schema_version")) {
    unavailable_ = true;
    return nullptr;
  }
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control((*connection)->handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) !=
          SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
      file->pMethods->xShmMap == nullptr) {
    unavailable_ = true;
    return nullptr;
  }
  void volatile* region = nullptr;
  if (file->pMethods->xShmMap(file, 0, kRegionSize, 0, &region) != SQLITE_OK ||
      region == nullptr) {
    unavailable_ = true;
    return nullptr;
  }
  connection_ = std::move(*connection);
  const auto* mapped = static_cast<const volatile unsigned char*>(region);
  header_.store(mapped, std::memory_order_release);
  return mapped;
}

std::optional<ChangeStamp> ChangeWatch::stamp() {
  const volatile unsigned char* header = header_.load(std::memory_order_acquire);
  if (header == nullptr) header = map();
  if (header == nullptr) return std::nullopt;
  ChangeStamp stamp;
  // A copy torn by a writer in the middle of its update differs from both the old header and
  // the new one: it only costs one more query.
  std::atomic_thread_fence(std::memory_order_acquire);
  for (std::size_t i = 0; i < kHeaderSize; ++i) stamp.bytes[i] = header[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  return stamp;
}

}  // namespace ssooidc::storage::sqlite
