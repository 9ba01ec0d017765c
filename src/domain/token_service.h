// CreateToken: the device_code grant (polling, RFC 8628 section 3.4/3.5), the authorization_code
// grant with PKCE (RFC 6749 4.1.3, RFC 7636 4.6) and the refresh_token grant with rotation and
// reuse detection (RFC 9700 section 4.14.2). Tokens are opaque random
// strings; storage keeps their SHA-256 only.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/client_service.h"
#include "domain/id_token_issuer.h"
#include "domain/poll_tracker.h"
#include "domain/user_service.h"
#include "ssooidc/types.h"

namespace ssooidc::storage {
struct DeviceAuthorizationRecord;  // only by reference, in private helpers
struct ChangeStamp;
class DeviceAuthorizationStore;
}  // namespace ssooidc::storage

namespace ssooidc::domain {

// Kept out of this header so that the faces including it (api, oauth) need no storage headers:
// the retry grace and the pending cache hold storage's types (tests/layers: api_refuses_storage).
struct Context;
class PendingCache;
class PendingIndex;
class RetryGrace;

// Which face a grant arrives through. The grants, stores, limits and single-use rules are the
// same; the faces differ only where their protocols do: the standard face (src/oauth) also gets
// an ID token from the device and refresh grants when `openid` is granted (OpenID Connect Core
// 12.2), which AWS's CreateToken never sends. A retry within the grace window is recognised only
// in the face that redeemed first; in the other it is reuse.
enum class Dialect { kAws, kStandard };

// A successful grant: the response and the scopes it was granted (RFC 6749 5.1 `scope`).
struct Grant {
  CreateTokenResponse response;
  std::vector<std::string> scopes;
};

class TokenService {
 public:
  // `id_tokens`, when given, signs the idToken of authorization_code grants with `openid`.
  TokenService(Context& ctx, ClientService& clients, UserService& users,
               IdTokenIssuer* id_tokens = nullptr);
  ~TokenService();
  TokenService(const TokenService&) = delete;
  TokenService& operator=(const TokenService&) = delete;

  // Dispatches on grantType. Errors are those of the model: InvalidRequest (missing members),
  // InvalidClient, UnsupportedGrantType, UnauthorizedClient, InvalidGrant, AuthorizationPending,
  // SlowDown, AccessDenied, ExpiredToken, InvalidScope.
  [[nodiscard]] std::expected<CreateTokenResponse, Error> create_token(
      const CreateTokenRequest& req);

  // create_token for the I/O thread (issue 15): the answer to a poll of a pending device code
  // when memory alone gives it (the client in ClientService's cache, the code in the pending
  // cache with the database's change stamp unchanged, no report due to the shared poll count);
  // null otherwise, having changed nothing, and the caller asks create_token on a thread that
  // may block. Never touches storage beyond the change stamp (memory once the cache holds the
  // code), so an approval committed anywhere is seen as by create_token. The answer is always an
  // error (InvalidClient, ExpiredToken, SlowDown, AuthorizationPending: a code that memory holds
  // is pending), one that lives as long as the program, so that answering builds no strings.
  [[nodiscard]] const Error* poll_from_memory(const CreateTokenRequest& req);
  // The members of a poll poll_from_memory reads, as views (the I/O thread's request body holds
  // them; issue 15: no copies). An empty device code is one the request did not give.
  struct PollMembers {
    std::string_view client_id;
    std::string_view client_secret;
    std::string_view grant_type;
    std::string_view device_code;
  };
  [[nodiscard]] const Error* poll_from_memory(const PollMembers& poll);

  // The grant of `req` for a `client` the caller has authenticated (the standard face's client
  // authentication, RFC 6749 2.3); req.clientId and req.clientSecret are not read. The errors of
  // create_token except InvalidClient and missing grantType.
  [[nodiscard]] std::expected<Grant, Error> grant(const Client& client,
                                                  const CreateTokenRequest& req, Dialect dialect);

  // What create_token_without_waiting hands its answer to.
  using TokenDone = std::move_only_function<void(std::expected<CreateTokenResponse, Error>)>;
  // create_token without holding the caller while the grant's redemption (or rotation) is
  // committed (issue 15: issuance with no thread waiting for the fsync). On a thread that may
  // block: the checks read storage. false, having done nothing, when the storage only commits
  // them by waiting (or the grant type is none of the three), and the caller runs create_token;
  // true when it has taken `done`, which is then called exactly once with what create_token
  // would return: on this thread (an answer without a redemption: a refusal, a retry given its
  // first response again) or on the storage's writer thread once the redemption is as durable
  // as create_token makes it. `done` must be quick and never block.
  [[nodiscard]] bool create_token_without_waiting(const CreateTokenRequest& req, TokenDone& done);
  // Whether create_token_without_waiting can take a grant of `grant_type` (the store of its
  // redemptions commits them without waiting).
  [[nodiscard]] bool commits_without_waiting(std::string_view grant_type);

  PollTracker& poll_tracker() { return polls_; }

  // Loads the poll's index of every pending device authorization (pending_index.h) from
  // storage, once, before serving: how many it holds (0 when the backend keeps no change log).
  // Not in test mode, whose scripted errors and expiries are by user code, which it does not
  // hold.
  [[nodiscard]] std::expected<std::size_t, Error> load_pending_index();

 private:
  // A fresh access token (and a refresh token when the client is refreshable) for `user_name`
  // in the family `family_id`: the response, and the records a grant stores atomically with its
  // redemption. Defined in the .cc file (its records are storage's). Used by grants that have
  // already been authorised.
  struct Issued;
  // A grant checked and its tokens made, waiting for its redemption to be stored, and what a
  // grant's checks come to (that, or an answer already). Defined in the .cc file.
  enum class GrantKind { kDeviceCode, kAuthorizationCode, kRefresh };
  struct PendingGrant;
  struct Prepared;
  [[nodiscard]] Issued issue(const Client& client, const std::string& user_name,
                             const std::vector<std::string>& scopes,
                             std::int64_t session_expires_at, const std::string& family_id);

  // The grant of `req` checked up to its redemption (what grant() and
  // create_token_without_waiting share), dispatching to the three below.
  [[nodiscard]] std::expected<Prepared, Error> prepare_grant(const Client& client,
                                                             const CreateTokenRequest& req,
                                                             Dialect dialect);
  [[nodiscard]] std::expected<Prepared, Error> device_code_grant(const Client& client,
                                                                 const CreateTokenRequest& req,
                                                                 Dialect dialect);
  [[nodiscard]] std::unique_ptr<PendingGrant> pending_grant(
      GrantKind kind, std::string hash, const Client& client, std::int64_t now, Issued issued,
      std::vector<std::string> scopes, std::string secret, Dialect dialect, std::string family_id,
      std::string user_name);
  // Stores `grant`'s redemption, waiting for the commit.
  [[nodiscard]] std::expected<bool, Error> store(PendingGrant& grant);
  // The answer to `grant` once the store has said whether its redemption won (`stored`): the
  // grant, or for a lost race what a reuse gets (a retry's first response, a revoked family).
  [[nodiscard]] std::expected<Grant, Error> conclude(PendingGrant& grant,
                                                     std::expected<bool, Error> stored);
  // The pending row of `hash` for `client_id` as the pending index holds it (state, expiry and
  // interval only), when it holds it at `stamp`; with `store`, catching up first (a read).
  [[nodiscard]] std::optional<storage::DeviceAuthorizationRecord> indexed_pending(
      std::string_view hash, const storage::ChangeStamp& stamp, std::string_view client_id,
      std::int64_t now, storage::DeviceAuthorizationStore* store);
  // The answer to a poll of the pending `auth`: ExpiredToken, SlowDown or AuthorizationPending,
  // errors that live as long as the program. With `from_memory`, null (recording nothing) when
  // it would write the shared poll count; never null otherwise.
  [[nodiscard]] const Error* pending_answer(std::string_view hash,
                                            const storage::DeviceAuthorizationRecord& auth,
                                            std::int64_t now, bool from_memory);
  [[nodiscard]] std::expected<Prepared, Error> refresh_grant(const Client& client,
                                                             const CreateTokenRequest& req,
                                                             Dialect dialect);
  [[nodiscard]] std::expected<Prepared, Error> authorization_code_grant(
      const Client& client, const CreateTokenRequest& req);

  // Signs the ID token of a grant into `issued` when `openid` is among `scopes`.
  [[nodiscard]] std::expected<void, Error> add_id_token(CreateTokenResponse& response,
                                                        const Client& client,
                                                        const User& user,
                                                        const std::vector<std::string>& scopes,
                                                        std::int64_t auth_time,
                                                        const std::string& nonce);

  // The user a grant is for when it exists and is enabled; else `refusal` with `text` (each
  // grant answers a disabled user in its own way). Storage failures pass through.
  [[nodiscard]] std::expected<User, Error> enabled_user(std::string_view name,
                                                                       ErrorType refusal,
                                                                       std::string text);

  // Revokes the family (and records token_family.revoked); returns how many tokens went.
  [[nodiscard]] std::expected<std::int64_t, Error> revoke_family_of(const std::string& family_id,
                                                                    const std::string& user_name,
                                                                    std::string_view why);
  // revoke_family_of for a reused refresh token, answered with its InvalidGrant.
  [[nodiscard]] std::unexpected<Error> revoke_family(const std::string& family_id,
                                                     const std::string& user_name,
                                                     std::string_view why);

  // The response remembered for a retry of `secret` under the retry grace's `key`.
  std::optional<CreateTokenResponse> retried_response(const std::string& key,
                                                      const std::string& secret);

  Context& ctx_;
  ClientService& clients_;
  UserService& users_;
  IdTokenIssuer* id_tokens_;
  PollTracker polls_;
  std::unique_ptr<RetryGrace> grace_;
  std::unique_ptr<PendingCache> pending_;  // the poll's shortcut (pending_cache.h)
  std::unique_ptr<PendingIndex> index_;    // every row pending at start-up (pending_index.h)
};

}  // namespace ssooidc::domain
