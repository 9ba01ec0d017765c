// Private to the domain's .cc files: the one place a storage record becomes the view its callers
// see (domain/views.h). Nothing above the domain includes this header.
#pragma once

#include <expected>
#include <vector>

#include "domain/views.h"
#include "storage/storage.h"

namespace ssooidc::domain {

inline Client client_view(const storage::ClientRecord& r) {
  return Client{r.client_id,     r.client_name, r.client_type,
                r.scopes,        r.redirect_uris, r.grant_types,
                r.issuer_url,    r.issued_at,   r.expires_at,
                r.origin == storage::ClientOrigin::kOperator ? ClientOrigin::kOperator
                                                             : ClientOrigin::kRegistered,
                !r.secret_hash.empty()};
}

inline User user_view(const storage::UserRecord& r) {
  return User{r.name, r.disabled, r.created_at, r.email};
}

inline DeviceDecision decision_view(const storage::DeviceAuthorizationRecord& r) {
  return DeviceDecision{r.user_code, r.client_id, r.state == storage::DeviceState::kApproved,
                        r.user_name, r.decided_at};
}

inline IssuedToken token_view(const storage::TokenRecord& r) {
  const TokenKind kind =
      r.kind == storage::TokenKind::kRefresh ? TokenKind::kRefresh : TokenKind::kAccess;
  return IssuedToken{kind, r.client_id, r.user_name, r.scopes, r.issued_at, r.expires_at};
}

inline PortalCaller caller_view(const storage::TokenRecord& r) {
  return PortalCaller{r.token_hash, r.family_id, r.client_id, r.user_name, r.scopes, r.expires_at};
}

inline PortalAccount account_view(const storage::AccountRecord& r) {
  return PortalAccount{r.account_id, r.name, r.email};
}

inline PortalRole role_view(const storage::RoleRecord& r) {
  return PortalRole{r.account_id, r.role_name};
}

// A listing's records as views (`view` is one of the above), or its storage error.
template <typename Record, typename View>
std::expected<std::vector<View>, Error> views_of(storage::Result<std::vector<Record>> listed,
                                                 View (*view)(const Record&)) {
  if (!listed) return std::unexpected(std::move(listed.error()));
  std::vector<View> out;
  out.reserve(listed->size());
  for (const Record& r : *listed) out.push_back(view(r));
  return out;
}

}  // namespace ssooidc::domain
