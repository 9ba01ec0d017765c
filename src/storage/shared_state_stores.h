// The stores of the state that every server process must see alike (issue 12, "shared state"):
// browser sessions, rate-limit counters, the coarse shared poll counts behind slow_down, and
// leases that let one process at a time run a job. With these in storage, several processes on
// one SQLite file and many replicas on one PostgreSQL behave as one server: a browser signed in
// on one is signed in on all, a guess counted on one is counted on all.
//
// Part of the storage interface (storage.h includes this header; the same contract applies:
// std::expected everywhere, errors in the vocabulary of storage_error.h naming the operation, any
// thread, compound operations atomic). Every table here is bounded: sessions by a cap given with
// each insert and by expiry, rate counters by a cap per bucket and by expiry, poll counts and
// leases by expiry (purge_*). Backends may commit these writes without fsync: a lost write after
// a power loss costs a person one sign-in or an attacker a few uncounted guesses, never a secret.
//
// Times: sessions and poll counts use epoch seconds like the other stores; rate counters and
// leases epoch milliseconds (wall time, never monotonic: processes on different machines must
// agree on it).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::storage {

template <typename T>
using Result = std::expected<T, Error>;

// ---- browser sessions -----------------------------------------------------------------------

// A browser session of the person's pages. The session id (the cookie) is never stored: only its
// SHA-256 (lower-case hex). The CSRF token is derived from the id by the domain, so it is not
// stored either.
struct WebSessionRecord {
  std::string id_hash;      // lower-case hex SHA-256 of the session id
  std::string browser_key;  // stable across renewals; keys this browser's rate limits
  std::string user_name;    // empty while signed out
  // Normalised user codes this browser found (newest last), at most a handful (the domain's cap).
  std::vector<std::string> checked_user_codes;
  std::int64_t created_at = 0;  // epoch seconds; reset by renew
  std::int64_t last_seen = 0;   // epoch seconds; advanced by find (coarsely) and update

  [[nodiscard]] bool signed_in() const noexcept { return !user_name.empty(); }
};

// How long sessions live and how many there may be. A session has ended at `now` when
// now - last_seen >= idle_seconds or now - created_at >= absolute_seconds.
struct WebSessionLimits {
  std::int64_t idle_seconds = 60 * 60;
  std::int64_t absolute_seconds = 8 * 60 * 60;
  std::int64_t max_sessions = 100'000;
  // find() moves last_seen only when it is at least this old, so that reading a page does not
  // write every time; the idle timeout is then exact to within this many seconds.
  std::int64_t touch_seconds = 60;
};

class WebSessionStore {
 public:
  virtual ~WebSessionStore() = default;
  // Stores a new session. When `limits.max_sessions` are stored, first deletes the ended ones;
  // if still full, the least recently seen signed-out ones (at least one, up to a tenth of the
  // store); only if there are none and `session` is signed in, the least recently seen signed-in
  // ones. Returns false (and stores nothing) when no room can be made: the store is full of
  // signed-in sessions and `session` is signed out. A signed-in session is therefore never
  // evicted to make room for a signed-out one. kAlreadyExists when the id_hash exists.
  [[nodiscard]] virtual Result<bool> insert(const WebSessionRecord& session,
                                            const WebSessionLimits& limits, std::int64_t now) = 0;
  // The live session, or nullopt when unknown or ended (an ended one is deleted). When its
  // last_seen is at least limits.touch_seconds old it is set to `now` (also in the result).
  [[nodiscard]] virtual Result<std::optional<WebSessionRecord>> find(
      std::string_view id_hash, const WebSessionLimits& limits, std::int64_t now) = 0;
  // Saves user_name and checked_user_codes of the live session `session.id_hash` and sets its
  // last_seen to `now`. False (nothing changed) when it is unknown or has ended.
  [[nodiscard]] virtual Result<bool> update(const WebSessionRecord& session,
                                            const WebSessionLimits& limits, std::int64_t now) = 0;
  // Atomically moves the live session `old_id_hash` to `new_id_hash` with created_at and
  // last_seen set to `now` (sign-in, against session fixation) and returns it as stored. nullopt
  // when it is unknown or has ended; `old_id_hash` is gone afterwards either way. kAlreadyExists
  // (nothing changed) when `new_id_hash` exists.
  [[nodiscard]] virtual Result<std::optional<WebSessionRecord>> renew(
      std::string_view old_id_hash, std::string_view new_id_hash, const WebSessionLimits& limits,
      std::int64_t now) = 0;
  // Deletes the session (sign-out, on every process at once). False when there was none.
  [[nodiscard]] virtual Result<bool> remove(std::string_view id_hash) = 0;
  // Deletes the sessions that have ended at `now`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_ended(const WebSessionLimits& limits,
                                                         std::int64_t now) = 0;
  // How many sessions are stored (ended or not).
  [[nodiscard]] virtual Result<std::int64_t> count() = 0;
};

// ---- rate-limit counters --------------------------------------------------------------------

// One counter of domain/rate_limiter.h: the state of one key (an address, a user name, a browser)
// in one bucket (what is limited: "sign_in_per_user", ...). `marks_ms` is the limiter's state:
// the times of the counted events (sliding windows) or one theoretical arrival time (token
// buckets); storage keeps it as given, in order.
struct RateCounterRecord {
  std::string bucket;
  std::string key;
  std::vector<std::int64_t> marks_ms;  // epoch milliseconds; at most a few hundred
  std::int64_t blocked_until_ms = 0;   // the key is refused until then: never evicted before it
  std::int64_t expires_at_ms = 0;      // from then on the counter is as good as absent
  std::int64_t version = 0;            // set by the store: 1 when inserted, +1 on every put
};

enum class CounterWrite {
  kWritten,  // stored; the stored version is expected_version + 1
  kLost,     // the counter was not at expected_version (another process wrote it): re-read, retry
  kFull,     // a new counter, and its bucket is full of blocked ones: nothing stored
};

class RateCounterStore {
 public:
  virtual ~RateCounterStore() = default;
  // The counter, expired or not, or nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<RateCounterRecord>> find(std::string_view bucket,
                                                                      std::string_view key) = 0;
  // Compare-and-set of one counter (`next.version` is ignored). With expected_version 0 it
  // inserts a counter that must not exist; otherwise it replaces the counter whose version is
  // expected_version. kLost (nothing changed) when the stored counter is not as expected.
  // An insert into a bucket holding `max_keys` counters first deletes the bucket's counters
  // expired at `now_ms`, then, if still full, those not blocked at `now_ms`
  // (blocked_until_ms <= now_ms) that expire soonest, at least one and up to a tenth; kFull when
  // every counter of the bucket is blocked (the limiter then refuses: it fails closed).
  [[nodiscard]] virtual Result<CounterWrite> put(const RateCounterRecord& next,
                                                 std::int64_t expected_version,
                                                 std::int64_t now_ms, std::int64_t max_keys) = 0;
  // Deletes the counter. False when there was none.
  [[nodiscard]] virtual Result<bool> remove(std::string_view bucket, std::string_view key) = 0;
  // Deletes every counter expired at `now_ms` (expires_at_ms <= now_ms). Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t now_ms) = 0;
  // Counters stored in `bucket` (for tests and bounds).
  [[nodiscard]] virtual Result<std::int64_t> count(std::string_view bucket) = 0;
};

// ---- shared poll counts (slow_down across processes) ----------------------------------------

// How many polls of one device code the server processes have accepted, as far as they have
// told storage (each tells it every few polls; domain/poll_tracker.h).
struct PollCount {
  std::int64_t polls = 0;
  std::int64_t first_poll_ms = 0;  // epoch milliseconds of the earliest poll reported
};

class PollCountStore {
 public:
  virtual ~PollCountStore() = default;
  // Atomically adds `polls` to the count of `device_code_hash` and lowers its first_poll_ms to
  // `first_poll_ms` if that is earlier; a new count starts at `polls`, `first_poll_ms` and
  // `expires_at` (epoch seconds, the authorization's). Returns the count after the addition.
  [[nodiscard]] virtual Result<PollCount> add(std::string_view device_code_hash,
                                              std::int64_t polls, std::int64_t first_poll_ms,
                                              std::int64_t expires_at) = 0;
  // Deletes the counts that expired before `before` (epoch seconds). Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t before) = 0;
};

// ---- retry grace (a retried redemption gets the same answer on any process) -----------------

// One remembered CreateToken response of domain/retry_grace.h: sealed under a key only the
// presented secret (a refresh token or device code) opens, filed under a hash of client id and
// secret. Storage never sees the response in clear.
// One entry of the retry grace (RetryGraceStore::put's arguments), for a redemption to store in
// its own atomic step: DeviceAuthorizationStore::redeem and TokenStore::rotate take one, so that
// an issuance commits once instead of twice (issue 15: with the put as a second commit every
// issuance waited for two group-commit batches, i.e. two fsyncs).
struct RetryGraceEntry {
  std::string key_hash;
  std::string sealed;
  std::int64_t now_ms = 0;  // the entries expired at this time are deleted, as put() does
  std::int64_t expires_at_ms = 0;
};

class RetryGraceStore {
 public:
  virtual ~RetryGraceStore() = default;
  // Stores (or replaces) the sealed response of `key_hash` until `expires_at_ms`, and deletes the
  // entries expired at `now_ms`, so that the table holds only what one window remembers. SQLite
  // instead gives the entry the row of the oldest expired one, when there is one (its table then
  // holds at most as many rows as were ever unexpired at once; issue 15, session 14).
  [[nodiscard]] virtual Result<void> put(std::string_view key_hash, std::string_view sealed,
                                         std::int64_t now_ms, std::int64_t expires_at_ms) = 0;
  // The sealed response of `key_hash` while unexpired at `now_ms` (expires_at_ms > now_ms), else
  // nullopt.
  [[nodiscard]] virtual Result<std::optional<std::string>> find(std::string_view key_hash,
                                                                std::int64_t now_ms) = 0;
  // Deletes the entries expired at `now_ms`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t now_ms) = 0;
};

// ---- leases (one process at a time) ---------------------------------------------------------

struct LeaseRecord {
  std::string name;    // what it guards: "purge", "signing-key-rotation"
  std::string holder;  // who holds it: a random id per process
  std::int64_t expires_at_ms = 0;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Takes lease `name` for `holder` until `until_ms` when it is free at `now_ms` (never taken,
  // released, or expired: expires_at_ms <= now_ms) or held by `holder` already (a renewal).
  // True when `holder` holds it afterwards; false (nothing changed) while another holder's lease
  // is live. One conditional statement, so of concurrent takers exactly one wins.
  [[nodiscard]] virtual Result<bool> acquire(std::string_view name, std::string_view holder,
                                             std::int64_t now_ms, std::int64_t until_ms) = 0;
  // Ends `holder`'s lease early. False (nothing changed) when `holder` does not hold it.
  [[nodiscard]] virtual Result<bool> release(std::string_view name, std::string_view holder) = 0;
  // The lease, live or expired, or nullopt when it was never taken or was released.
  [[nodiscard]] virtual Result<std::optional<LeaseRecord>> find(std::string_view name) = 0;
};

}  // namespace ssooidc::storage
