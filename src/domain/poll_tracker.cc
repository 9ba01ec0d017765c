#include "domain/poll_tracker.h"

#include <algorithm>

namespace ssooidc::domain {

PollTracker::Verdict PollTracker::poll(std::string_view device_code_hash,
                                       std::int32_t interval_seconds, std::int64_t now_millis,
                                       std::int64_t now_epoch_millis,
                                       std::int64_t forget_after_millis) {
  return *record(device_code_hash, interval_seconds, now_millis, now_epoch_millis,
                 forget_after_millis, /*may_report=*/true);
}

std::optional<PollTracker::Verdict> PollTracker::poll_without_report(
    std::string_view device_code_hash, std::int32_t interval_seconds, std::int64_t now_millis,
    std::int64_t now_epoch_millis, std::int64_t forget_after_millis) {
  return record(device_code_hash, interval_seconds, now_millis, now_epoch_millis,
                forget_after_millis, /*may_report=*/false);
}

std::optional<PollTracker::Verdict> PollTracker::record(std::string_view device_code_hash,
                                                        std::int32_t interval_seconds,
                                                        std::int64_t now_millis,
                                                        std::int64_t now_epoch_millis,
                                                        std::int64_t forget_after_millis,
                                                        bool may_report) {
  Verdict verdict;
  if (interval_seconds <= 0) return verdict;
  std::lock_guard lock(mutex_);
  if (now_millis >= next_sweep_millis_) sweep_locked(now_millis);
  const std::int64_t interval_millis = static_cast<std::int64_t>(interval_seconds) * 1000;
  auto it = entries_.find(device_code_hash);
  if (it == entries_.end()) {
    if (!may_report) return std::nullopt;  // a code's first poll is always reported (opening)
    it = entries_.try_emplace(std::string(device_code_hash)).first;
    it->second.required_gap_millis = interval_millis;
    it->second.forget_after_millis = forget_after_millis;
  }
  Entry& e = it->second;
  const std::int64_t gap = now_millis - e.last_poll_millis;
  // Too fast here, or (once some have been reported) against every process's accepted polls.
  const bool too_fast =
      (e.polls + 1 > kFreePolls && gap + kToleranceMillis < e.required_gap_millis) ||
      (e.shared_polls > 0 &&
       beyond_shared_allowance(e.shared_polls + e.unreported + 1, e.shared_first_epoch_ms,
                               interval_seconds, now_epoch_millis));
  // Until the shared count is past the free polls, every accepted poll is reported: the back-to-
  // back polls a client opens with may each land on another process.
  const bool opening = e.shared_polls <= kFreePolls;
  const bool reports = !too_fast && (opening || e.unreported + 1 >= kSharedReportEvery);
  if (reports && !may_report) return std::nullopt;  // nothing recorded
  e.polls++;
  e.last_poll_millis = now_millis;
  if (too_fast) {
    e.required_gap_millis += kSlowDownStepMillis;
    verdict.too_fast = true;
    return verdict;
  }
  if (e.unreported++ == 0) e.first_unreported_epoch_ms = now_epoch_millis;
  if (reports) {
    verdict.report_polls = e.unreported;
    verdict.report_first_epoch_ms = e.first_unreported_epoch_ms;
    e.unreported = 0;
  }
  return verdict;
}

bool PollTracker::learn_shared(std::string_view device_code_hash, std::int64_t total_polls,
                               std::int64_t first_poll_epoch_ms, std::int32_t interval_seconds,
                               std::int64_t now_epoch_millis) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(device_code_hash));
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  e.shared_polls = total_polls;
  e.shared_first_epoch_ms = first_poll_epoch_ms;
  if (!beyond_shared_allowance(total_polls + e.unreported, first_poll_epoch_ms, interval_seconds,
                               now_epoch_millis))
    return false;
  e.required_gap_millis += kSlowDownStepMillis;
  return true;
}

bool PollTracker::beyond_shared_allowance(std::int64_t polls, std::int64_t first_poll_epoch_ms,
                                          std::int32_t interval_seconds,
                                          std::int64_t now_epoch_millis) noexcept {
  // One process accepts a poll no sooner than interval - tolerance after the previous, so n of
  // its polls span at least (n - kFreePolls) such steps: one process alone is never beyond it.
  const std::int64_t step = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(interval_seconds) * 1000 - kToleranceMillis);
  const std::int64_t elapsed = std::max<std::int64_t>(0, now_epoch_millis - first_poll_epoch_ms);
  return polls > kFreePolls + elapsed / step;
}

bool PollTracker::too_fast(std::string_view device_code_hash, std::int32_t interval_seconds,
                           std::int64_t now_millis, std::int64_t forget_after_millis) {
  return poll(device_code_hash, interval_seconds, now_millis, 0, forget_after_millis).too_fast;
}

void PollTracker::forget(std::string_view device_code_hash) {
  std::lock_guard lock(mutex_);
  entries_.erase(std::string(device_code_hash));
}

std::size_t PollTracker::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void PollTracker::sweep_locked(std::int64_t now_millis) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.forget_after_millis <= now_millis; });
  next_sweep_millis_ = now_millis + 60'000;
}

}  // namespace ssooidc::domain
