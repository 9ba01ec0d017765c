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
