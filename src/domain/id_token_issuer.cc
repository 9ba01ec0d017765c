#include "domain/id_token_issuer.h"

#include <algorithm>
#include <cstdio>

#include "core/json_text.h"
#include "crypto/crypto.h"
#include "crypto/es256.h"
#include "crypto/sealed_box.h"
#include "domain/context.h"
#include "domain/shared_state.h"

namespace ssooidc::domain {
namespace {

std::unexpected<Error> internal(std::string text) {
  return std::unexpected(Error::make(ErrorType::kInternalServer, std::move(text)));
}

}  // namespace

namespace {
constexpr std::string_view kSealedPrefix = "sealed:";
constexpr std::string_view kRotationLease = "signing-key-rotation";
constexpr std::int64_t kRotationLeaseMillis = 60'000;
}  // namespace

IdTokenIssuer::IdTokenIssuer(Context& ctx, std::string key_encryption_key, SharedState* shared)
    : ctx_(ctx), shared_(shared), key_encryption_key_(std::move(key_encryption_key)) {
  if (key_encryption_key_.size() != crypto::kSealKeyBytes) {
    key_encryption_key_ = ctx_.random.bytes(crypto::kSealKeyBytes);
  }
}
IdTokenIssuer::~IdTokenIssuer() = default;

std::expected<std::string, Error> IdTokenIssuer::seal_pem(const std::string& kid,
                                                          const std::string& pem) {
  auto box = crypto::seal(key_encryption_key_, pem, ctx_.random, kid);
  if (!box)
    return internal("Cannot encrypt ID token signing key " + kid + ": " +
                    box.error().error_description);
  return std::string(kSealedPrefix) + crypto::base64url_encode(*box);
}

std::expected<std::string, Error> IdTokenIssuer::open_pem(const std::string& kid,
                                                          const std::string& stored) {
  if (!stored.starts_with(kSealedPrefix)) return stored;  // written in clear before issue 11
  auto box = crypto::base64url_decode(std::string_view(stored).substr(kSealedPrefix.size()));
  if (!box) return internal("ID token signing key " + kid + " is damaged in storage");
  auto pem = crypto::open_sealed(key_encryption_key_, *box, kid);
  if (!pem)
    return internal("ID token signing key " + kid +
                    " does not decrypt with this server's key file (or SSOOIDC_KEY): use the key "
                    "file this database was created with");
  return std::move(*pem);
}

std::expected<std::int64_t, Error> IdTokenIssuer::seal_stored_keys() {
  std::lock_guard lock(mutex_);
  auto keys = ctx_.storage.signing_keys().list();
  if (!keys) return std::unexpected(keys.error());
  std::int64_t sealed = 0;
  for (const auto& record : *keys) {
    auto pem = open_pem(record.kid, record.private_pem);
    if (!pem) return std::unexpected(pem.error());
    if (record.private_pem.starts_with(kSealedPrefix)) continue;
    auto box = seal_pem(record.kid, *pem);
    if (!box) return std::unexpected(box.error());
    auto stored = ctx_.storage.signing_keys().set_private_pem(record.kid, *box);
    // kNotFound: another process purged the key between list() and here; there is nothing left
    // to seal, which is not a failure of sealing.
    if (!stored && storage::storage_error_code(stored.error()) == storage::StorageErrorCode::kNotFound)
      continue;
    if (!stored) return std::unexpected(stored.error());
    ++sealed;
  }
  return sealed;
}

std::expected<const crypto::SigningKey*, Error> IdTokenIssuer::load_locked(const std::string& kid,
                                                                           const std::string& stored) {
  if (auto it = loaded_.find(kid); it != loaded_.end()) return it->second.get();
  auto pem = open_pem(kid, stored);
  if (!pem) return std::unexpected(pem.error());
  auto key = crypto::SigningKey::from_pem(kid, *pem);
  if (!key)
    return internal("Cannot load ID token signing key " + kid + ": " +
                    key.error().error_description);
  auto [it, inserted] = loaded_.emplace(kid, std::make_unique<crypto::SigningKey>(std::move(*key)));
  return it->second.get();
}

std::expected<const crypto::SigningKey*, Error> IdTokenIssuer::active_key_locked(std::int64_t now) {
  auto keys = ctx_.storage.signing_keys().list();
  if (!keys) return std::unexpected(keys.error());
  // The newest key that has not retired signs.
  for (auto it = keys->rbegin(); it != keys->rend(); ++it) {
    if (it->retire_after > now && it->created_at <= now)
      return load_locked(it->kid, it->private_pem);
  }
  // Time for a new key: one process at a time makes it. While another does, the newest key still
  // in the JWKS keeps signing (its tokens stay verifiable until it leaves the JWKS).
  if (shared_ != nullptr) {
    auto led = shared_->lead(kRotationLease, kRotationLeaseMillis);
    if (!led) return std::unexpected(led.error());
    if (!*led) {
      for (auto it = keys->rbegin(); it != keys->rend(); ++it) {
        if (it->publish_until > now + 60 && it->created_at <= now)
          return load_locked(it->kid, it->private_pem);
      }
    }
  }
  const std::string kid =
      "k" + std::to_string(now) + "-" + crypto::hex_encode(ctx_.random.bytes(4));
  auto made = crypto::SigningKey::generate(kid);
  if (!made)
    return internal("Cannot make an ID token signing key: " + made.error().error_description);
  storage::SigningKeyRecord record;
  record.kid = kid;
  auto sealed = seal_pem(kid, made->private_pem());
  if (!sealed) return std::unexpected(sealed.error());
  record.private_pem = std::move(*sealed);
  record.created_at = now;
  record.retire_after = now + ctx_.settings.signing_key_rotation_seconds;
  record.publish_until = record.retire_after + ctx_.settings.id_token_ttl_seconds;
  if (auto inserted = ctx_.storage.signing_keys().insert(record); !inserted)
    return std::unexpected(inserted.error());
  auto [it, inserted] =
      loaded_.emplace(kid, std::make_unique<crypto::SigningKey>(std::move(*made)));
  return it->second.get();
}

std::expected<std::string, Error> IdTokenIssuer::issue(const IdTokenClaims& claims) {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  std::lock_guard lock(mutex_);
  auto key = active_key_locked(now);
  if (!key) return std::unexpected(key.error());
  std::string payload = "{\"iss\":" + core::json_quote(ctx_.settings.public_url) +
                        ",\"sub\":" + core::json_quote(claims.subject) +
                        ",\"aud\":" + core::json_quote(claims.audience) +
                        ",\"exp\":" + std::to_string(now + ctx_.settings.id_token_ttl_seconds) +
                        ",\"iat\":" + std::to_string(now);
  if (claims.auth_time != 0) payload += ",\"auth_time\":" + std::to_string(claims.auth_time);
  if (!claims.email.empty()) payload += ",\"email\":" + core::json_quote(claims.email);
  if (!claims.nonce.empty()) payload += ",\"nonce\":" + core::json_quote(claims.nonce);
  payload += "}";
  auto jwt = (*key)->sign_jwt(payload);
  if (!jwt) return internal("Cannot sign the ID token: " + jwt.error().error_description);
  return std::move(*jwt);
}

std::expected<std::string, Error> IdTokenIssuer::jwks_json() {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  std::lock_guard lock(mutex_);
  // Publishing before the first ID token lets verifiers fetch the key ahead of time.
  if (auto active = active_key_locked(now); !active) return std::unexpected(active.error());
  auto keys = ctx_.storage.signing_keys().list();
  if (!keys) return std::unexpected(keys.error());
  // Keys another process purged leave the cache (a kid's key never changes, so nothing else can
  // go stale).
  std::erase_if(loaded_, [&](const auto& entry) {
    return std::ranges::none_of(*keys, [&](const auto& k) { return k.kid == entry.first; });
  });
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const auto& record : *keys) {
    if (record.publish_until <= now) continue;
    auto key = load_locked(record.kid, record.private_pem);
    if (!key) return std::unexpected(key.error());
    if (!first) out += ',';
    first = false;
    out += (*key)->public_jwk_json();
  }
  out += "]}";
  return out;
}

std::expected<std::int64_t, Error> IdTokenIssuer::purge_retired_keys(std::int64_t margin_seconds) {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  const std::int64_t margin = std::max<std::int64_t>(margin_seconds, 0);
  // A token signed by a key expires at most id_token_ttl after the key retired. publish_until was
  // set with the TTL of when the key was made; checking both bounds keeps the key until its last
  // token has expired even if the setting has changed since. Both bounds are at most `now`, and
  // the signing key retires after now, so it is never deleted.
  const std::int64_t ttl = std::max<std::int64_t>(ctx_.settings.id_token_ttl_seconds, 0);
  std::lock_guard lock(mutex_);
  auto purged = ctx_.storage.signing_keys().purge_retired(now - ttl - margin, now - margin);
  if (!purged) return std::unexpected(purged.error());
  if (*purged > 0) {
    // Forget the parsed keys that are gone; on a storage error they merely stay cached.
    if (auto keys = ctx_.storage.signing_keys().list()) {
      std::erase_if(loaded_, [&](const auto& entry) {
        return std::ranges::none_of(*keys, [&](const auto& k) { return k.kid == entry.first; });
      });
    }
  }
  return *purged;
}


}  // namespace ssooidc::domain
