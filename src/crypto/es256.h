// ES256 (ECDSA P-256 with SHA-256) keys for signing ID tokens (RFC 7518 section 3.4) and
// publishing them as a JWK (RFC 7517). Keys travel as PKCS#8 PEM so storage can keep them.
//
// Thread safety: a SigningKey is immutable after construction and may be shared.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::crypto {

class SigningKey {
 public:
  // A fresh P-256 key from the OpenSSL CSPRNG.
  static std::expected<SigningKey, Error> generate(std::string kid);
  // Loads a key written by `private_pem`.
  static std::expected<SigningKey, Error> from_pem(std::string kid, std::string_view pem);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  const std::string& kid() const { return kid_; }
  std::string private_pem() const;
  // {"kty":"EC","crv":"P-256","x":...,"y":...,"kid":...,"use":"sig","alg":"ES256"}
  std::string public_jwk_json() const;
  // A compact JWS: base64url(header).base64url(payload).base64url(r||s), header
  // {"alg":"ES256","kid":...,"typ":"JWT"}. `payload_json` must be a JSON object.
  std::expected<std::string, Error> sign_jwt(std::string_view payload_json) const;

 private:
  struct Key;
  SigningKey(std::string kid, std::unique_ptr<Key> key);
  std::string kid_;
  std::unique_ptr<Key> key_;
};

}  // namespace ssooidc::crypto
