// ID tokens (OpenID Connect Core 2) for grants with the `openid` scope (AWS face: the
// authorization_code grant; standard face, src/oauth: also the device and refresh grants),
// signed ES256 with keys kept in storage::SigningKeyStore and published as a JWKS.
//
// Rotation: one key signs until it is settings.signing_key_rotation_seconds old; then a new key is
// made on the next use. A retired key stays published until every token it signed has expired
// (retire time + settings.id_token_ttl_seconds), so verifiers that cache the JWKS keep working;
// purge_retired_keys deletes it from storage some margin after that.
//
// At rest the private keys are sealed (AES-256-GCM, crypto/sealed_box.h, the kid as associated
// data) with a key-encryption key kept outside the database (the server's key file or
// SSOOIDC_KEY; server/key_file.h), so that a copy of the database alone cannot mint ID tokens
// (issue 11 item 9). Rows written in clear by older versions are sealed by seal_stored_keys().
//
// Several processes (issue 12): the key list is read from storage on every issue and JWKS request,
// so every process signs with the newest key and serves the same JWKS, also right after another
// process rotated. Making a new key is led by one process at a time (the lease
// "signing-key-rotation", SharedState::lead); the others keep signing with the newest key that is
// still published until the new one is stored. Only when there is no key at all and another
// process holds the lease does a process make one of its own (both are then published, which
// verifiers accept). Parsed keys are cached by kid: a kid's key never changes (re-sealing keeps
// the key), so the cache cannot go stale; keys purged by another process leave it when this one
// next lists the keys.
//
// Thread safety: safe for concurrent use; key creation is serialised in-process.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::crypto {
class SigningKey;
}

namespace ssooidc::domain {

struct Context;
class SharedState;

struct IdTokenClaims {
  std::string subject;   // sub: the user name
  std::string audience;  // aud: the clientId
  std::int64_t auth_time = 0;  // omitted when 0 (unknown: device and refresh grants)
  std::string email;          // omitted when empty
  std::string nonce;          // the /authorize request's nonce; omitted when empty
};

class IdTokenIssuer {
 public:
  // `key_encryption_key`: crypto::kSealKeyBytes bytes; empty means a random one of this object's
  // own (keys then do not outlive it: for tests and memory: storage).
  // `shared`, when given, leads rotation across processes (see above); it must outlive this.
  explicit IdTokenIssuer(Context& ctx, std::string key_encryption_key = {},
                         SharedState* shared = nullptr);
  ~IdTokenIssuer();
  IdTokenIssuer(const IdTokenIssuer&) = delete;
  IdTokenIssuer& operator=(const IdTokenIssuer&) = delete;

  // A signed JWT with iss (settings.public_url), sub, aud, exp, iat, auth_time, email and nonce.
  // kInternalServer when no key can be loaded or made.
  [[nodiscard]] std::expected<std::string, Error> issue(const IdTokenClaims& claims);

  // {"keys":[...]}: every key whose publish_until is in the future, oldest first.
  [[nodiscard]] std::expected<std::string, Error> jwks_json();

  // Start-up check and migration: seals every stored key still in clear, and fails
  // (kInternalServer, naming the kid) when a sealed key does not open with this issuer's
  // key-encryption key (the wrong key file for this database). Returns how many were sealed.
  [[nodiscard]] std::expected<std::int64_t, Error> seal_stored_keys();

  // Deletes the keys whose every ID token expired more than `margin_seconds` ago: retired more than
  // id_token_ttl_seconds + margin ago, and unpublished more than margin ago. The key that signs
  // now is never deleted. Returns how many were deleted; the storage error otherwise.
  [[nodiscard]] std::expected<std::int64_t, Error> purge_retired_keys(std::int64_t margin_seconds);

 private:
  // The key that signs now, made (and stored) when none is active. Lock mutex_.
  [[nodiscard]] std::expected<const crypto::SigningKey*, Error> active_key_locked(std::int64_t now);
  [[nodiscard]] std::expected<const crypto::SigningKey*, Error> load_locked(const std::string& kid,
                                                                            const std::string& pem);

  [[nodiscard]] std::expected<std::string, Error> seal_pem(const std::string& kid,
                                                           const std::string& pem);
  [[nodiscard]] std::expected<std::string, Error> open_pem(const std::string& kid,
                                                           const std::string& stored);

  Context& ctx_;
  SharedState* shared_;
  std::string key_encryption_key_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<crypto::SigningKey>> loaded_;  // by kid
};


}  // namespace ssooidc::domain
