#include "domain/token_inspection.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "domain/context.h"
#include "domain/record_views.h"

namespace ssooidc::domain {
namespace {

Error unauthorized(std::string_view reason, std::string text) {
  Error error = Error::make(ErrorType::kUnauthorized, std::move(text));
  error.reason = std::string(reason);
  return error;
}

}  // namespace

std::expected<std::optional<TokenDescription>, Error> TokenInspection::active(
    std::string_view token) {
  if (token.empty()) return std::nullopt;
  auto found = ctx_.storage.tokens().find(crypto::secret_hash(token));
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::nullopt;
  const storage::TokenRecord& record = **found;
  if (record.revoked || record.expires_at <= ctx_.clock.now_epoch_seconds()) return std::nullopt;
  // A refresh token spent by rotation (RFC 6749 10.4) is inactive; its successor is the live one.
  if (record.kind == storage::TokenKind::kRefresh && record.used) return std::nullopt;
  // A disabled user's tokens are inactive too (RFC 7662 2.2 leaves "active" to the server), as
  // the portal API does (PortalService::authenticate).
  auto user = users_.find_enabled(record.user_name);
  if (!user) {
    if (user.error().type == ErrorType::kAccessDenied) return std::nullopt;
    return std::unexpected(user.error());
  }
  return TokenDescription{token_view(record), user->email};
}

std::expected<std::optional<TokenDescription>, Error> TokenInspection::introspect(
    const Client& caller, std::string_view token) {
  auto described = active(token);
  if (!described || !*described) return described;
  const bool own = (*described)->token.client_id == caller.client_id;
  const bool resource_server = caller.origin == ClientOrigin::kOperator && caller.has_secret;
  if (!own && !resource_server) return std::nullopt;
  return described;
}

std::expected<void, Error> TokenInspection::revoke(const Client& caller,
                                                   std::string_view token) {
  if (token.empty()) return {};
  auto found = ctx_.storage.tokens().find(crypto::secret_hash(token));
  if (!found) return std::unexpected(found.error());
  if (!*found || (*found)->client_id != caller.client_id) return {};
  auto revoked = ctx_.storage.tokens().revoke_family((*found)->family_id);
  if (!revoked) return std::unexpected(revoked.error());
  return {};
}

std::expected<UserInfo, Error> TokenInspection::userinfo(std::string_view access_token) {
  auto described = active(access_token);
  if (!described) return std::unexpected(described.error());
  if (!*described || (*described)->token.kind != TokenKind::kAccess)
    return std::unexpected(
        unauthorized(kInvalidToken, "The access token is unknown, expired or revoked"));
  const auto& scopes = (*described)->token.scopes;
  if (std::ranges::find(scopes, "openid") == scopes.end())
    return std::unexpected(
        unauthorized(kInsufficientScope, "The access token was not granted the openid scope"));
  return UserInfo{(*described)->token.user_name, (*described)->email};
}

}  // namespace ssooidc::domain
