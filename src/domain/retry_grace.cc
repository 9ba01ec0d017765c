#include "domain/retry_grace.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "crypto/sealed_box.h"

namespace ssooidc::domain {
namespace {

constexpr std::string_view kKeyLabel = "ssooidc retry grace v1";

// Length-prefixed fields; a missing optional is length "-".
void put(std::string& out, const std::optional<std::string>& field) {
  if (!field) {
    out += "-\n";
    return;
  }
  out += std::to_string(field->size()) + "\n" + *field;
}

bool take(std::string_view& in, std::optional<std::string>& field) {
  const auto eol = in.find('\n');
  if (eol == std::string_view::npos) return false;
  const std::string_view length = in.substr(0, eol);
  in.remove_prefix(eol + 1);
  if (length == "-") {
    field.reset();
    return true;
  }
  std::size_t n = 0;
  for (char c : length) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (length.empty() || n > in.size()) return false;
  field = std::string(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

std::string encode(const CreateTokenResponse& r) {
  std::string out;
  put(out, r.accessToken);
  put(out, r.tokenType);
  put(out, r.expiresIn ? std::optional<std::string>(std::to_string(*r.expiresIn)) : std::nullopt);
  put(out, r.refreshToken);
  put(out, r.idToken);
  return out;
}

std::optional<CreateTokenResponse> decode(std::string_view in) {
  CreateTokenResponse r;
  std::optional<std::string> expires;
  if (!take(in, r.accessToken) || !take(in, r.tokenType) || !take(in, expires) ||
      !take(in, r.refreshToken) || !take(in, r.idToken) || !in.empty())
    return std::nullopt;
  if (expires) r.expiresIn = static_cast<std::int32_t>(std::stol(*expires));
  return r;
}

}  // namespace

RetryGrace::RetryGrace(const core::Clock& clock, core::Random& random, std::int32_t window_seconds,
                       std::size_t max_entries, storage::RetryGraceStore* shared)
    : clock_(clock),
      random_(random),
      window_ms_(std::max<std::int64_t>(window_seconds, 0) * 1000),
      max_entries_(std::max<std::size_t>(max_entries, 1)),
      shared_(shared) {}

std::string RetryGrace::key_of(std::string_view client_id, std::string_view secret) {
  return crypto::sha256(std::string(client_id) + "\n" + crypto::sha256(secret));
}

std::string RetryGrace::shared_key_of(std::string_view client_id, std::string_view secret) {
  // hex_encode(key_of(...)), led by the secret's time when it has one (crypto::ordered_hash),
  // so that the shared store's entries go to the end of its index.
  return std::string(
      crypto::ordered_hash(secret, std::string(client_id) + "\n" + crypto::sha256(secret)).view());
}

void RetryGrace::expire_locked(std::int64_t now) {
  while (!order_.empty() && (order_.front().first <= now || entries_.size() > max_entries_)) {
    auto it = entries_.find(order_.front().second);
    // A key remembered again has a newer entry: only its own deadline removes it.
    if (it != entries_.end() && it->second.expires_ms == order_.front().first) entries_.erase(it);
    order_.pop_front();
  }
}

std::optional<storage::RetryGraceEntry> RetryGrace::entry_for(
    std::string_view client_id, std::string_view secret, const CreateTokenResponse& response) {
  if (window_ms_ == 0 || shared_ == nullptr) return std::nullopt;
  auto sealed = crypto::seal(crypto::derive_key(secret, kKeyLabel), encode(response), random_,
                             client_id);
  if (!sealed) return std::nullopt;
  const std::int64_t at = clock_.now_epoch_millis();
  return storage::RetryGraceEntry{shared_key_of(client_id, secret),
                                  crypto::base64url_encode(*sealed), at, at + window_ms_};
}

void RetryGrace::remember(std::string_view client_id, std::string_view secret,
                          const CreateTokenResponse& response) {
  if (window_ms_ == 0) return;
  auto sealed = crypto::seal(crypto::derive_key(secret, kKeyLabel), encode(response), random_,
                             client_id);
  if (!sealed) return;  // the retry will be treated as reuse, as without the window
  std::string key = key_of(client_id, secret);
  if (shared_ != nullptr) {
    const std::int64_t at = clock_.now_epoch_millis();
    if (auto put = shared_->put(crypto::hex_encode(key), crypto::base64url_encode(*sealed), at,
                                at + window_ms_);
        !put) {
      // Not remembered: a retry is treated as reuse, as it would be without the window.
    }
    return;
  }
  const std::int64_t now = clock_.monotonic_millis();
  std::lock_guard lock(mutex_);
  entries_[key] = Entry{std::move(*sealed), now + window_ms_};
  order_.emplace_back(now + window_ms_, std::move(key));
  expire_locked(now);
}

std::optional<CreateTokenResponse> RetryGrace::recall(std::string_view client_id,
                                                      std::string_view secret) {
  if (window_ms_ == 0) return std::nullopt;
  std::string sealed;
  if (shared_ != nullptr) {
    auto found = shared_->find(shared_key_of(client_id, secret),
                               clock_.now_epoch_millis());
    if (!found || !*found) return std::nullopt;
    auto box = crypto::base64url_decode(**found);
    if (!box) return std::nullopt;
    sealed = std::move(*box);
  } else {
    const std::int64_t now = clock_.monotonic_millis();
    std::lock_guard lock(mutex_);
    expire_locked(now);
    auto it = entries_.find(key_of(client_id, secret));
    if (it == entries_.end()) return std::nullopt;
    sealed = it->second.sealed;
  }
  auto plain = crypto::open_sealed(crypto::derive_key(secret, kKeyLabel), sealed, client_id);
  if (!plain) return std::nullopt;
  return decode(*plain);
}

}  // namespace ssooidc::domain
