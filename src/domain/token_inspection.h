// What the standard face (src/oauth) asks about tokens that exist: introspection (RFC 7662),
// revocation (RFC 7009) and the person behind an access token (OpenID Connect Core 5.3 userinfo).
// Tokens are the ones TokenService issued through either face, looked up by SHA-256.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "domain/user_service.h"
#include "domain/views.h"
#include "ssooidc/error.h"

namespace ssooidc::domain {

struct Context;

// An active token as RFC 7662 2.2 describes it.
struct TokenDescription {
  IssuedToken token;
  std::string email;  // of its user; may be empty
};

// The claims userinfo answers with (OpenID Connect Core 5.3.2).
struct UserInfo {
  std::string subject;
  std::string email;  // omitted when empty
};

class TokenInspection {
 public:
  TokenInspection(Context& ctx, UserService& users) : ctx_(ctx), users_(users) {}

  // The token when it is active: known, unrevoked, unexpired, not a used refresh token, its user
  // enabled, and visible to `caller`: issued to it, or `caller` is an operator client with a
  // secret (a resource server the operator set up). nullopt otherwise (RFC 7662 2.2 says no
  // more than "active": false). Storage errors pass through.
  [[nodiscard]] std::expected<std::optional<TokenDescription>, Error> introspect(
      const Client& caller, std::string_view token);

  // Revokes the grant `token` (access or refresh) belongs to, with every token of it (RFC 7009
  // 2.1: revoking a refresh token also revokes its access tokens), when it was issued to
  // `caller`. Unknown tokens and tokens of other clients change nothing and are not an error
  // (RFC 7009 2.2: the client cannot do anything about them). Storage errors pass through.
  [[nodiscard]] std::expected<void, Error> revoke(const Client& caller,
                                                  std::string_view token);

  // The user of an active access token granted `openid`. kUnauthorized with reason
  // kInvalidToken when the token is not an active access token, with reason kInsufficientScope
  // when it lacks `openid` (RFC 6750 3.1); storage errors pass through.
  [[nodiscard]] std::expected<UserInfo, Error> userinfo(std::string_view access_token);

  static constexpr std::string_view kInvalidToken = "invalid_token";
  static constexpr std::string_view kInsufficientScope = "insufficient_scope";

 private:
  // The token of `token` (not secret-bearing: its hash) when it is active, user included.
  [[nodiscard]] std::expected<std::optional<TokenDescription>, Error> active(
      std::string_view token);

  Context& ctx_;
  UserService& users_;
};

}  // namespace ssooidc::domain
