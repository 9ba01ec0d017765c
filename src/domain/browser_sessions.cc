#include "domain/browser_sessions.h"

#include <algorithm>
#include <utility>

#include "crypto/crypto.h"
#include "domain/context.h"
#include "storage/storage_error.h"

namespace ssooidc::domain {
namespace {

constexpr std::size_t kSecretBytes = 32;
// A fresh id that collides with a stored one (2^-256) is drawn again, a few times at most.
constexpr int kIdAttempts = 4;

// What the store files a session under: the id's SHA-256, never the id itself, so that a copy of
// the database cannot be used to take over sessions.
std::string id_hash_of(std::string_view id) { return crypto::sha256_hex(id); }

// The CSRF token of a session: an HMAC keyed with its id. Nothing to store, unguessable without
// the id, and new with every new id.
std::string csrf_token_of(std::string_view id) {
  return crypto::base64url_encode(crypto::hmac_sha256(id, "ssooidc csrf token"));
}

storage::WebSessionLimits store_limits(const BrowserSessionLimits& l) {
  return {l.idle_seconds, l.absolute_seconds, l.max_sessions, l.touch_seconds};
}

BrowserSession from_record(std::string id, const storage::WebSessionRecord& record) {
  BrowserSession s;
  s.csrf_token = csrf_token_of(id);
  s.id = std::move(id);
  s.browser_key = record.browser_key;
  s.user_name = record.user_name;
  s.created_at = record.created_at;
  s.last_seen = record.last_seen;
  s.checked_user_codes = record.checked_user_codes;
  return s;
}

bool is_already_exists(const Error& error) {
  return storage::storage_error_code(error) == storage::StorageErrorCode::kAlreadyExists;
}

}  // namespace

bool BrowserSession::has_checked(std::string_view normalized_code) const noexcept {
  return std::ranges::find(checked_user_codes, normalized_code) != checked_user_codes.end();
}

void BrowserSession::remember_checked(std::string normalized_code) {
  std::erase(checked_user_codes, normalized_code);
  checked_user_codes.push_back(std::move(normalized_code));
  if (checked_user_codes.size() > kMaxCheckedCodes)
    checked_user_codes.erase(checked_user_codes.begin());
}

BrowserSessions::BrowserSessions(Context& ctx, BrowserSessionLimits limits)
    : ctx_(ctx), limits_(limits) {}

std::string BrowserSessions::new_id() {
  return crypto::random_token(ctx_.random, "", kSecretBytes);
}

BrowserSessions::Result<std::optional<BrowserSession>> BrowserSessions::create(
    const BrowserSession& seed) {
  storage::WebSessionRecord record;
  record.browser_key = seed.browser_key.empty() ? new_id() : seed.browser_key;
  record.user_name = seed.user_name;
  record.checked_user_codes = seed.checked_user_codes;
  record.created_at = record.last_seen = ctx_.clock.now_epoch_seconds();
  for (int attempt = 0;; ++attempt) {
    std::string id = new_id();
    record.id_hash = id_hash_of(id);
    auto stored = ctx_.storage.web_sessions().insert(record, store_limits(limits_), record.created_at);
    if (stored && !*stored) return std::nullopt;
    if (stored) return from_record(std::move(id), record);
    if (!is_already_exists(stored.error()) || attempt + 1 >= kIdAttempts)
      return std::unexpected(std::move(stored.error()));
  }
}

BrowserSessions::Result<std::optional<BrowserSession>> BrowserSessions::find(std::string_view id) {
  if (id.empty()) return std::nullopt;
  auto found = ctx_.storage.web_sessions().find(id_hash_of(id), store_limits(limits_), ctx_.clock.now_epoch_seconds());
  if (!found) return std::unexpected(std::move(found.error()));
  if (!*found) return std::nullopt;
  return from_record(std::string(id), **found);
}

BrowserSessions::Result<bool> BrowserSessions::update(const BrowserSession& session) {
  if (session.id.empty()) return false;
  storage::WebSessionRecord record;
  record.id_hash = id_hash_of(session.id);
  record.user_name = session.user_name;
  record.checked_user_codes = session.checked_user_codes;
  return ctx_.storage.web_sessions().update(record, store_limits(limits_), ctx_.clock.now_epoch_seconds());
}

BrowserSessions::Result<std::optional<BrowserSession>> BrowserSessions::renew(
    std::string_view id) {
  if (id.empty()) return std::nullopt;
  for (int attempt = 0;; ++attempt) {
    std::string fresh = new_id();
    auto renewed = ctx_.storage.web_sessions().renew(id_hash_of(id), id_hash_of(fresh), store_limits(limits_),
                                ctx_.clock.now_epoch_seconds());
    if (renewed) {
      if (!*renewed) return std::nullopt;
      return from_record(std::move(fresh), **renewed);
    }
    if (!is_already_exists(renewed.error()) || attempt + 1 >= kIdAttempts)
      return std::unexpected(std::move(renewed.error()));
  }
}

BrowserSessions::Result<void> BrowserSessions::remove(std::string_view id) {
  if (id.empty()) return {};
  auto removed = ctx_.storage.web_sessions().remove(id_hash_of(id));
  if (!removed) return std::unexpected(std::move(removed.error()));
  return {};
}

BrowserSessions::Result<std::int64_t> BrowserSessions::purge_ended() {
  return ctx_.storage.web_sessions().purge_ended(store_limits(limits_), ctx_.clock.now_epoch_seconds());
}

}  // namespace ssooidc::domain
