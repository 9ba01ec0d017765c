// Client registrations (RegisterClient) and client authentication for the other operations.
//
// Thread safety: safe for concurrent use if the Context's parts are.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/rate_limiter.h"
#include "domain/views.h"
#include "ssooidc/types.h"

namespace ssooidc::domain {

struct Context;

class ClientService {
 public:
  explicit ClientService(Context& ctx);

  // Validates and stores a registration; the secret is returned once and stored as SHA-256.
  // SlowDown when `requester_address` has registered more than settings.register_client_per_minute
  // times a minute (an empty address, for callers inside the server, is not throttled);
  // InvalidRequest for missing members, InvalidClientMetadata for a clientType other than
  // "public", InvalidScope for malformed scopes, UnsupportedGrantType for unknown grant types,
  // InvalidRedirectUri for unusable redirect URIs.
  [[nodiscard]] std::expected<RegisterClientResponse, Error> register_client(
      const RegisterClientRequest& req, std::string_view requester_address = {});

  // A registration ready to insert, with the answer it gets once stored (defined in the .cc: it
  // holds the storage row).
  struct PreparedRegistration;
  // What register_prepared hands its answer to.
  using RegisterDone = std::move_only_function<void(std::expected<RegisterClientResponse, Error>)>;
  // register_client() in two halves, for a thread that must not wait for the database (issue
  // 15; as DeviceService::prepare_start): nullopt, having done nothing, when the storage only
  // inserts by waiting (PostgreSQL) or, unless `may_block`, the per-address throttle is on with
  // an address (it counts in storage); the caller then calls register_client(). Otherwise the
  // refusal register_client() would answer, or the registration for register_prepared.
  [[nodiscard]] std::optional<std::expected<std::shared_ptr<PreparedRegistration>, Error>>
  prepare_registration(
      const RegisterClientRequest& req, std::string_view requester_address, bool may_block);
  // The second half: inserts without waiting; `done` gets what register_client() would return,
  // exactly once, on the storage's writer thread once the row is durable, or on this thread
  // before this returns (the write queue is full).
  void register_prepared(std::shared_ptr<PreparedRegistration> prepared, RegisterDone done);

  // The registration of `client_id` if `client_secret` matches (constant time) and the
  // registration has not expired; InvalidClient (401) otherwise, InvalidRequest when a member is
  // empty. Registrations once read are kept in memory (see find_cached).
  [[nodiscard]] std::expected<Client, Error> authenticate(
      std::string_view client_id, std::string_view client_secret);

  // authenticate() from memory alone, for the I/O thread (issue 15): nullopt when a member is
  // empty or the registration is not in the cache, so that the caller asks authenticate() on a
  // thread that may block. `now_epoch_seconds` is the caller's reading of the clock.
  struct FromMemory {
    // The cache's own registration (shared, not copied: a registration's lists would cost a
    // dozen allocations per poll); null when refused.
    std::shared_ptr<const Client> client;
    // authenticate()'s InvalidClient when refused: an error that lives as long as the program
    // (no strings built per poll).
    const Error* refusal = nullptr;
  };
  [[nodiscard]] std::optional<FromMemory> authenticate_from_memory(std::string_view client_id,
                                                                   std::string_view client_secret,
                                                                   std::int64_t now_epoch_seconds);

  // The standard face's client authentication (RFC 6749 2.3): with `client_secret` as
  // authenticate(); without one, only a public client (one the operator added without a secret)
  // authenticates, by its id alone, as RFC 6749 2.1 and RFC 8628 3.1 allow. InvalidClient
  // otherwise; InvalidRequest when client_id is empty.
  [[nodiscard]] std::expected<Client, Error> authenticate_oauth(
      std::string_view client_id, std::optional<std::string_view> client_secret);

  // A long-lived client the operator adds with a fixed id (issue 14): `ssooidc-server client add`.
  struct OperatorClient {
    std::string client_id;  // 1-128 of A-Z a-z 0-9 . _ ~ -
    std::string client_name;
    bool with_secret = true;  // false: a public client (PKCE or the device grant, no secret)
    std::vector<std::string> redirect_uris;
    std::vector<std::string> grant_types;  // kGrant*; empty: device code and refresh token
    std::vector<std::string> scopes;       // empty: openid and sso:account:access
  };
  // Stores it (the secret as SHA-256, no expiry) and returns the secret, shown once (empty for a
  // public client). InvalidClientMetadata for a bad id or name, kAlreadyExists (InternalServer)
  // when the id is taken, and the errors of register_client for scopes, grants and redirect URIs.
  [[nodiscard]] std::expected<std::string, Error> add_operator_client(const OperatorClient& spec);
  // The operator's clients by client_id.
  [[nodiscard]] std::expected<std::vector<Client>, Error> list_operator_clients();
  // Removes an operator's client with its tokens and pending logins. False when there is no
  // operator client of that id (registrations expire on their own and are not removed here).
  [[nodiscard]] std::expected<bool, Error> remove_operator_client(std::string_view client_id);

  // True when tokens issued to this registration come with a refresh token: like the real
  // service, registrations with scopes (sso:account:access) or the refresh_token grant.
  static bool refreshable(const Client& client);
  // True when the registration allows `grant_type` (registrations without grantTypes allow the
  // device code grant, and the refresh grant when refreshable).
  static bool allows_grant(const Client& client, std::string_view grant_type);

  // Empties the registration cache (the test mode's reset deletes every registration).
  void forget_cached();

  // A registration as the cache keeps it: the view, and the secret's SHA-256 (hex) to check a
  // presented secret against (empty: a public operator client).
  struct Known {
    Client client;
    std::string secret_hash;
  };
  // The registration of `client_id` (expired or not), or nullptr when unknown; from the cache
  // when it has been read before (see below). Error only when storage fails.
  [[nodiscard]] std::expected<std::shared_ptr<const Known>, Error> find_cached(
      std::string_view client_id);

 private:
  // register_client()'s checks after the throttle, and the registration they allow.
  [[nodiscard]] std::expected<std::shared_ptr<PreparedRegistration>, Error> prepare_record(
      const RegisterClientRequest& req);
  // SlowDown (or the storage error) when the address is over its registration budget.
  [[nodiscard]] std::optional<Error> registration_throttled(std::string_view requester_address);
  // Registrations never change once stored (storage's ClientStore has no update), so any node may
  // keep those it has read: every CreateToken poll then skips a database read. At most
  // kMaxCachedClients are kept; when full, the cache starts over. A known client id answers
  // faster than an unknown one, which is harmless: client ids are not secrets, the secret check
  // stays constant-time. Operator clients are not cached: another process may remove them.
  static constexpr std::size_t kMaxCachedClients = 100'000;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  // The end of authenticate(): `client_secret` against `known` (null: unknown), then expiry.
  [[nodiscard]] std::expected<Client, Error> verify(const Known* known,
                                                    std::string_view client_secret);
  // verify() without the copy: the error (one that lives as long as the program), or null when
  // `known` authenticates at `now_epoch_seconds`.
  [[nodiscard]] const Error* refusal(const Known* known, std::string_view client_secret,
                                     std::int64_t now_epoch_seconds);

  Context& ctx_;
  RateLimiter throttle_;  // per address, counted in storage: across every server process
  std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Known>, StringHash, std::equal_to<>>
      cache_;
};

}  // namespace ssooidc::domain
