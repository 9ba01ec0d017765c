// Remembers, in memory, when each pending device code was last polled, to answer slow_down
// (RFC 8628 section 3.5) without a durable write per poll.
//
// The AWS CLI polls twice back to back before it first sleeps (reference 6.3), so the first
// `kFreePolls` polls of a device code are never slowed down. After that a poll that arrives sooner
// than the required interval is told to slow down, and, as the RFC obliges the client to add 5 s,
// the required interval grows by 5 s for every slow_down answered.
//
// Across processes (issue 12): a client whose polls are spread over N server processes polls each
// of them N times less often, which the per-process check alone cannot see. So each process also
// reports the polls it accepted to a shared count in storage (storage::PollCountStore), and learns
// the total of every process from the answer: every accepted poll while the shared count is not
// past kFreePolls (the opening back-to-back polls, which round-robin spreads over the processes),
// then every kSharedReportEvery accepted polls of a code. A poll is too fast when the total
// accepted polls exceed what the interval allows since the first reported poll:
//   kFreePolls + elapsed / (interval - kToleranceMillis).
// One process alone never trips this (each of its accepted polls is at least interval - tolerance
// after the previous), so single-process behaviour is exactly the per-process check. What it
// costs: the opening polls are seen at once wherever they land (a third back-to-back poll is
// slowed down on any process), but later the polls of the other processes since their last
// report are unseen, so a client spread over N processes may get about N * kSharedReportEvery
// polls ahead before it is slowed down; and one UPDATE (committed without fsync on SQLite) per
// accepted opening poll and then per kSharedReportEvery accepted polls, per process per pending
// code: never one per poll, and none for a poll answered slow_down. There is no extra read on the
// polling path (the total comes back from the write).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ssooidc::domain {

class PollTracker {
 public:
  static constexpr int kFreePolls = 2;
  // Leeway for timer skew between a client's sleep and our clock.
  static constexpr std::int64_t kToleranceMillis = 250;
  static constexpr std::int64_t kSlowDownStepMillis = 5000;
  static constexpr std::int64_t kSharedReportEvery = 4;

  struct Verdict {
    bool too_fast = false;
    // When > 0: report this many accepted polls, the first at `report_first_epoch_ms`, to the
    // shared count, and pass the total to learn_shared().
    std::int64_t report_polls = 0;
    std::int64_t report_first_epoch_ms = 0;
  };

  // Records a poll at `now_millis` (monotonic; `now_epoch_millis` wall time, for the shared
  // count) and says whether it came too fast and whether to report to the shared count.
  // `interval_seconds` <= 0 disables slow_down. Entries are dropped after `forget_after_millis`.
  Verdict poll(std::string_view device_code_hash, std::int32_t interval_seconds,
               std::int64_t now_millis, std::int64_t now_epoch_millis,
               std::int64_t forget_after_millis);
  // The shared count after a report: every process's accepted polls and the first of them.
  // True when that total says the poll just reported came too fast (it is then answered
  // slow_down, and the required interval grows as for any slow_down).
  bool learn_shared(std::string_view device_code_hash, std::int64_t total_polls,
                    std::int64_t first_poll_epoch_ms, std::int32_t interval_seconds,
                    std::int64_t now_epoch_millis);

  // As poll(), but on the I/O thread (issue 15): nullopt, recording nothing, when this poll would
  // have to be reported to the shared count (a write), so that the caller asks poll() on a
  // thread that may block instead.
  std::optional<Verdict> poll_without_report(std::string_view device_code_hash,
                                             std::int32_t interval_seconds,
                                             std::int64_t now_millis,
                                             std::int64_t now_epoch_millis,
                                             std::int64_t forget_after_millis);

  // The per-process check alone (poll() without the shared count): true when it came too fast.
  bool too_fast(std::string_view device_code_hash, std::int32_t interval_seconds,
                std::int64_t now_millis, std::int64_t forget_after_millis);
  // Drops the entry of a device code that no longer needs tracking (redeemed, denied, expired).
  void forget(std::string_view device_code_hash);
  std::size_t size() const;

 private:
  struct Entry {
    std::int64_t last_poll_millis = 0;
    std::int64_t required_gap_millis = 0;
    std::int64_t forget_after_millis = 0;
    int polls = 0;
    std::int64_t unreported = 0;              // accepted polls not yet reported
    std::int64_t first_unreported_epoch_ms = 0;
    std::int64_t shared_polls = 0;            // total at the last report; 0: none yet
    std::int64_t shared_first_epoch_ms = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  // poll() and poll_without_report(): nullopt only when !may_report and it would report.
  std::optional<Verdict> record(std::string_view device_code_hash, std::int32_t interval_seconds,
                                std::int64_t now_millis, std::int64_t now_epoch_millis,
                                std::int64_t forget_after_millis, bool may_report);
  void sweep_locked(std::int64_t now_millis);
  // More than kFreePolls + elapsed / (interval - tolerance) polls since the first.
  static bool beyond_shared_allowance(std::int64_t polls, std::int64_t first_poll_epoch_ms,
                                      std::int32_t interval_seconds,
                                      std::int64_t now_epoch_millis) noexcept;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  std::int64_t next_sweep_millis_ = 0;
};

}  // namespace ssooidc::domain
