#include "domain/test_controls.h"

namespace ssooidc::domain {

bool TestControls::force_poll_errors(std::string user_code, Error error, int count) {
  std::lock_guard lock(mutex_);
  if (count <= 0) {
    forced_.erase(user_code);
    return true;
  }
  if (!forced_.contains(user_code) && forced_.size() >= kMaxMarks) return false;
  forced_[std::move(user_code)] = Forced{std::move(error), count};
  return true;
}

std::optional<Error> TestControls::take_poll_error(std::string_view user_code) {
  std::lock_guard lock(mutex_);
  for (const std::string& key : {std::string(user_code), std::string()}) {
    auto it = forced_.find(key);
    if (it == forced_.end()) continue;
    Error error = it->second.error;
    if (--it->second.left <= 0) forced_.erase(it);
    return error;
  }
  return std::nullopt;
}

bool TestControls::mark(std::unordered_set<std::string>& set, std::string key) {
  std::lock_guard lock(mutex_);
  if (set.contains(key)) return true;
  if (set.size() >= kMaxMarks) return false;
  set.insert(std::move(key));
  return true;
}

bool TestControls::expire_device(std::string user_code) {
  return mark(expired_devices_, std::move(user_code));
}
bool TestControls::expire_client(std::string client_id) {
  return mark(expired_clients_, std::move(client_id));
}
bool TestControls::expire_token(std::string token_hash) {
  return mark(expired_tokens_, std::move(token_hash));
}

bool TestControls::has_poll_error(std::string_view user_code) const {
  std::lock_guard lock(mutex_);
  return forced_.contains(std::string(user_code)) || forced_.contains(std::string());
}

bool TestControls::device_expired(std::string_view user_code) const {
  std::lock_guard lock(mutex_);
  return expired_devices_.contains(std::string(user_code));
}
bool TestControls::client_expired(std::string_view client_id) const {
  std::lock_guard lock(mutex_);
  return expired_clients_.contains(std::string(client_id));
}
bool TestControls::token_expired(std::string_view token_hash) const {
  std::lock_guard lock(mutex_);
  return expired_tokens_.contains(std::string(token_hash));
}

void TestControls::reset() {
  std::lock_guard lock(mutex_);
  forced_.clear();
  expired_devices_.clear();
  expired_clients_.clear();
  expired_tokens_.clear();
}

}  // namespace ssooidc::domain
