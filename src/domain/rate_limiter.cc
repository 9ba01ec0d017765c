#include "domain/rate_limiter.h"

#include <algorithm>
#include <utility>

#include "domain/context.h"
#include "storage/storage_error.h"

namespace ssooidc::domain {
namespace {

std::int64_t whole_seconds(std::int64_t millis) {
  return std::max<std::int64_t>(1, (millis + 999) / 1000);
}

}  // namespace

RatePolicy RatePolicy::window(std::string bucket, std::int64_t max_attempts,
                              std::int64_t window_seconds) {
  return {std::move(bucket), Kind::kWindow, max_attempts, window_seconds * 1000};
}

RatePolicy RatePolicy::per_minute(std::string bucket, std::int64_t per_minute, std::int64_t burst) {
  if (per_minute <= 0) return {std::move(bucket), Kind::kTokenBucket, 0, 0};
  return {std::move(bucket), Kind::kTokenBucket, std::max<std::int64_t>(burst, 1),
          std::max<std::int64_t>(1, 60'000 / per_minute)};
}

RatePolicy RatePolicy::per_second(std::string bucket, std::int64_t per_second, std::int64_t burst) {
  if (per_second <= 0) return {std::move(bucket), Kind::kTokenBucket, 0, 0};
  return {std::move(bucket), Kind::kTokenBucket, std::max<std::int64_t>(burst, 1),
          std::max<std::int64_t>(1, 1000 / per_second)};
}

RateLimiter::RateLimiter(Context& ctx, RatePolicy policy, std::int64_t max_keys)
    : ctx_(ctx), policy_(std::move(policy)),
      max_keys_(std::max<std::int64_t>(max_keys, 1)) {}

std::expected<std::int64_t, Error> RateLimiter::change(std::string_view key, Change what) {
  const std::int64_t limit = policy_.limit;
  const std::int64_t period = policy_.period_ms;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const std::int64_t now = ctx_.clock.now_epoch_millis();
    auto found = ctx_.storage.rate_counters().find(policy_.bucket, key);
    if (!found) return std::unexpected(std::move(found.error()));
    const bool live = *found && (*found)->expires_at_ms > now;
    if (what == Change::kRefund && !live) return 0;

    storage::RateCounterRecord next;
    next.bucket = policy_.bucket;
    next.key = std::string(key);
    std::vector<std::int64_t>& marks = next.marks_ms;
    if (live) marks = (*found)->marks_ms;
    std::int64_t wait = 0;

    if (policy_.kind == RatePolicy::Kind::kWindow) {
      std::erase_if(marks, [&](std::int64_t at) { return at + period <= now; });
      const auto size = static_cast<std::int64_t>(marks.size());
      if (what == Change::kRefund) {
        if (marks.empty()) return 0;
        marks.pop_back();
      } else if (what == Change::kAcquire && size >= limit) {
        wait = marks[static_cast<std::size_t>(size - limit)] + period - now;
      } else {
        marks.push_back(now);
        // Only the newest `limit` attempts can ever decide a block.
        while (static_cast<std::int64_t>(marks.size()) > std::max<std::int64_t>(limit, 1))
          marks.erase(marks.begin());
      }
      const auto kept = static_cast<std::int64_t>(marks.size());
      next.blocked_until_ms =
          kept >= limit && kept > 0 ? marks[static_cast<std::size_t>(kept - limit)] + period : 0;
      next.expires_at_ms = marks.empty() ? now : marks.back() + period;
    } else {
      // GCRA: `tat` is when the bucket would be full again.
      std::int64_t tat = std::max(marks.empty() ? now : marks.front(), now);
      const std::int64_t tolerance = (limit - 1) * period;
      if (what == Change::kRefund) {
        tat = std::max(now, tat - period);
      } else if (what == Change::kAcquire && tat - now > tolerance) {
        wait = tat - now - tolerance;
      } else {
        tat += period;
      }
      marks = {tat};
      next.blocked_until_ms = tat - now > tolerance ? tat - tolerance : 0;
      next.expires_at_ms = tat;
    }
    if (wait > 0) return wait;  // refused: nothing to write

    auto written = ctx_.storage.rate_counters().put(next, *found ? (*found)->version : 0, now, max_keys_);
    if (!written) return std::unexpected(std::move(written.error()));
    switch (*written) {
      case storage::CounterWrite::kWritten:
        return 0;
      case storage::CounterWrite::kFull:
        // Every counter of the bucket is blocked: refuse the newcomer (fail closed); an
        // unconditional record or a refund of a counter that is not there has nothing to keep.
        if (what != Change::kAcquire) return 0;
        return policy_.kind == RatePolicy::Kind::kWindow ? period : limit * period;
      case storage::CounterWrite::kLost:
        break;  // another process wrote the counter first: read it again
    }
  }
  return std::unexpected(storage::storage_error(storage::StorageErrorCode::kConflict,
                                                "rate limit " + policy_.bucket,
                                                "the counter kept changing under this process"));
}

std::expected<std::int64_t, Error> RateLimiter::try_acquire(std::string_view key) {
  if (!enabled()) return 0;
  auto wait = change(key, Change::kAcquire);
  if (!wait) return std::unexpected(std::move(wait.error()));
  return *wait > 0 ? whole_seconds(*wait) : 0;
}

std::expected<void, Error> RateLimiter::refund(std::string_view key) {
  if (!enabled()) return {};
  auto done = change(key, Change::kRefund);
  if (!done) return std::unexpected(std::move(done.error()));
  return {};
}

std::expected<void, Error> RateLimiter::record(std::string_view key) {
  if (!enabled()) return {};
  auto done = change(key, Change::kRecord);
  if (!done) return std::unexpected(std::move(done.error()));
  return {};
}

std::expected<void, Error> RateLimiter::reset(std::string_view key) {
  if (!enabled()) return {};
  auto removed = ctx_.storage.rate_counters().remove(policy_.bucket, key);
  if (!removed) return std::unexpected(std::move(removed.error()));
  return {};
}

std::expected<std::int64_t, Error> RateLimiter::retry_after_seconds(std::string_view key) {
  if (!enabled()) return 0;
  const std::int64_t now = ctx_.clock.now_epoch_millis();
  auto found = ctx_.storage.rate_counters().find(policy_.bucket, key);
  if (!found) return std::unexpected(std::move(found.error()));
  if (!*found || (*found)->blocked_until_ms <= now || (*found)->expires_at_ms <= now) return 0;
  return whole_seconds((*found)->blocked_until_ms - now);
}

}  // namespace ssooidc::domain
