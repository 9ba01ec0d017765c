#include "domain/shared_state.h"

#include <utility>

#include "crypto/crypto.h"
#include "domain/context.h"

namespace ssooidc::domain {

SharedState::SharedState(Context& ctx, std::string server_key)
    : ctx_(ctx),
      server_key_(std::move(server_key)),
      process_id_(crypto::random_token(ctx.random, "p.", 16)) {
  if (server_key_.size() != 32) server_key_ = ctx_.random.bytes(32);
}

RateLimiter SharedState::rate_limiter(RatePolicy policy, std::int64_t max_keys) {
  return RateLimiter(ctx_, std::move(policy), max_keys);
}

BrowserSessions SharedState::browser_sessions(BrowserSessionLimits limits) {
  return BrowserSessions(ctx_, limits);
}

std::string SharedState::derived_key(std::string_view purpose) const {
  return crypto::hmac_sha256(server_key_, std::string("ssooidc derived key\n").append(purpose));
}

std::expected<bool, Error> SharedState::lead(std::string_view job, std::int64_t for_millis) {
  const std::int64_t now = ctx_.clock.now_epoch_millis();
  return ctx_.storage.leases().acquire(job, process_id_, now, now + for_millis);
}

std::expected<bool, Error> SharedState::release(std::string_view job) {
  return ctx_.storage.leases().release(job, process_id_);
}

std::expected<std::int64_t, Error> SharedState::purge_expired() {
  auto counters = ctx_.storage.rate_counters().purge_expired(ctx_.clock.now_epoch_millis());
  if (!counters) return std::unexpected(std::move(counters.error()));
  auto polls = ctx_.storage.poll_counts().purge_expired(ctx_.clock.now_epoch_seconds());
  if (!polls) return std::unexpected(std::move(polls.error()));
  auto grace = ctx_.storage.retry_grace().purge_expired(ctx_.clock.now_epoch_millis());
  if (!grace) return std::unexpected(std::move(grace.error()));
  return *counters + *polls + *grace;
}

}  // namespace ssooidc::domain
