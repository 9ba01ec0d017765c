// The SSO portal API's domain (service `sso`, API 2019-06-10): who may call, which accounts and
// roles a user sees, and the AWS credentials of a role.
//
// A call is accepted when its bearer token is an unexpired, unrevoked access token of this server
// whose scopes include sso:account:access, or that was issued to a legacy (unscoped)
// registration, and its user exists and is enabled; anything else is Unauthorized (401). Each
// token is rate-limited (Settings::portal_requests_per_second/portal_burst; TooManyRequests,
// 429). An account or role that does not exist and one not assigned to the caller are the same
// ResourceNotFound (404). Pages hold 1..100 items (default 20); nextToken is a PageTokenCodec
// token bound to the user and listing, and one that does not verify is InvalidRequest (400).
//
// What a call needs to know is cached in this process for Settings::portal_cache_ms (default
// 1 s; 0 turns the cache off): an accepted token (with the end of its SSO session) and each user's
// accounts and roles. Logout through this service forgets the token's family at once; changes
// made elsewhere (an operator disabling a user or removing an assignment from another process,
// a refresh token's reuse revoking its family) are seen within that time. Both caches are
// bounded (kMaxCachedEntries each; when full they start over), and a user with more than
// kMaxCachedAccounts accounts is not cached.
//
// Credentials come from the role's source (the stored role's CredentialSource): minted (random, AWS's
// shapes), static, or an external command (credential_command.h); they expire at the earlier of
// the role's session duration and the end of the SSO session (the latest expiry of the token's
// family), or when a command says. Every issue is recorded (CredentialRecordStore) before it is
// returned: no record, no credentials.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <string_view>

#include "core/random.h"
#include "domain/page_token.h"
#include "domain/rate_limiter.h"
#include "domain/views.h"
#include "ssooidc/portal_types.h"

namespace ssooidc::domain {

struct Context;
class ClientService;
// A user's accounts and roles as stored, and one such role with its credential source: private
// to portal_service.cc.
struct PortalDirectory;
struct StoredRole;

class PortalService {
 public:
  // Where failures of credential sources are reported (one line each, no secrets, nothing the
  // program printed). Defaults to standard error.
  using Log = std::function<void(std::string_view line)>;

  // `clients` answers whether a token's registration is a legacy (unscoped) one. `page_token_key`
  // signs nextTokens; every server process must use the same one, or a page token from one is
  // refused by another (empty: a random key of this object's own).
  PortalService(Context& ctx, ClientService& clients, Log log = {},
                std::string page_token_key = {});

  static constexpr std::int32_t kDefaultPageSize = 20;
  static constexpr std::int32_t kMaxPageSize = 100;
  static constexpr std::string_view kPortalScope = "sso:account:access";
  static constexpr std::size_t kMaxCachedEntries = 10'000;
  static constexpr std::size_t kMaxCachedAccounts = 1'000;

  // The access token when it may call the portal (see above).
  [[nodiscard]] std::expected<PortalCaller, Error> authenticate(std::string_view access_token);

  [[nodiscard]] std::expected<ListAccountsResponse, Error> list_accounts(
      const PortalCaller& caller, std::optional<std::int32_t> max_results,
      const std::optional<std::string>& next_token);
  [[nodiscard]] std::expected<ListAccountRolesResponse, Error> list_account_roles(
      const PortalCaller& caller, std::string_view account_id,
      std::optional<std::int32_t> max_results, const std::optional<std::string>& next_token);
  [[nodiscard]] std::expected<RoleCredentials, Error> get_role_credentials(
      const PortalCaller& caller, std::string_view account_id, std::string_view role_name);
  // Revokes the token's whole family (access and refresh tokens).
  [[nodiscard]] std::expected<void, Error> logout(const PortalCaller& caller);

  // Every account and role assigned to `user_name` (for the person's portal page).
  struct AccountWithRoles {
    PortalAccount account;
    std::vector<PortalRole> roles;  // by name
  };
  [[nodiscard]] std::expected<std::vector<AccountWithRoles>, Error> assignments_of(
      std::string_view user_name);
  // Credentials for a signed-in person of the portal page: as get_role_credentials, expiring at
  // the earlier of the role's duration and `session_ends_at`; rate-limited per user name like the
  // API per token (TooManyRequests).
  [[nodiscard]] std::expected<RoleCredentials, Error> credentials_for_user(
      std::string_view user_name, std::string_view account_id, std::string_view role_name,
      std::int64_t session_ends_at);

 private:
  [[nodiscard]] std::expected<RoleCredentials, Error> issue(std::string_view user_name,
                                                            const StoredRole& role,
                                                            std::int64_t session_ends_at);
  [[nodiscard]] std::expected<std::int32_t, Error> page_size(
      std::optional<std::int32_t> max_results) const;

  struct CachedCaller {
    PortalCaller token;
    std::int64_t session_ends_at = 0;
    std::int64_t fetched_millis = 0;
  };
  bool fresh(std::int64_t fetched_millis) const;
  // TooManyRequests with `text` when `key` is over the limit, the storage error when the counter
  // cannot be kept, nullopt when the request may go ahead (and was counted).
  std::optional<Error> rate_limited(std::string_view key, std::string_view text);
  // The user's accounts and roles: cached, or read from storage.
  [[nodiscard]] std::expected<std::shared_ptr<const PortalDirectory>, Error> directory_of(
      std::string_view user_name);
  [[nodiscard]] std::expected<std::int64_t, Error> session_end_of(const PortalCaller& caller);
  // The role when it is assigned to the user (it points into, and keeps alive, the user's
  // directory); ResourceNotFound otherwise.
  [[nodiscard]] std::expected<std::shared_ptr<const StoredRole>, Error> find_assigned(
      std::string_view user_name, std::string_view account_id, std::string_view role_name);

  Context& ctx_;
  ClientService& clients_;
  Log log_;
  PageTokenCodec pages_;
  RateLimiter limiter_;  // per token (and per user for the page), counted in storage
  std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, CachedCaller> callers_;  // by token hash
  std::unordered_map<std::string, std::shared_ptr<const PortalDirectory>> directories_;  // by user
};

// AWS's shapes for minted credentials: "ASIA" + 16 of A-Z, a 40-character secret of the base64
// alphabet, and a long session token; all from `random`.
RoleCredentials mint_credentials(core::Random& random);

}  // namespace ssooidc::domain
