// The poll's index of every pending device authorization (issue 15 item 4: 10 million pending
// logins, polled at random, within 10 % of the rate with 10 thousand).
//
// The pending cache (pending_cache.h) answers a poll from memory only for a code polled before
// since the last commit; polls spread over 10 million codes almost never repeat one, so each
// read its row from SQLite (B-tree pages through pread, a handler thread, the read transaction's
// WAL locks). This index holds what a poll needs of every row that was pending when the server
// started (load), about 18 bytes a row, so that such a poll is answered from memory too.
//
// Why it cannot hide an approval: every pending row that stops being pending (decided,
// redeemed after a decision, deleted before it expired) is numbered in the database's change
// log, in the writer's own transaction, whichever process writes (a trigger, migration 11 of the
// SQLite schema; storage.h, DeviceAuthorizationStore::changes_since). The index answers only at
// the change stamp (storage.h, ChangeStamp) it last caught up at: a commit anywhere changes the
// stamp, and the next poll, on a handler thread, takes the stamp and then reads the log's new
// entries (usually none: a StartDeviceAuthorization inserts and logs nothing) before it answers
// from the index again. On the I/O thread (find) a stale stamp is a miss, answered as before.
// Rows inserted after the load are not held, and are read (and cached) as before; an expired
// row is never answered from here (its row may be purged: the table answers that). A log that
// no longer holds every change since the last catch-up (trimmed: the purge keeps the newest
// 100,000) or a failed load leaves the index empty for good.
//
// What it costs: 18 bytes a row (a 96-bit prefix of the device code hash's 256 bits, the expiry
// in seconds, a 16-bit number for the client id and interval) plus 4 bytes a bucket, at most
// kMaxEntries rows (about 220 MB at 12 million; more pending rows than that load nothing); the
// load reads the table once at start-up (at 10 million rows, seconds of one core); a poll takes
// a mutex and looks at about three cache lines. A code whose hash shares its first 96 bits with
// a held one's but is not it (a guess, 2^-96 against each held code) would be told pending, not
// invalid: it gets no token, since every decision and issuance reads the table. Two held rows
// whose prefixes are equal are both left to the table.
//
// Thread safety: every member may be called from any number of threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/types.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class PendingIndex {
 public:
  static constexpr std::size_t kMaxEntries = 12'000'000;
  // Distinct (client id, interval) pairs among the rows; rows beyond them are left to the table.
  static constexpr std::size_t kMaxProfiles = 65'535;
  // Changes read in one catch-up; more than that since the last one empties the index.
  static constexpr std::int64_t kChangesPerRead = 10'000;

  // What a poll of a pending code needs besides its state.
  struct Pending {
    std::int64_t expires_at = 0;
    std::int32_t interval = 0;
  };

  // Reads every row of `store` pending at `now` into the index (once, before serving; a second
  // call does nothing). Returns how many are held: 0 when the store keeps no change log or has
  // more than kMaxEntries pending rows.
  [[nodiscard]] std::expected<std::size_t, Error> load(storage::DeviceAuthorizationStore& store,
                                                       std::int64_t now);

  // For the I/O thread: the held row of `device_code_hash` when the index has caught up at
  // `stamp`, the row belongs to `client_id` and has not expired at `now`; never reads storage.
  [[nodiscard]] std::optional<Pending> find(std::string_view device_code_hash,
                                            const storage::ChangeStamp& stamp,
                                            std::string_view client_id, std::int64_t now);
  // As find, but first catches up with `store`'s change log when `stamp` (taken before this
  // call) is not the one the index last caught up at: one read of the log.
  [[nodiscard]] std::optional<Pending> find_caught_up(storage::DeviceAuthorizationStore& store,
                                                      std::string_view device_code_hash,
                                                      const storage::ChangeStamp& stamp,
                                                      std::string_view client_id,
                                                      std::int64_t now);
  // Whether the index has caught up at some stamp (so a stamp has been taken in this process
  // and taking another reads memory only).
  [[nodiscard]] bool caught_up() const;
  // How many rows are held (removed ones included).
  [[nodiscard]] std::size_t size() const;

 private:
  using Key = std::array<unsigned char, 12>;
  struct Entry {
    Key key;
    std::array<unsigned char, 4> expires_at;  // seconds; zero: removed
    std::array<unsigned char, 2> profile;     // index into profiles_
  };
  struct Profile {
    std::string client_id;
    std::int32_t interval = 0;
  };

  void catch_up(storage::DeviceAuthorizationStore& store, const storage::ChangeStamp& stamp);
  [[nodiscard]] std::optional<Pending> find_locked(std::string_view device_code_hash,
                                                   std::string_view client_id,
                                                   std::int64_t now) const;
  [[nodiscard]] std::optional<std::size_t> position_locked(const Key& key) const;
  void drop_locked();

  mutable std::mutex mutex_;  // guards everything below
  std::vector<Entry> entries_;              // sorted by key
  std::vector<std::uint32_t> buckets_;      // entries_ of bucket b: [buckets_[b], buckets_[b+1])
  unsigned bucket_shift_ = 0;               // a key's bucket: its first 64 bits >> bucket_shift_
  std::vector<Profile> profiles_;
  std::optional<storage::ChangeStamp> caught_up_at_;  // nullopt: not yet, or dropped
  std::int64_t last_change_ = 0;  // the log's newest change applied
  bool loaded_ = false;
  std::mutex catch_up_mutex_;  // one catch-up at a time
};

}  // namespace ssooidc::domain
