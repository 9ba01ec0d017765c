#include "domain/shared_state.h"

#include <utility>

#include "crypto/crypto.h"

namespace ssooidc::domain {

SharedState::SharedState(storage::Storage& storage, const core::Clock& clock,
                         core::Random& random, std::string server_key)
    : storage_(storage),
      clock_(clock),
      random_(random),
      server_key_(std::move(server_key)),
      process_id_(crypto::random_token(random, "p.", 16)) {
  if (server_key_.size() != 32) server_key_ = random_.bytes(32);
}

RateLimiter SharedState::rate_limiter(RatePolicy policy, std::int64_t max_keys) {
  return RateLimiter(storage_.rate_counters(), clock_, std::move(policy), max_keys);
}

BrowserSessions SharedState::browser_sessions(BrowserSessionLimits limits) {
  return BrowserSessions(storage_.web_sessions(), clock_, random_, limits);
}

std::string SharedState::derived_key(std::string_view purpose) const {
  return crypto::hmac_sha256(server_key_, std::string("ssooidc derived key\n").append(purpose));
}

std::expected<bool, Error> SharedState::lead(std::string_view job, std::int64_t for_millis) {
  const std::int64_t now = clock_.now_epoch_millis();
  return storage_.leases().acquire(job, process_id_, now, now + for_millis);
}

std::expected<std::int64_t, Error> SharedState::purge_expired() {
  auto counters = storage_.rate_counters().purge_expired(clock_.now_epoch_millis());
  if (!counters) return std::unexpected(std::move(counters.error()));
  auto polls = storage_.poll_counts().purge_expired(clock_.now_epoch_seconds());
  if (!polls) return std::unexpected(std::move(polls.error()));
  auto grace = storage_.retry_grace().purge_expired(clock_.now_epoch_millis());
  if (!grace) return std::unexpected(std::move(grace.error()));
  return *counters + *polls + *grace;
}

}  // namespace ssooidc::domain
