// What the domain's callers see of what it keeps: plain structs owned by the domain, filled from
// the storage records by the services (domain/record_views.h, private to the domain), so that the
// layers above (the pages, the API faces, the server's commands) never need the storage headers;
// CMake keeps web, portal, api and oauth from seeing them (tests/layers). They carry no secrets:
// a Client has no secret hash, a User no password hash, a PortalCaller or IssuedToken no token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ssooidc::domain {

enum class ClientOrigin { kRegistered, kOperator };

// A registration (RegisterClient) or a client the operator added (`client add`).
struct Client {
  std::string client_id;
  std::string client_name;  // may be empty
  std::string client_type;
  std::vector<std::string> scopes;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::string issuer_url;  // empty when not given
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;  // the int64 maximum for operator clients: no expiry
  ClientOrigin origin = ClientOrigin::kRegistered;
  bool has_secret = false;  // false only for an operator's public client
};

// A person of the server's own directory.
struct User {
  std::string name;
  bool disabled = false;
  std::int64_t created_at = 0;  // epoch seconds
  std::string email;            // may be empty
};

// A device authorization as a person or the operator just decided it (DeviceService::decide).
struct DeviceDecision {
  std::string user_code;  // normalised: 8 upper-case letters, no dash
  std::string client_id;
  bool allowed = false;  // false: denied
  std::string user_name;        // who decided
  std::int64_t decided_at = 0;  // epoch seconds
};

enum class TokenKind { kAccess, kRefresh };

// A token TokenService issued, as the standard face describes an active one (RFC 7662 2.2
// introspection, OpenID Connect Core 5.3 userinfo): no hash, no family.
struct IssuedToken {
  TokenKind kind = TokenKind::kAccess;
  std::string client_id;
  std::string user_name;
  std::vector<std::string> scopes;
  std::int64_t issued_at = 0;   // epoch seconds
  std::int64_t expires_at = 0;  // epoch seconds
};

// The access token a portal request presented, as PortalService::authenticate accepted it.
struct PortalCaller {
  std::string token_hash;  // SHA-256 hex of the token: keys its rate limit and cache entry
  std::string family_id;   // of the login: Logout revokes it whole
  std::string client_id;
  std::string user_name;
  std::vector<std::string> scopes;
  std::int64_t expires_at = 0;  // epoch seconds
};

// An AWS account of the portal's directory, and a role in it (without its credential source).
struct PortalAccount {
  std::string account_id;  // 12 digits
  std::string name;
  std::string email;  // may be empty
};
struct PortalRole {
  std::string account_id;
  std::string role_name;
};

}  // namespace ssooidc::domain
