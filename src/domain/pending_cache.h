// The poll's shortcut (issue 15 item 2): the device authorizations last read as pending, kept
// with the storage's change stamp taken before that read (storage.h, ChangeStamp), so that
// CreateToken on a pending device code answers from memory while nothing at all has been
// committed to the database since, and reads the row again otherwise.
//
// Why it cannot hide an approval: an approval (the device page, the operator's `ssooidc-server
// device approve`, another replica on the same SQLite file) is a commit, and a commit changes
// the stamp before the approving call returns; an entry is used only while the stamp read at
// the start of this poll equals the one read before the entry's row was. Expiry is checked
// against the clock by the caller on every poll, as before. A backend without a stamp
// (PostgreSQL, memory) gets no entries.
//
// What it costs: up to kMaxEntries records in memory (about 0.5 KB each; the table is emptied
// when full, so a stranger starting logins cannot grow it), one mutex per poll, and nothing at
// all when writes are frequent: then every poll misses and reads the row as before, plus one
// copy into the table.
//
// Thread safety: every member may be called from any number of threads.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/storage.h"

namespace ssooidc::domain {

class PendingCache {
 public:
  static constexpr std::size_t kMaxEntries = 100'000;

  // The pending record of `device_code_hash` read while the database's stamp was `stamp`.
  [[nodiscard]] std::optional<storage::DeviceAuthorizationRecord> find(
      std::string_view device_code_hash, const storage::ChangeStamp& stamp);
  // As find(), for the poll on the I/O thread: nullopt also when the record belongs to another
  // client than `client_id`, and the record carries only what a poll reads (state, expiry,
  // interval, user code; the other strings empty), so that answering costs no heap copies.
  [[nodiscard]] std::optional<storage::DeviceAuthorizationRecord> find_for_poll(
      std::string_view device_code_hash, const storage::ChangeStamp& stamp,
      std::string_view client_id);
  // Whether an entry for `device_code_hash` is kept (whatever its stamp): one was read after a
  // stamp had been taken, so taking another reads memory only.
  [[nodiscard]] bool contains(std::string_view device_code_hash);
  // Keeps `record` (read after `stamp` was taken) when it is pending.
  void remember(const storage::DeviceAuthorizationRecord& record,
                const storage::ChangeStamp& stamp);

 private:
  struct Entry {
    storage::DeviceAuthorizationRecord record;
    storage::ChangeStamp stamp;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  std::mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;  // by device code hash
};

}  // namespace ssooidc::domain
