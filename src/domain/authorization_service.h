// The /authorize endpoint of the Authorization Code Flow with PKCE (RFC 6749 4.1, RFC 7636,
// reference 5.5): validates the request, issues a code after the person's consent, and builds the
// redirect back to the client.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/views.h"
#include "ssooidc/error.h"

namespace ssooidc::domain {

struct Context;
class ClientService;

// The query parameters of GET /authorize, absent ones as nullopt.
struct AuthorizeParams {
  std::optional<std::string> response_type;
  std::optional<std::string> client_id;
  std::optional<std::string> redirect_uri;
  std::optional<std::string> state;
  std::optional<std::string> code_challenge;
  std::optional<std::string> code_challenge_method;
  std::optional<std::string> scopes;  // AWS: space-separated
  std::optional<std::string> scope;   // RFC 6749 3.3: space-separated
  std::optional<std::string> nonce;   // OpenID Connect Core 3.1.2.1: into the ID token
};

// A request that passed validation: the person may now be asked for consent.
struct ValidAuthorizeRequest {
  Client client;
  std::string redirect_uri;  // as presented
  std::string state;
  std::string code_challenge;
  std::vector<std::string> scopes;
  std::string nonce;  // empty when none was sent
};

// Why a request was refused. When `redirect` is false the client or its redirect URI cannot be
// trusted, and the person sees an error page (RFC 6749 4.1.2.1, first paragraph); otherwise the
// error goes back to the redirect URI as `error`, `error_description` and `state`.
struct AuthorizeError {
  bool redirect = false;
  std::string error;  // invalid_request, invalid_scope, unsupported_response_type, ...
  std::string description;
  std::string redirect_uri;  // set when `redirect`
  std::string state;         // set when `redirect` (may be empty)
};

class AuthorizationService {
 public:
  AuthorizationService(Context& ctx, ClientService& clients) : ctx_(ctx), clients_(clients) {}

  // Validates a GET /authorize request; the client is looked up through ClientService (its
  // registration cache). A storage failure is an error page (server_error).
  [[nodiscard]] std::expected<ValidAuthorizeRequest, AuthorizeError> validate(
      const AuthorizeParams& params);

  // After consent: stores a new single-use code (hashed, settings.authorization_code_ttl_seconds)
  // for `user_name`, who signed in at `auth_time`, and returns the code.
  [[nodiscard]] std::expected<std::string, Error> issue_code(const ValidAuthorizeRequest& request,
                                                             std::string_view user_name,
                                                             std::int64_t auth_time);

  // `redirect_uri` with `params` appended to its query (percent-encoded, '&' when it has a query
  // already).
  static std::string redirect_location(
      std::string_view redirect_uri,
      const std::vector<std::pair<std::string, std::string>>& params);

  // True when `presented` matches the registered `registered`: exactly, or for http loopback
  // hosts (127.0.0.1, [::1], localhost) with any port (RFC 8252 7.3).
  static bool redirect_uri_matches(std::string_view registered, std::string_view presented);

  // base64url(SHA-256(verifier)) without padding (RFC 7636 4.2, S256).
  static std::string s256_challenge(std::string_view verifier);

 private:
  Context& ctx_;
  ClientService& clients_;
};

}  // namespace ssooidc::domain
