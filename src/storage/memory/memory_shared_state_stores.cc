#include "storage/memory/memory_shared_state_stores.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "storage/memory/string_map.h"
#include "storage/storage_error.h"

namespace ssooidc::storage {
namespace {

bool ended(const WebSessionRecord& s, const WebSessionLimits& limits, std::int64_t now) {
  return now - s.last_seen >= limits.idle_seconds || now - s.created_at >= limits.absolute_seconds;
}

class MemoryWebSessionStore final : public WebSessionStore {
 public:
  Result<bool> insert(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override {
    std::lock_guard lock(mutex_);
    if (sessions_.contains(session.id_hash))
      return std::unexpected(storage_error(StorageErrorCode::kAlreadyExists, "insert web session",
                                           "session id hash already exists"));
    if (!make_room_locked(session.signed_in(), limits, now)) return false;
    sessions_.emplace(session.id_hash, session);
    return true;
  }

  Result<std::optional<WebSessionRecord>> find(std::string_view id_hash,
                                               const WebSessionLimits& limits,
                                               std::int64_t now) override {
    std::lock_guard lock(mutex_);
    auto it = live_locked(id_hash, limits, now);
    if (it == sessions_.end()) return std::nullopt;
    if (now - it->second.last_seen >= limits.touch_seconds) it->second.last_seen = now;
    return it->second;
  }

  Result<bool> update(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override {
    std::lock_guard lock(mutex_);
    auto it = live_locked(session.id_hash, limits, now);
    if (it == sessions_.end()) return false;
    it->second.user_name = session.user_name;
    it->second.checked_user_codes = session.checked_user_codes;
    it->second.last_seen = now;
    return true;
  }

  Result<std::optional<WebSessionRecord>> renew(std::string_view old_id_hash,
                                                std::string_view new_id_hash,
                                                const WebSessionLimits& limits,
                                                std::int64_t now) override {
    std::lock_guard lock(mutex_);
    if (sessions_.contains(new_id_hash))
      return std::unexpected(storage_error(StorageErrorCode::kAlreadyExists, "renew web session",
                                           "session id hash already exists"));
    auto it = live_locked(old_id_hash, limits, now);
    if (it == sessions_.end()) return std::nullopt;
    WebSessionRecord s = std::move(it->second);
    sessions_.erase(it);
    s.id_hash = std::string(new_id_hash);
    s.created_at = s.last_seen = now;
    sessions_.emplace(s.id_hash, s);
    return s;
  }

  Result<bool> remove(std::string_view id_hash) override {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id_hash);
    if (it == sessions_.end()) return false;
    sessions_.erase(it);
    return true;
  }

  Result<std::int64_t> purge_ended(const WebSessionLimits& limits, std::int64_t now) override {
    std::lock_guard lock(mutex_);
    return static_cast<std::int64_t>(
        std::erase_if(sessions_, [&](const auto& e) { return ended(e.second, limits, now); }));
  }

  Result<std::int64_t> count() override {
    std::lock_guard lock(mutex_);
    return static_cast<std::int64_t>(sessions_.size());
  }

 private:
  StringMap<WebSessionRecord>::iterator live_locked(std::string_view id_hash,
                                                    const WebSessionLimits& limits,
                                                    std::int64_t now) {
    auto it = sessions_.find(id_hash);
    if (it == sessions_.end()) return it;
    if (ended(it->second, limits, now)) {
      sessions_.erase(it);
      return sessions_.end();
    }
    return it;
  }

  bool make_room_locked(bool for_signed_in, const WebSessionLimits& limits, std::int64_t now) {
    const auto full = [&] { return static_cast<std::int64_t>(sessions_.size()) >= limits.max_sessions; };
    if (!full()) return true;
    std::erase_if(sessions_, [&](const auto& e) { return ended(e.second, limits, now); });
    if (!full()) return true;
    if (drop_least_recently_seen(/*signed_in=*/false)) return true;
    return for_signed_in && drop_least_recently_seen(/*signed_in=*/true);
  }

  bool drop_least_recently_seen(bool signed_in) {
    std::vector<std::pair<std::int64_t, std::string>> by_use;
    for (const auto& [key, s] : sessions_)
      if (s.signed_in() == signed_in) by_use.emplace_back(s.last_seen, key);
    if (by_use.empty()) return false;
    const std::size_t drop =
        std::min(by_use.size(), std::max<std::size_t>(1, sessions_.size() / 10));
    std::nth_element(by_use.begin(), by_use.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                     by_use.end());
    for (std::size_t i = 0; i < drop; ++i) sessions_.erase(by_use[i].second);
    return true;
  }

  std::mutex mutex_;
  StringMap<WebSessionRecord> sessions_;  // by id_hash
};

class MemoryRateCounterStore final : public RateCounterStore {
 public:
  Result<std::optional<RateCounterRecord>> find(std::string_view bucket,
                                                std::string_view key) override {
    std::lock_guard lock(mutex_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return std::nullopt;
    auto it = b->second.find(key);
    if (it == b->second.end()) return std::nullopt;
    return it->second;
  }

  Result<CounterWrite> put(const RateCounterRecord& next, std::int64_t expected_version,
                           std::int64_t now_ms, std::int64_t max_keys) override {
    std::lock_guard lock(mutex_);
    auto& bucket = buckets_[next.bucket];
    auto it = bucket.find(next.key);
    if (expected_version != 0) {
      if (it == bucket.end() || it->second.version != expected_version) return CounterWrite::kLost;
      it->second = next;
      it->second.version = expected_version + 1;
      return CounterWrite::kWritten;
    }
    if (it != bucket.end()) return CounterWrite::kLost;
    if (!make_room_locked(bucket, now_ms, max_keys)) return CounterWrite::kFull;
    RateCounterRecord stored = next;
    stored.version = 1;
    bucket.emplace(stored.key, std::move(stored));
    return CounterWrite::kWritten;
  }

  Result<bool> remove(std::string_view bucket, std::string_view key) override {
    std::lock_guard lock(mutex_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return false;
    auto it = b->second.find(key);
    if (it == b->second.end()) return false;
    b->second.erase(it);
    return true;
  }

  Result<std::int64_t> purge_expired(std::int64_t now_ms) override {
    std::lock_guard lock(mutex_);
    std::int64_t n = 0;
    for (auto& [name, bucket] : buckets_)
      n += static_cast<std::int64_t>(
          std::erase_if(bucket, [&](const auto& e) { return e.second.expires_at_ms <= now_ms; }));
    return n;
  }

  Result<std::int64_t> count(std::string_view bucket) override {
    std::lock_guard lock(mutex_);
    auto b = buckets_.find(bucket);
    return b == buckets_.end() ? 0 : static_cast<std::int64_t>(b->second.size());
  }

 private:
  using Bucket = StringMap<RateCounterRecord>;

  static bool make_room_locked(Bucket& bucket, std::int64_t now_ms, std::int64_t max_keys) {
    const auto full = [&] { return static_cast<std::int64_t>(bucket.size()) >= max_keys; };
    if (!full()) return true;
    std::erase_if(bucket, [&](const auto& e) { return e.second.expires_at_ms <= now_ms; });
    if (!full()) return true;
    std::vector<std::pair<std::int64_t, std::string>> by_expiry;
    for (const auto& [key, counter] : bucket)
      if (counter.blocked_until_ms <= now_ms) by_expiry.emplace_back(counter.expires_at_ms, key);
    if (by_expiry.empty()) return false;
    const std::size_t drop =
        std::min(by_expiry.size(), std::max<std::size_t>(1, bucket.size() / 10));
    std::nth_element(by_expiry.begin(),
                     by_expiry.begin() + static_cast<std::ptrdiff_t>(drop - 1), by_expiry.end());
    for (std::size_t i = 0; i < drop; ++i) bucket.erase(by_expiry[i].second);
    return true;
  }

  std::mutex mutex_;
  StringMap<Bucket> buckets_;
};

class MemoryPollCountStore final : public PollCountStore {
 public:
  Result<PollCount> add(std::string_view device_code_hash, std::int64_t polls,
                        std::int64_t first_poll_ms, std::int64_t expires_at) override {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = counts_.try_emplace(std::string(device_code_hash));
    Entry& e = it->second;
    if (inserted) {
      e.count = {polls, first_poll_ms};
      e.expires_at = expires_at;
    } else {
      e.count.polls += polls;
      e.count.first_poll_ms = std::min(e.count.first_poll_ms, first_poll_ms);
    }
    return e.count;
  }

  Result<std::int64_t> purge_expired(std::int64_t before) override {
    std::lock_guard lock(mutex_);
    return static_cast<std::int64_t>(
        std::erase_if(counts_, [&](const auto& e) { return e.second.expires_at < before; }));
  }

 private:
  struct Entry {
    PollCount count;
    std::int64_t expires_at = 0;
  };
  std::mutex mutex_;
  StringMap<Entry> counts_;
};

class MemoryLeaseStore final : public LeaseStore {
 public:
  Result<bool> acquire(std::string_view name, std::string_view holder, std::int64_t now_ms,
                       std::int64_t until_ms) override {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(name);
    if (it != leases_.end() && it->second.holder != holder && it->second.expires_at_ms > now_ms)
      return false;
    leases_[std::string(name)] = LeaseRecord{std::string(name), std::string(holder), until_ms};
    return true;
  }

  Result<bool> release(std::string_view name, std::string_view holder) override {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(name);
    if (it == leases_.end() || it->second.holder != holder) return false;
    leases_.erase(it);
    return true;
  }

  Result<std::optional<LeaseRecord>> find(std::string_view name) override {
    std::lock_guard lock(mutex_);
    auto it = leases_.find(name);
    if (it == leases_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mutex_;
  StringMap<LeaseRecord> leases_;
};

class MemoryRetryGraceStore final : public RetryGraceStore {
 public:
  Result<void> put(std::string_view key_hash, std::string_view sealed, std::int64_t now_ms,
                   std::int64_t expires_at_ms) override {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const auto& e) { return e.second.second <= now_ms; });
    entries_[std::string(key_hash)] = {std::string(sealed), expires_at_ms};
    return {};
  }

  Result<std::optional<std::string>> find(std::string_view key_hash,
                                          std::int64_t now_ms) override {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key_hash);
    if (it == entries_.end() || it->second.second <= now_ms) return std::nullopt;
    return it->second.first;
  }

  Result<std::int64_t> purge_expired(std::int64_t now_ms) override {
    std::lock_guard lock(mutex_);
    return static_cast<std::int64_t>(
        std::erase_if(entries_, [&](const auto& e) { return e.second.second <= now_ms; }));
  }

 private:
  std::mutex mutex_;
  StringMap<std::pair<std::string, std::int64_t>> entries_;  // sealed, expires_at_ms
};

}  // namespace

MemorySharedStateStores::MemorySharedStateStores()
    : sessions_(std::make_unique<MemoryWebSessionStore>()),
      counters_(std::make_unique<MemoryRateCounterStore>()),
      polls_(std::make_unique<MemoryPollCountStore>()),
      leases_(std::make_unique<MemoryLeaseStore>()),
      grace_(std::make_unique<MemoryRetryGraceStore>()) {}

MemorySharedStateStores::~MemorySharedStateStores() = default;

}  // namespace ssooidc::storage
