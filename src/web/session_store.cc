#include "web/session_store.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "crypto/crypto.h"

namespace ssooidc::web {

bool WebSession::has_checked(std::string_view normalized_code) const noexcept {
  return std::ranges::find(checked_user_codes, normalized_code) != checked_user_codes.end();
}

void WebSession::remember_checked(std::string normalized_code) {
  std::erase(checked_user_codes, normalized_code);
  checked_user_codes.push_back(std::move(normalized_code));
  if (checked_user_codes.size() > kMaxCheckedCodes)
    checked_user_codes.erase(checked_user_codes.begin());
}

namespace {

constexpr std::size_t kSecretBytes = 32;

class MemorySessionStore final : public SessionStore {
 public:
  MemorySessionStore(const core::Clock& clock, core::Random& random, SessionLimits limits)
      : clock_(clock), random_(random), limits_(limits) {}

  std::optional<WebSession> create(const WebSession& seed) override {
    WebSession s;
    s.id = new_secret();
    s.csrf_token = new_secret();
    s.browser_key = seed.browser_key.empty() ? new_secret() : seed.browser_key;
    s.user_name = seed.user_name;
    s.checked_user_codes = seed.checked_user_codes;
    s.created_at = s.last_seen = clock_.now_epoch_seconds();
    std::lock_guard lock(mutex_);
    if (!make_room_locked(s.signed_in())) return std::nullopt;
    sessions_.emplace(key_of(s.id), s);
    return s;
  }

  std::optional<WebSession> find(std::string_view id) override {
    if (id.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = live_locked(id);
    if (it == sessions_.end()) return std::nullopt;
    it->second.last_seen = clock_.now_epoch_seconds();
    return it->second;
  }

  bool update(const WebSession& session) override {
    std::lock_guard lock(mutex_);
    auto it = live_locked(session.id);
    if (it == sessions_.end()) return false;
    it->second.user_name = session.user_name;
    it->second.checked_user_codes = session.checked_user_codes;
    it->second.last_seen = clock_.now_epoch_seconds();
    return true;
  }

  std::optional<WebSession> renew(std::string_view id) override {
    std::string fresh_id = new_secret();
    std::string fresh_csrf = new_secret();
    std::lock_guard lock(mutex_);
    auto it = live_locked(id);
    if (it == sessions_.end()) return std::nullopt;
    WebSession s = std::move(it->second);
    sessions_.erase(it);
    s.id = std::move(fresh_id);
    s.csrf_token = std::move(fresh_csrf);
    s.created_at = s.last_seen = clock_.now_epoch_seconds();
    sessions_.emplace(key_of(s.id), s);
    return s;
  }

  void remove(std::string_view id) override {
    std::lock_guard lock(mutex_);
    sessions_.erase(key_of(id));
  }

 private:
  using Map = std::unordered_map<std::string, WebSession>;

  std::string new_secret() { return crypto::random_token(random_, "", kSecretBytes); }

  // Sessions are filed under the SHA-256 of their id, so that the time a lookup takes tells an
  // attacker nothing about how much of a guessed id matched.
  static std::string key_of(std::string_view id) { return crypto::sha256(id); }

  bool ended(const WebSession& s, std::int64_t now) const {
    return now - s.last_seen >= limits_.idle_seconds ||
           now - s.created_at >= limits_.absolute_seconds;
  }

  Map::iterator live_locked(std::string_view id) {
    auto it = sessions_.find(key_of(id));
    if (it == sessions_.end()) return it;
    if (ended(it->second, clock_.now_epoch_seconds())) {
      sessions_.erase(it);
      return sessions_.end();
    }
    return it;
  }

  // Room for one more session, dropping a tenth of the eligible ones at a time so that this stays
  // amortised O(1): ended ones first, then the least recently used signed-out ones, then (only
  // for a signed-in newcomer) the least recently used signed-in ones.
  bool make_room_locked(bool for_signed_in) {
    if (sessions_.size() < limits_.max_sessions) return true;
    const std::int64_t now = clock_.now_epoch_seconds();
    std::erase_if(sessions_, [&](const auto& entry) { return ended(entry.second, now); });
    if (sessions_.size() < limits_.max_sessions) return true;
    if (drop_least_recently_used(/*signed_in=*/false)) return true;
    return for_signed_in && drop_least_recently_used(/*signed_in=*/true);
  }

  bool drop_least_recently_used(bool signed_in) {
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

  const core::Clock& clock_;
  core::Random& random_;
  const SessionLimits limits_;
  std::mutex mutex_;
  Map sessions_;
};

}  // namespace

std::unique_ptr<SessionStore> make_memory_session_store(const core::Clock& clock,
                                                        core::Random& random,
                                                        SessionLimits limits) {
  return std::make_unique<MemorySessionStore>(clock, random, limits);
}

}  // namespace ssooidc::web
