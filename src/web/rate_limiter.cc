#include "web/rate_limiter.h"

#include <algorithm>
#include <vector>

namespace ssooidc::web {

RateLimiter::RateLimiter(const core::Clock& clock, RateLimit limit, std::size_t max_keys)
    : clock_(clock), limit_(limit), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void RateLimiter::expire_locked(std::deque<std::int64_t>& failures, std::int64_t now) const {
  const std::int64_t window_ms = limit_.window_seconds * 1000;
  while (!failures.empty() && failures.front() + window_ms <= now) failures.pop_front();
}

bool RateLimiter::blocked_locked(const std::deque<std::int64_t>& failures) const {
  return static_cast<int>(failures.size()) >= limit_.max_failures;
}

std::int64_t RateLimiter::retry_after_locked(const std::deque<std::int64_t>& failures,
                                             std::int64_t now) const {
  if (!blocked_locked(failures)) return 0;
  // Blocked until the oldest failure that keeps the count at the limit leaves the window.
  const std::size_t oldest = failures.size() - static_cast<std::size_t>(limit_.max_failures);
  const std::int64_t free_at = failures[oldest] + limit_.window_seconds * 1000;
  return std::max<std::int64_t>(1, (free_at - now + 999) / 1000);
}

std::int64_t RateLimiter::retry_after_seconds(std::string_view key) {
  const std::int64_t now = clock_.monotonic_millis();
  std::lock_guard lock(mutex_);
  auto it = failures_.find(std::string(key));
  if (it == failures_.end()) return 0;
  expire_locked(it->second, now);
  return retry_after_locked(it->second, now);
}

std::unordered_map<std::string, std::deque<std::int64_t>>::iterator RateLimiter::entry_locked(
    std::string_view key, std::int64_t now) {
  auto it = failures_.find(std::string(key));
  if (it != failures_.end()) {
    expire_locked(it->second, now);
    return it;
  }
  if (failures_.size() >= max_keys_ && !make_room_locked(now)) return failures_.end();
  return failures_.emplace(std::string(key), std::deque<std::int64_t>{}).first;
}

std::int64_t RateLimiter::try_acquire(std::string_view key) {
  const std::int64_t now = clock_.monotonic_millis();
  std::lock_guard lock(mutex_);
  auto it = entry_locked(key, now);
  if (it == failures_.end()) return limit_.window_seconds;  // full of blocked keys: fail closed
  if (const std::int64_t retry = retry_after_locked(it->second, now); retry > 0) return retry;
  it->second.push_back(now);
  return 0;
}

void RateLimiter::refund(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(std::string(key));
  if (it == failures_.end() || it->second.empty()) return;
  it->second.pop_back();
  if (it->second.empty()) failures_.erase(it);
}

void RateLimiter::record_failure(std::string_view key) {
  const std::int64_t now = clock_.monotonic_millis();
  std::lock_guard lock(mutex_);
  auto it = entry_locked(key, now);
  if (it == failures_.end()) return;
  auto& failures = it->second;
  failures.push_back(now);
  // Only the newest max_failures timestamps can ever decide a block.
  while (static_cast<int>(failures.size()) > std::max(limit_.max_failures, 1)) failures.pop_front();
}

void RateLimiter::reset(std::string_view key) {
  std::lock_guard lock(mutex_);
  failures_.erase(std::string(key));
}

bool RateLimiter::make_room_locked(std::int64_t now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    expire_locked(it->second, now);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
  if (failures_.size() < max_keys_) return true;
  // Still full of live keys: drop the least recently failed half of those not blocked, so this
  // stays amortised O(1). Blocked keys stay whatever their age.
  std::vector<std::pair<std::int64_t, std::string>> by_age;
  by_age.reserve(failures_.size());
  for (const auto& [key, times] : failures_)
    if (!blocked_locked(times)) by_age.emplace_back(times.back(), key);
  if (by_age.empty()) return false;
  const std::size_t drop = std::min(by_age.size(), failures_.size() / 2 + 1);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_age.end());
  for (std::size_t i = 0; i < drop; ++i) failures_.erase(by_age[i].second);
  return true;
}

}  // namespace ssooidc::web
