// CreateToken: the device_code grant (polling, RFC 8628 section 3.4/3.5) and the refresh_token
// grant with rotation and reuse detection (RFC 9700 section 4.14.2). Tokens are opaque random
// strings; storage keeps their SHA-256 only.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "domain/client_service.h"
#include "domain/context.h"
#include "domain/poll_tracker.h"
#include "ssooidc/types.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class TokenService {
 public:
  TokenService(Context& ctx, ClientService& clients) : ctx_(ctx), clients_(clients) {}

  // Dispatches on grantType. Errors are those of the model: InvalidRequest (missing members),
  // InvalidClient, UnsupportedGrantType, UnauthorizedClient, InvalidGrant, AuthorizationPending,
  // SlowDown, AccessDenied, ExpiredToken, InvalidScope.
  std::expected<CreateTokenResponse, Error> create_token(const CreateTokenRequest& req);

  // A fresh access token (and a refresh token when `refreshable`) for `user_name`, stored with a
  // new family id. Used by grants that have already been authorised.
  struct Issued {
    std::vector<storage::TokenRecord> records;
    CreateTokenResponse response;
  };
  Issued issue(const storage::ClientRecord& client, const std::string& user_name,
               const std::vector<std::string>& scopes, std::int64_t session_expires_at,
               const std::string& family_id);

  PollTracker& poll_tracker() { return polls_; }

 private:
  std::expected<CreateTokenResponse, Error> device_code_grant(const storage::ClientRecord& client,
                                                              const CreateTokenRequest& req);
  std::expected<CreateTokenResponse, Error> refresh_grant(const storage::ClientRecord& client,
                                                          const CreateTokenRequest& req);

  Context& ctx_;
  ClientService& clients_;
  PollTracker polls_;
};

}  // namespace ssooidc::domain
