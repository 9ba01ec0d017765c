#include "domain/pending_cache.h"

namespace ssooidc::domain {

std::optional<storage::DeviceAuthorizationRecord> PendingCache::find(
    std::string_view device_code_hash, const storage::ChangeStamp& stamp) {
  const std::scoped_lock lock(mutex_);
  const auto it = entries_.find(device_code_hash);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.stamp != stamp) {
    entries_.erase(it);  // something was committed since: the row may have changed
    return std::nullopt;
  }
  return it->second.record;
}

std::optional<storage::DeviceAuthorizationRecord> PendingCache::find_for_poll(
    std::string_view device_code_hash, const storage::ChangeStamp& stamp,
    std::string_view client_id) {
  const std::scoped_lock lock(mutex_);
  const auto it = entries_.find(device_code_hash);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.stamp != stamp) {
    entries_.erase(it);  // as find(): the row may have changed
    return std::nullopt;
  }
  const storage::DeviceAuthorizationRecord& kept = it->second.record;
  if (kept.client_id != client_id) return std::nullopt;
  storage::DeviceAuthorizationRecord poll;
  poll.user_code = kept.user_code;  // eight letters: within the string's own buffer
  poll.created_at = kept.created_at;
  poll.expires_at = kept.expires_at;
  poll.interval = kept.interval;
  poll.state = kept.state;
  return poll;
}

bool PendingCache::contains(std::string_view device_code_hash) {
  const std::scoped_lock lock(mutex_);
  return entries_.find(device_code_hash) != entries_.end();
}

void PendingCache::remember(const storage::DeviceAuthorizationRecord& record,
                            const storage::ChangeStamp& stamp) {
  if (record.state != storage::DeviceState::kPending) return;
  const std::scoped_lock lock(mutex_);
  if (entries_.size() >= kMaxEntries && !entries_.contains(record.device_code_hash))
    entries_.clear();
  entries_.insert_or_assign(record.device_code_hash, Entry{record, stamp});
}

}  // namespace ssooidc::domain
