// The storage interface: one store per aggregate (clients, device authorizations, tokens, users,
// authorization codes, signing keys), the portal's (portal_stores.h) and the state every server
// process shares: sessions, rate counters, poll counts, leases (shared_state_stores.h),
// reached through one `Storage` object opened from a URL by `open_storage`.
//
// Secrets never reach storage in clear: client secrets, device codes and tokens are stored as
// lower-case hex SHA-256 (`*_hash` fields), passwords as argon2id PHC strings.
//
// Every method returns `std::expected`; a failure is an Error in the vocabulary of
// storage_error.h (kAlreadyExists for an insert of an existing key, kNotFound for an update of a
// named row that is not there, kUnavailable when the backend cannot answer; its mapping rule
// binds every backend), whose description names the operation (never a secret). Outcomes callers
// handle are results: a missing row is nullopt, a lost compare-and-set is false. Compound
// operations (`redeem`, `rotate`) are atomic: either every effect is visible or none is.
//
// Thread safety: a Storage and its stores may be used from any number of threads at once.
//
// Backends: storage/memory/memory_storage.h (tests), storage/sqlite/sqlite_storage.h. Every
// backend passes the conformance suite in tests/storage/storage_conformance_test.cc; a behaviour
// not written down here is not promised.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"
#include "storage/storage_error.h"
#include "storage/portal_stores.h"
#include "storage/shared_state_stores.h"

namespace ssooidc::storage {

template <typename T>
using Result = std::expected<T, Error>;

// Where a client comes from: RegisterClient (expires, never changes) or the operator's
// `ssooidc-server client add` (a fixed client_id, no expiry, removable; issue 14).
enum class ClientOrigin { kRegistered, kOperator };

struct ClientRecord {
  std::string client_id;
  std::string secret_hash;  // empty: a public client without a secret (operator clients only)
  std::string client_name;
  std::string client_type;
  std::vector<std::string> scopes;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::string issuer_url;  // empty when not given
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  ClientOrigin origin = ClientOrigin::kRegistered;
};

enum class DeviceState { kPending, kApproved, kDenied, kRedeemed };

struct DeviceAuthorizationRecord {
  std::string device_code_hash;
  std::string user_code;  // normalised: 8 upper-case letters, no dash
  std::string client_id;
  std::string start_url;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int32_t interval = 1;
  DeviceState state = DeviceState::kPending;
  std::string user_name;          // who allowed or denied; empty while pending
  std::int64_t decided_at = 0;    // when allowed or denied; 0 while pending
  std::string requester_address;  // IP that called StartDeviceAuthorization
  // The scopes asked for (RFC 8628 3.1 `scope`); empty: the client's registered scopes.
  std::vector<std::string> scopes;

  // The one statement of "pending and not expired": a person may still allow or deny it, and a
  // poll is still answered AuthorizationPending. The SQL of `decide` says the same in its WHERE.
  [[nodiscard]] bool awaiting_decision(std::int64_t now) const noexcept {
    return state == DeviceState::kPending && expires_at > now;
  }
};

enum class TokenKind { kAccess, kRefresh };

struct TokenRecord {
  std::string token_hash;
  TokenKind kind = TokenKind::kAccess;
  std::string family_id;  // every token descended from one grant shares it
  std::string client_id;
  std::string user_name;
  std::vector<std::string> scopes;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  bool used = false;     // refresh token already exchanged (rotation)
  bool revoked = false;  // family revoked (reuse detected, logout)
};

struct UserRecord {
  std::string name;
  std::string password_hash;  // argon2id PHC string
  bool disabled = false;
  std::int64_t created_at = 0;
  std::string email;  // may be empty
};

// An authorization code of the PKCE flow (RFC 6749 4.1, RFC 7636), issued after consent.
struct AuthorizationCodeRecord {
  std::string code_hash;
  std::string client_id;
  std::string redirect_uri;    // as presented at /authorize (with the port, for loopback)
  std::string code_challenge;  // S256 challenge, base64url without padding
  std::vector<std::string> scopes;
  std::string user_name;
  std::int64_t auth_time = 0;  // when the person signed in
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  bool used = false;
  std::string family_id;  // of the tokens issued from this code (revoked on replay)
  std::string nonce;      // OpenID Connect `nonce` sent to /authorize; empty when none was sent
};

// An ES256 key that signs ID tokens.
struct SigningKeyRecord {
  std::string kid;
  // The private key as the domain stores it: sealed with the server's key file since issue 11
  // (domain/id_token_issuer.h), a PKCS#8 PEM in rows written before.
  std::string private_pem;
  std::int64_t created_at = 0;
  std::int64_t retire_after = 0;   // no longer signs from this time on
  std::int64_t publish_until = 0;  // stays in the JWKS until this time
};

// A redemption (DeviceAuthorizationStore::redeem, AuthorizationCodeStore::redeem) or a rotation
// (TokenStore::rotate) handed over whole, for the calls that return before it is committed
// (issue 15: issuance without a thread waiting for the fsync). `hash` is the one-time value's (the
// device code's, the code's, the old refresh token's); a rotation ignores `client_id` and `now`.
struct Redemption {
  std::string hash;
  std::string client_id;
  std::int64_t now = 0;
  std::vector<TokenRecord> tokens;
  std::optional<RetryGraceEntry> remember;
};
// What a redemption without waiting hands its outcome to: what redeem() or rotate() would
// return, exactly once, once it is as durable as they make it; on the backend's writer thread, or
// on the calling thread before the call returns (a full queue; a backend that only redeems by
// waiting). Must be quick and never block.
using RedeemDone = std::move_only_function<void(Result<bool>)>;

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  // Inserts a new registration. kAlreadyExists if the client_id exists.
  [[nodiscard]] virtual Result<void> insert(const ClientRecord& client) = 0;
  // insert() without holding the caller while the row is committed (issue 15), as
  // DeviceAuthorizationStore::insert_without_waiting: `done` gets what insert() returns,
  // exactly once, once the row is as durable as insert() makes it; on the backend's writer
  // thread, or on this one before this returns (a full queue; a backend that only inserts by
  // waiting, inserts_without_waiting() false). Must be quick and never block.
  using InsertDone = std::move_only_function<void(Result<void>)>;
  [[nodiscard]] virtual bool inserts_without_waiting() const noexcept { return false; }
  // By value: the SQLite override moves it into the queued write; this default only reads it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void insert_without_waiting(ClientRecord client, InsertDone done) {
    done(insert(client));
  }
  // The registration, or nullopt when unknown (expiry is the caller's business).
  [[nodiscard]] virtual Result<std::optional<ClientRecord>> find(std::string_view client_id) = 0;
  // The operator's clients (origin kOperator), ordered by client_id (byte-wise). Registrations
  // are not listed: there may be very many.
  [[nodiscard]] virtual Result<std::vector<ClientRecord>> list_operator_clients() = 0;
  // Atomically deletes the client together with its device authorizations, tokens and
  // authorization codes. Returns false (and changes nothing) when there is no such client.
  [[nodiscard]] virtual Result<bool> remove(std::string_view client_id) = 0;
  // Atomically deletes the registrations that expired before `before` together with everything
  // that hangs off them: their device authorizations, tokens and authorization codes. Returns
  // how many registrations went.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t before) = 0;
};

// What DeviceAuthorizationStore::change_stamp returns. Two equal stamps mean that no
// connection, of this process or of any other on the same database, committed anything between
// the two reads; any commit in between makes them differ.
struct ChangeStamp {
  std::array<unsigned char, 48> bytes{};
  bool operator==(const ChangeStamp&) const = default;
};

// What a poll of a pending code reads of its row (DeviceAuthorizationStore::scan_pending).
struct PendingRow {
  std::string_view device_code_hash;  // lower-case hex, as everywhere
  std::string_view client_id;
  std::int64_t expires_at = 0;
  std::int32_t interval = 0;
};

// DeviceAuthorizationStore::changes_since: the device code hashes of pending rows decided or
// removed after a change number, and the number of the newest of them.
struct PendingChanges {
  std::int64_t last = 0;  // the newest change read; `after` when there was none
  // False: some changes after `after` are no longer kept, or there were more than `limit`
  // (the hashes are then only some of them).
  bool complete = true;
  std::vector<std::string> device_code_hashes;
};

class DeviceAuthorizationStore {
 public:
  virtual ~DeviceAuthorizationStore() = default;
  // A cheap stamp of the database's state (no query, no lock): what a reader may keep from an
  // earlier read stays true while the stamp stays equal, whoever writes. nullopt: this backend
  // has no such stamp, and nothing read from it may be reused. SQLite: the WAL-index header in
  // the shared memory every connection to the file maps (storage/sqlite/change_watch.h).
  [[nodiscard]] virtual std::optional<ChangeStamp> change_stamp() { return std::nullopt; }
  // Inserts a pending authorization. Returns false (and stores nothing) when its user code is
  // already taken by another row, so that the caller can draw a new code.
  [[nodiscard]] virtual Result<bool> insert(const DeviceAuthorizationRecord& authorization) = 0;
  // What insert_without_waiting hands its result to (issue 15).
  using InsertDone = std::move_only_function<void(Result<bool>)>;
  // True when insert_without_waiting returns without waiting for the database (SQLite: the row
  // goes to the group commit's queue); false: it is insert() on the calling thread, so a caller
  // that must not block (an I/O thread) has to take the blocking path instead.
  [[nodiscard]] virtual bool inserts_without_waiting() const noexcept { return false; }
  // insert() without holding the caller while the row is committed (issue 15: a durable write
  // completes on the I/O thread). `done` is called exactly once with what insert() would
  // return, and only once the row is as durable as insert() makes it (SQLite: its batch is
  // committed and synced). It is called on the backend's writer thread, or on the calling thread
  // before this returns (the queue is full: kUnavailable; a backend without a writer thread:
  // insert()'s result), so it must be quick and must never block.
  // By value: the SQLite override moves it into the queued write; this default only reads it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void insert_without_waiting(DeviceAuthorizationRecord authorization, InsertDone done) {
    done(insert(authorization));
  }
  [[nodiscard]] virtual Result<std::optional<DeviceAuthorizationRecord>> find_by_device_code_hash(
      std::string_view device_code_hash) = 0;
  [[nodiscard]] virtual Result<std::optional<DeviceAuthorizationRecord>> find_by_user_code(
      std::string_view user_code) = 0;
  // Moves a pending, unexpired (expires_at > now) authorization to kApproved or kDenied, recording
  // who and when, and returns the row as decided. nullopt (and nothing changed) when it is
  // unknown, not pending or has expired.
  [[nodiscard]] virtual Result<std::optional<DeviceAuthorizationRecord>> decide(
      std::string_view user_code, bool allow, std::string_view user_name, std::int64_t now) = 0;
  // Atomically moves an approved authorization of `client_id` to kRedeemed and inserts `tokens`.
  // Returns false (and changes nothing) when it is not approved, belongs to another client or
  // has expired (expires_at <= now). kAlreadyExists (and nothing changed) when a token's hash
  // exists. Of concurrent calls for one authorization, in any process or replica on the same
  // database, exactly one returns true: a device code yields one set of tokens (RFC 8628 3.5),
  // so the check and the change are one conditional statement in every SQL backend.
  // `remember`, when given, is stored (as RetryGraceStore::put would) in the same atomic step,
  // and only when this returns true: the response of a redemption and its retry-grace entry are
  // committed together or not at all.
  [[nodiscard]] virtual Result<bool> redeem(std::string_view device_code_hash,
                                            std::string_view client_id, std::int64_t now,
                                            const std::vector<TokenRecord>& tokens,
                                            const RetryGraceEntry* remember = nullptr) = 0;
  // True when redeem_without_waiting returns before the redemption is committed (SQLite: it goes
  // to the group commit's queue); false: it is redeem() on the calling thread.
  [[nodiscard]] virtual bool redeems_without_waiting() const noexcept { return false; }
  // redeem() without holding the caller while it is committed; `done` as storage::RedeemDone.
  // By value: the SQLite override moves it into the queued write; this default only reads it.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void redeem_without_waiting(Redemption redemption, RedeemDone done) {
    done(redeem(redemption.hash, redemption.client_id, redemption.now, redemption.tokens,
                redemption.remember ? &*redemption.remember : nullptr));
  }
  // Deletes authorizations that expired before `before`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t before) = 0;
  // How many are pending and unexpired (expires_at > now), for the metrics gauge.
  [[nodiscard]] virtual Result<std::int64_t> count_pending(std::int64_t now) = 0;

  // The change log behind the poll's pending index (issue 15 item 4, domain/pending_index.h):
  // every pending row that any writer, in any process, decides or removes before it expired is
  // numbered in it, committed with that change. A backend without one (memory, PostgreSQL)
  // answers nullopt to both, and nothing scan_pending gives may be kept.
  // The number of the newest change (0: none yet).
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> latest_change() {
    return std::optional<std::int64_t>();
  }
  // The changes numbered after `after`, oldest first, at most `limit` of them.
  [[nodiscard]] virtual Result<std::optional<PendingChanges>> changes_since(
      std::int64_t /*after*/, std::int64_t /*limit*/) {
    return std::optional<PendingChanges>();
  }
  // Hands every row pending and unexpired (expires_at > now) to `each`, in no promised order;
  // the views live until `each` returns. Without a change log, hands none.
  [[nodiscard]] virtual Result<void> scan_pending(
      std::int64_t /*now*/, const std::function<void(const PendingRow&)>& /*each*/) {
    return {};
  }
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // Inserts all of `tokens` or, on error (e.g. a hash that exists already), none of them.
  [[nodiscard]] virtual Result<void> insert(const std::vector<TokenRecord>& tokens) = 0;
  [[nodiscard]] virtual Result<std::optional<TokenRecord>> find(std::string_view token_hash) = 0;
  // Atomically marks the refresh token `old_hash` used and inserts `replacements`. Returns false
  // (and changes nothing) when it is already used, revoked, unknown or not a refresh token.
  // Expiry is the caller's business. kAlreadyExists (and nothing changed) when a replacement's hash
  // exists. Exactly one of concurrent rotations of one token, on any replica, returns true: the
  // loser's false is how the caller tells a replayed refresh token (and revokes its family).
  // `remember` as for DeviceAuthorizationStore::redeem: stored with the rotation, only when it
  // returns true.
  [[nodiscard]] virtual Result<bool> rotate(std::string_view old_hash,
                                            const std::vector<TokenRecord>& replacements,
                                            const RetryGraceEntry* remember = nullptr) = 0;
  // As DeviceAuthorizationStore::redeems_without_waiting and redeem_without_waiting, for
  // rotate(): `redemption.hash` is the old refresh token's, `tokens` its replacements.
  [[nodiscard]] virtual bool rotates_without_waiting() const noexcept { return false; }
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void rotate_without_waiting(Redemption redemption, RedeemDone done) {
    done(rotate(redemption.hash, redemption.tokens,
                redemption.remember ? &*redemption.remember : nullptr));
  }
  // The latest expires_at of the family's unrevoked tokens (for a refreshable login, when its
  // refresh tokens stop working: the end of the SSO session), or nullopt when it has none.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> family_expires_at(
      std::string_view family_id) = 0;
  // Revokes every token of the family. Returns how many tokens were revoked by this call (tokens
  // already revoked are not counted again, so a second call returns 0).
  [[nodiscard]] virtual Result<std::int64_t> revoke_family(std::string_view family_id) = 0;
  // Deletes tokens that expired before `before`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class AuthorizationCodeStore {
 public:
  virtual ~AuthorizationCodeStore() = default;
  // Inserts an unused code. kAlreadyExists when its hash exists already.
  [[nodiscard]] virtual Result<void> insert(const AuthorizationCodeRecord& code) = 0;
  // The code (used or not, expired or not), or nullopt when unknown.
  [[nodiscard]] virtual Result<std::optional<AuthorizationCodeRecord>> find(
      std::string_view code_hash) = 0;
  // Atomically marks an unused, unexpired (expires_at > now) code of `client_id` used and inserts
  // `tokens`. Returns false (and changes nothing) when it is unknown, used, expired or belongs to
  // another client. kAlreadyExists (and nothing changed) when a token's hash exists. One winner
  // among concurrent calls, as DeviceAuthorizationStore::redeem: a code is single-use
  // (RFC 6749 4.1.2).
  [[nodiscard]] virtual Result<bool> redeem(std::string_view code_hash, std::string_view client_id,
                                            std::int64_t now,
                                            const std::vector<TokenRecord>& tokens) = 0;
  // As DeviceAuthorizationStore::redeems_without_waiting and redeem_without_waiting (a code
  // has no retry-grace entry: `remember` is ignored).
  [[nodiscard]] virtual bool redeems_without_waiting() const noexcept { return false; }
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  virtual void redeem_without_waiting(Redemption redemption, RedeemDone done) {
    done(redeem(redemption.hash, redemption.client_id, redemption.now, redemption.tokens));
  }
  // Deletes codes that expired before `before`. Returns how many.
  [[nodiscard]] virtual Result<std::int64_t> purge_expired(std::int64_t before) = 0;
};

class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;
  // kAlreadyExists when the kid exists already.
  [[nodiscard]] virtual Result<void> insert(const SigningKeyRecord& key) = 0;
  // Every key, oldest first (by created_at, then kid).
  [[nodiscard]] virtual Result<std::vector<SigningKeyRecord>> list() = 0;
  // Replaces the stored private key of `kid` (re-encryption). kNotFound (and nothing changed)
  // when there is no such key.
  [[nodiscard]] virtual Result<void> set_private_pem(std::string_view kid,
                                                     std::string_view private_pem) = 0;
  // Deletes the keys that stopped signing before `retired_before` (retire_after < retired_before)
  // and stopped being published before `unpublished_before` (publish_until < unpublished_before).
  // Returns how many. With bounds at most `now`, the key that signs now (retire_after > now) is
  // never deleted.
  [[nodiscard]] virtual Result<std::int64_t> purge_retired(std::int64_t retired_before,
                                                           std::int64_t unpublished_before) = 0;
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  // Returns false when a user of that name exists already.
  [[nodiscard]] virtual Result<bool> insert(const UserRecord& user) = 0;
  [[nodiscard]] virtual Result<std::optional<UserRecord>> find(std::string_view name) = 0;
  // All users ordered by name (byte-wise).
  [[nodiscard]] virtual Result<std::vector<UserRecord>> list() = 0;
  // Sets the user's disabled flag (setting it to what it is succeeds). kNotFound when there is
  // no such user.
  [[nodiscard]] virtual Result<void> set_disabled(std::string_view name, bool disabled) = 0;
  [[nodiscard]] virtual Result<std::int64_t> count() = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual ClientStore& clients() = 0;
  virtual DeviceAuthorizationStore& device_authorizations() = 0;
  virtual TokenStore& tokens() = 0;
  virtual UserStore& users() = 0;
  virtual AuthorizationCodeStore& authorization_codes() = 0;
  virtual SigningKeyStore& signing_keys() = 0;
  // The SSO portal's directory and credential records (portal_stores.h).
  virtual AccountStore& accounts() = 0;
  virtual GroupStore& groups() = 0;
  virtual AssignmentStore& assignments() = 0;
  virtual CredentialRecordStore& credential_records() = 0;
  // The state every server process shares (shared_state_stores.h).
  virtual WebSessionStore& web_sessions() = 0;
  virtual RateCounterStore& rate_counters() = 0;
  virtual PollCountStore& poll_counts() = 0;
  virtual LeaseStore& leases() = 0;
  virtual RetryGraceStore& retry_grace() = 0;
};

// Opens a backend from a URL:
//   memory:                   in-process, for tests; every call opens a new, empty store
//   sqlite:PATH  sqlite://PATH  an embedded SQLite file (WAL); parent directories are created
//   postgres://... postgresql://...  a PostgreSQL server (libpq connection URI)
// Runs pending schema migrations. Errors name the URL scheme or the file, never a password.
[[nodiscard]] Result<std::unique_ptr<Storage>> open_storage(std::string_view url);

// What copy_storage moved: rows per table, in the order copied.
struct CopiedTable {
  std::string table;
  std::int64_t rows = 0;
};

// Copies every table of the database at `from_url` into the one at `to_url` (the operator's
// `ssooidc-server storage copy`, moving to PostgreSQL): both are first brought to this build's
// schema, the source is read in one snapshot, and the target is written in one transaction, so
// a failure leaves it as it was. Every table the source has must exist, empty, in the target.
// Supported: sqlite: to postgres(ql)://. Secrets move as they are stored (hashes, sealed keys).
[[nodiscard]] Result<std::vector<CopiedTable>> copy_storage(std::string_view from_url,
                                                            std::string_view to_url);

}  // namespace ssooidc::storage
