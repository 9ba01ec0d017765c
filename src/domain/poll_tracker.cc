#include "domain/poll_tracker.h"

namespace ssooidc::domain {

bool PollTracker::too_fast(std::string_view device_code_hash, std::int32_t interval_seconds,
                           std::int64_t now_millis, std::int64_t forget_after_millis) {
  if (interval_seconds <= 0) return false;
  std::lock_guard lock(mutex_);
  if (now_millis >= next_sweep_millis_) sweep_locked(now_millis);
  auto [it, inserted] = entries_.try_emplace(std::string(device_code_hash));
  Entry& e = it->second;
  if (inserted) {
    e.required_gap_millis = static_cast<std::int64_t>(interval_seconds) * 1000;
    e.forget_after_millis = forget_after_millis;
  }
  const std::int64_t gap = now_millis - e.last_poll_millis;
  e.polls++;
  e.last_poll_millis = now_millis;
  if (e.polls <= kFreePolls) return false;
  if (gap + kToleranceMillis >= e.required_gap_millis) return false;
  e.required_gap_millis += kSlowDownStepMillis;
  return true;
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
