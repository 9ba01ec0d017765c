#include "domain/token_service.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "domain/context.h"
#include "domain/pending_cache.h"
#include "domain/pending_index.h"
#include "domain/retry_grace.h"
#include "domain/test_controls.h"
#include "storage/storage.h"

namespace ssooidc::domain {
namespace {

constexpr std::size_t kTokenBytes = 32;

// The scopes a grant asks for, narrowed from those it was granted (RFC 6749 section 6: a refresh,
// and here also a code exchange, may ask for fewer, never for more). No request keeps them all.
std::expected<std::vector<std::string>, Error> narrow_scopes(
    const std::vector<std::string>& granted,
    const std::optional<std::vector<std::string>>& requested) {
  if (!requested || requested->empty()) return granted;
  for (const auto& s : *requested)
    if (std::ranges::find(granted, s) == granted.end())
      return fail(ErrorType::kInvalidScope, "Scope '" + s + "' was not granted");
  return *requested;
}

// The retry grace is kept per face: its key is the client id with the face's prefix.
std::string grace_key(const Client& client, Dialect dialect) {
  return (dialect == Dialect::kAws ? "aws:" : "oauth:") + client.client_id;
}

}  // namespace

struct TokenService::Issued {
  std::vector<storage::TokenRecord> records;
  CreateTokenResponse response;
};

// A grant checked and its tokens made, waiting only for its redemption (or rotation) to be
// stored: what `conclude` needs to answer once the store has said whether it won.
struct TokenService::PendingGrant {
  GrantKind kind = GrantKind::kDeviceCode;
  storage::Redemption stored;  // what the store is handed (moved out without waiting)
  std::string hash;            // of the one-time value (stored.hash, kept for the answer)
  std::string client_id;       // stored.client_id, likewise
  bool grace_stored = false;   // the retry-grace entry goes with the redemption
  CreateTokenResponse response;
  std::vector<std::string> scopes;
  std::string secret;     // the one-time value presented: the retry grace's key
  std::string grace_key;  // grace_key(client, dialect)
  std::string family_id;  // what a lost race revokes (refresh, authorization code)
  std::string user_name;
};

// What a grant's checks come to: the answer already (a retry given its first response again),
// or a grant waiting to be stored.
struct TokenService::Prepared {
  Prepared(Grant grant) : answer(std::move(grant)) {}  // NOLINT(google-explicit-constructor)
  Prepared(std::unique_ptr<PendingGrant> grant)        // NOLINT(google-explicit-constructor)
      : pending(std::move(grant)) {}
  std::optional<Grant> answer;
  std::unique_ptr<PendingGrant> pending;
};

std::unique_ptr<TokenService::PendingGrant> TokenService::pending_grant(
    GrantKind kind, std::string hash, const Client& client, std::int64_t now,
    Issued issued, std::vector<std::string> scopes, std::string secret, Dialect dialect,
    std::string family_id, std::string user_name) {
  auto grant = std::make_unique<PendingGrant>();
  grant->kind = kind;
  grant->grace_key = grace_key(client, dialect);
  // The retry-grace entry is committed with the redemption (one batch of the group commit, one
  // fsync, where a put after it made every issuance wait for a second batch). A code has none.
  if (kind != GrantKind::kAuthorizationCode)
    grant->stored.remember = grace_->entry_for(grant->grace_key, secret, issued.response);
  grant->grace_stored = grant->stored.remember.has_value();
  grant->stored.hash = hash;
  grant->stored.client_id = client.client_id;
  grant->stored.now = now;
  grant->stored.tokens = std::move(issued.records);
  grant->hash = std::move(hash);
  grant->client_id = client.client_id;
  grant->response = std::move(issued.response);
  grant->scopes = std::move(scopes);
  grant->secret = std::move(secret);
  grant->family_id = std::move(family_id);
  grant->user_name = std::move(user_name);
  return grant;
}

storage::Result<bool> TokenService::store(PendingGrant& grant) {
  const storage::Redemption& r = grant.stored;
  const storage::RetryGraceEntry* remember = r.remember ? &*r.remember : nullptr;
  switch (grant.kind) {
    case GrantKind::kDeviceCode:
      return ctx_.storage.device_authorizations().redeem(r.hash, r.client_id, r.now, r.tokens,
                                                         remember);
    case GrantKind::kAuthorizationCode:
      return ctx_.storage.authorization_codes().redeem(r.hash, r.client_id, r.now, r.tokens);
    case GrantKind::kRefresh:
      return ctx_.storage.tokens().rotate(r.hash, r.tokens, remember);
  }
  return fail(ErrorType::kInternalServer, "unknown grant");
}

std::expected<Grant, Error> TokenService::conclude(PendingGrant& grant, storage::Result<bool> stored) {
  if (!stored) return std::unexpected(std::move(stored.error()));
  if (*stored) {
    if (grant.kind == GrantKind::kDeviceCode) polls_.forget(grant.hash);
    if (grant.kind != GrantKind::kAuthorizationCode && !grant.grace_stored)
      grace_->remember(grant.grace_key, grant.secret, grant.response);
    return Grant{std::move(grant.response), std::move(grant.scopes)};
  }
  // Lost a race with another use of the same one-time value.
  switch (grant.kind) {
    case GrantKind::kDeviceCode:
      if (auto again = retried_response(grant.grace_key, grant.secret))
        return Grant{std::move(*again), std::move(grant.scopes)};
      return fail(ErrorType::kInvalidGrant, "Device code has already been used");
    case GrantKind::kRefresh:
      // That is reuse too, unless the winner was this client's own first attempt.
      if (auto again = retried_response(grant.grace_key, grant.secret))
        return Grant{std::move(*again), std::move(grant.scopes)};
      core::record_event(ctx_.events, "refresh_token.reuse_detected",
                         {{"client_id", grant.client_id}, {"user", grant.user_name}});
      return revoke_family(grant.family_id, grant.user_name, "refresh token reused");
    case GrantKind::kAuthorizationCode:
      // That is a replay too.
      if (auto r = revoke_family_of(grant.family_id, grant.user_name, "authorization code reused");
          !r)
        return std::unexpected(r.error());
      return fail(ErrorType::kInvalidGrant, "Authorization code has already been used");
  }
  return fail(ErrorType::kInternalServer, "unknown grant");
}

TokenService::TokenService(Context& ctx, ClientService& clients, UserService& users,
                           IdTokenIssuer* id_tokens)
    : ctx_(ctx),
      clients_(clients),
      users_(users),
      id_tokens_(id_tokens),
      // In storage, so that a retry reaching another server process is recognised too.
      grace_(std::make_unique<RetryGrace>(ctx.clock, ctx.random, ctx.settings.retry_grace_seconds,
                                          10'000, &ctx.storage.retry_grace())),
      pending_(std::make_unique<PendingCache>()),
      index_(std::make_unique<PendingIndex>()) {}

TokenService::~TokenService() = default;

std::expected<User, Error> TokenService::enabled_user(std::string_view name,
                                                                     ErrorType refusal,
                                                                     std::string text) {
  auto user = users_.find_enabled(name);
  if (!user && user.error().type == ErrorType::kAccessDenied) return fail(refusal, std::move(text));
  return user;
}

std::expected<CreateTokenResponse, Error> TokenService::create_token(
    const CreateTokenRequest& req) {
  if (req.grantType.empty()) return fail(ErrorType::kInvalidRequest, "grantType is required");
  auto client = clients_.authenticate(req.clientId, req.clientSecret);
  if (!client) return std::unexpected(client.error());
  auto granted = grant(*client, req, Dialect::kAws);
  if (!granted) return std::unexpected(std::move(granted.error()));
  return std::move(granted->response);
}

std::expected<Grant, Error> TokenService::grant(const Client& client,
                                                const CreateTokenRequest& req, Dialect dialect) {
  auto prepared = prepare_grant(client, req, dialect);
  if (!prepared) return std::unexpected(std::move(prepared.error()));
  if (prepared->answer) return std::move(*prepared->answer);
  PendingGrant& pending = *prepared->pending;
  return conclude(pending, store(pending));
}

bool TokenService::commits_without_waiting(std::string_view grant_type) {
  if (grant_type == kGrantDeviceCode)
    return ctx_.storage.device_authorizations().redeems_without_waiting();
  if (grant_type == kGrantAuthorizationCode)
    return ctx_.storage.authorization_codes().redeems_without_waiting();
  if (grant_type == kGrantRefreshToken) return ctx_.storage.tokens().rotates_without_waiting();
  return false;
}

bool TokenService::create_token_without_waiting(const CreateTokenRequest& req,
                                                TokenDone& done) {
  if (!commits_without_waiting(req.grantType)) return false;
  const auto answer = [&](std::expected<CreateTokenResponse, Error> resp) {
    TokenDone taken = std::move(done);
    taken(std::move(resp));
    return true;
  };
  auto client = clients_.authenticate(req.clientId, req.clientSecret);
  if (!client) return answer(std::unexpected(std::move(client.error())));
  auto prepared = prepare_grant(*client, req, Dialect::kAws);
  if (!prepared) return answer(std::unexpected(std::move(prepared.error())));
  if (prepared->answer) return answer(std::move(prepared->answer->response));
  PendingGrant& pending = *prepared->pending;
  storage::Redemption redemption = std::move(pending.stored);
  // On the writer's thread once the batch is committed. Losing a race (another use of the same
  // value in the same moment: rare, a replay) is answered there too, with the reads and the
  // family's revocation that answer takes (storage::RedeemDone's "quick" bent for that case
  // alone: revoke_family is an ordinary write of its own, not one of the group commit's, so it
  // cannot wait for the writer it runs on).
  storage::RedeemDone stored = [this, grant = std::move(prepared->pending),
                                done = std::move(done)](storage::Result<bool> outcome) mutable {
    auto concluded = conclude(*grant, std::move(outcome));
    done(concluded ? std::expected<CreateTokenResponse, Error>(std::move(concluded->response))
                   : std::unexpected(std::move(concluded.error())));
  };
  switch (pending.kind) {
    case GrantKind::kDeviceCode:
      ctx_.storage.device_authorizations().redeem_without_waiting(std::move(redemption),
                                                                  std::move(stored));
      break;
    case GrantKind::kAuthorizationCode:
      ctx_.storage.authorization_codes().redeem_without_waiting(std::move(redemption),
                                                                std::move(stored));
      break;
    case GrantKind::kRefresh:
      ctx_.storage.tokens().rotate_without_waiting(std::move(redemption), std::move(stored));
      break;
  }
  return true;
}

std::expected<TokenService::Prepared, Error> TokenService::prepare_grant(
    const Client& client, const CreateTokenRequest& req, Dialect dialect) {
  const bool known = req.grantType == kGrantDeviceCode || req.grantType == kGrantRefreshToken ||
                     req.grantType == kGrantAuthorizationCode;
  if (!known)
    return fail(ErrorType::kUnsupportedGrantType, "Unsupported grant type: " + req.grantType);
  if (!ClientService::allows_grant(client, req.grantType))
    return fail(ErrorType::kUnauthorizedClient,
                "The client is not authorized to use the " + req.grantType + " grant");
  if (req.grantType == kGrantDeviceCode) return device_code_grant(client, req, dialect);
  if (req.grantType == kGrantAuthorizationCode) return authorization_code_grant(client, req);
  return refresh_grant(client, req, dialect);
}

std::expected<void, Error> TokenService::add_id_token(CreateTokenResponse& response,
                                                      const Client& client,
                                                      const User& user,
                                                      const std::vector<std::string>& scopes,
                                                      std::int64_t auth_time,
                                                      const std::string& nonce) {
  if (!id_tokens_ || std::ranges::find(scopes, "openid") == scopes.end()) return {};
  auto id_token = id_tokens_->issue({user.name, client.client_id, auth_time, user.email, nonce});
  if (!id_token) return std::unexpected(id_token.error());
  response.idToken = std::move(*id_token);
  return {};
}

TokenService::Issued TokenService::issue(const Client& client,
                                         const std::string& user_name,
                                         const std::vector<std::string>& scopes,
                                         std::int64_t session_expires_at,
                                         const std::string& family_id) {
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  const bool refreshable = ClientService::refreshable(client);
  const std::int32_t ttl = refreshable ? ctx_.settings.access_token_ttl_seconds
                                       : ctx_.settings.legacy_access_token_ttl_seconds;
  Issued out;
  const std::int64_t now_ms = ctx_.clock.now_epoch_millis();
  const std::string access = crypto::ordered_token(ctx_.random, "aoa", kTokenBytes, now_ms);
  storage::TokenRecord a;
  a.token_hash = crypto::secret_hash(access);
  a.kind = storage::TokenKind::kAccess;
  a.family_id = family_id;
  a.client_id = client.client_id;
  a.user_name = user_name;
  a.scopes = scopes;
  a.issued_at = now;
  a.expires_at = now + ttl;
  out.records.push_back(a);
  out.response.accessToken = access;
  out.response.tokenType = "Bearer";
  out.response.expiresIn = ttl;
  if (refreshable) {
    const std::string refresh = crypto::ordered_token(ctx_.random, "aor", kTokenBytes, now_ms);
    storage::TokenRecord r = a;
    r.token_hash = crypto::secret_hash(refresh);
    r.kind = storage::TokenKind::kRefresh;
    r.expires_at = session_expires_at;
    out.records.push_back(std::move(r));
    out.response.refreshToken = refresh;
  }
  return out;
}

// The response remembered for a retry of `secret` by `client` (retry_grace.h), as long as the
// client has not used the refresh token that response gave it: once it has, the response
// evidently arrived, and the secret presented again is reuse.
std::optional<CreateTokenResponse> TokenService::retried_response(const std::string& key,
                                                                  const std::string& secret) {
  auto again = grace_->recall(key, secret);
  if (!again) return std::nullopt;
  if (again->refreshToken) {
    auto successor = ctx_.storage.tokens().find(crypto::secret_hash(*again->refreshToken));
    if (!successor || !*successor || (*successor)->used || (*successor)->revoked)
      return std::nullopt;
  }
  return again;
}

std::expected<std::int64_t, Error> TokenService::revoke_family_of(const std::string& family_id,
                                                                 const std::string& user_name,
                                                                 std::string_view why) {
  auto revoked = ctx_.storage.tokens().revoke_family(family_id);
  if (!revoked) return std::unexpected(revoked.error());
  const std::string count = std::to_string(*revoked);
  core::record_event(ctx_.events, "token_family.revoked",
                     {{"user", user_name}, {"reason", why}, {"tokens", count}});
  return *revoked;
}

std::unexpected<Error> TokenService::revoke_family(const std::string& family_id,
                                                  const std::string& user_name,
                                                  std::string_view why) {
  if (auto r = revoke_family_of(family_id, user_name, why); !r)
    return std::unexpected(r.error());
  return fail(ErrorType::kInvalidGrant, "Refresh token has already been used");
}

std::expected<std::size_t, Error> TokenService::load_pending_index() {
  if (ctx_.test) return 0;
  return index_->load(ctx_.storage.device_authorizations(), ctx_.clock.now_epoch_seconds());
}

std::optional<storage::DeviceAuthorizationRecord> TokenService::indexed_pending(
    std::string_view hash, const storage::ChangeStamp& stamp, std::string_view client_id,
    std::int64_t now, storage::DeviceAuthorizationStore* store) {
  if (ctx_.test) return std::nullopt;  // not loaded in test mode
  const auto held = store != nullptr ? index_->find_caught_up(*store, hash, stamp, client_id, now)
                                     : index_->find(hash, stamp, client_id, now);
  if (!held) return std::nullopt;
  storage::DeviceAuthorizationRecord auth;
  auth.client_id = client_id;
  auth.expires_at = held->expires_at;
  auth.interval = held->interval;
  auth.state = storage::DeviceState::kPending;
  return auth;
}

std::expected<TokenService::Prepared, Error> TokenService::device_code_grant(const Client& client,
                                                            const CreateTokenRequest& req,
                                                            Dialect dialect) {
  if (!req.deviceCode || req.deviceCode->empty())
    return fail(ErrorType::kInvalidRequest, "deviceCode is required for the device_code grant");
  const std::string hash = crypto::secret_hash(*req.deviceCode);
  auto& store = ctx_.storage.device_authorizations();
  // Taken before the read: a commit after it, an approval above all, changes it (pending_cache.h).
  const std::optional<storage::ChangeStamp> stamp = store.change_stamp();
  std::optional<storage::DeviceAuthorizationRecord> cached;
  if (stamp) cached = pending_->find(hash, *stamp);
  // Among millions pending, a code polled for the first time: the index holds it.
  if (!cached && stamp)
    cached = indexed_pending(hash, *stamp, client.client_id, ctx_.clock.now_epoch_seconds(), &store);
  if (!cached) {
    auto found = store.find_by_device_code_hash(hash);
    if (!found) return std::unexpected(found.error());
    if (*found && stamp) pending_->remember(**found, *stamp);
    cached = std::move(*found);
  }
  // A device code is bound to the client that started it (RFC 8628 section 3.4).
  if (!cached || cached->client_id != client.client_id)
    return fail(ErrorType::kInvalidGrant, "Invalid device code provided");
  storage::DeviceAuthorizationRecord auth = std::move(*cached);
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  if (ctx_.test) {
    // Test mode: an error forced by the admin API, or an expiry it brought forward.
    if (auto forced = ctx_.test->take_poll_error(auth.user_code)) return std::unexpected(*forced);
    if (ctx_.test->device_expired(auth.user_code)) auth.expires_at = std::min(auth.expires_at, now);
  }
  // RFC 8628 3.1 `scope` as stored at the start; none: the client's.
  const std::vector<std::string>& scopes = auth.scopes.empty() ? client.scopes : auth.scopes;
  switch (auth.state) {
    case storage::DeviceState::kRedeemed:
      // A retry whose first response was lost gets that response again (retry_grace.h).
      if (auto again = retried_response(grace_key(client, dialect), *req.deviceCode))
        return Grant{std::move(*again), scopes};
      return fail(ErrorType::kInvalidGrant, "Device code has already been used");
    case storage::DeviceState::kDenied:
      polls_.forget(hash);
      return fail(ErrorType::kAccessDenied, "Access was denied by the user");
    case storage::DeviceState::kPending:
      return std::unexpected(*pending_answer(hash, auth, now, /*from_memory=*/false));
    case storage::DeviceState::kApproved:
      break;
  }
  if (auth.expires_at <= now) return fail(ErrorType::kExpiredToken, "Device code has expired");
  auto user = enabled_user(auth.user_name, ErrorType::kAccessDenied,
                           "The approving user is disabled");
  if (!user) return std::unexpected(user.error());

  Issued issued = issue(client, auth.user_name, scopes, now + ctx_.settings.session_ttl_seconds,
                        crypto::ordered_token(ctx_.random, "", 16, ctx_.clock.now_epoch_millis()));
  if (dialect == Dialect::kStandard) {
    // Signed before the code is redeemed, so that a signing failure leaves the code usable. The
    // time the person signed in on the pages is not recorded, so no auth_time.
    if (auto signed_in = add_id_token(issued.response, client, *user, scopes, 0, {}); !signed_in)
      return std::unexpected(signed_in.error());
  }
  return pending_grant(GrantKind::kDeviceCode, hash, client, now, std::move(issued),
                       scopes, *req.deviceCode, dialect, {}, {});
}

namespace {

// The answers to a pending code's poll, made once: a poll answered from memory builds no strings
// (issue 15).
const Error& device_code_expired() {
  static const Error error = Error::make(ErrorType::kExpiredToken, "Device code has expired");
  return error;
}

const Error& polling_too_quickly() {
  static const Error error = Error::make(ErrorType::kSlowDown, "Client is polling too quickly");
  return error;
}

const Error& authorization_pending() {
  static const Error error =
      Error::make(ErrorType::kAuthorizationPending, "Authorization is still pending");
  return error;
}

}  // namespace

const Error* TokenService::pending_answer(std::string_view hash,
                                          const storage::DeviceAuthorizationRecord& auth,
                                          std::int64_t now, bool from_memory) {
  if (!auth.awaiting_decision(now)) {
    polls_.forget(hash);
    return &device_code_expired();
  }
  // Without an interval nothing is tracked (PollTracker), so neither clock is read.
  PollTracker::Verdict verdict;
  if (auth.interval > 0) {
    const std::int64_t mono = ctx_.clock.monotonic_millis();
    const std::int64_t forget_after = mono + (auth.expires_at - now + 60) * 1000;
    const std::int64_t epoch_ms = ctx_.clock.now_epoch_millis();
    if (from_memory) {
      auto recorded = polls_.poll_without_report(hash, auth.interval, mono, epoch_ms, forget_after);
      if (!recorded) return nullptr;
      verdict = *recorded;
    } else {
      verdict = polls_.poll(hash, auth.interval, mono, epoch_ms, forget_after);
    }
  }
  if (verdict.report_polls > 0) {
    // The opening polls, then every few: the shared count (poll_tracker.h). A failed report only
    // leaves this process on its own check: the poll is answered all the same.
    auto total = ctx_.storage.poll_counts().add(hash, verdict.report_polls,
                                                verdict.report_first_epoch_ms, auth.expires_at);
    if (total && polls_.learn_shared(hash, total->polls, total->first_poll_ms, auth.interval,
                                     ctx_.clock.now_epoch_millis()))
      return &polling_too_quickly();
  }
  if (verdict.too_fast) return &polling_too_quickly();
  return &authorization_pending();
}

const Error* TokenService::poll_from_memory(const CreateTokenRequest& req) {
  return poll_from_memory(PollMembers{req.clientId, req.clientSecret, req.grantType,
                                      req.deviceCode ? std::string_view(*req.deviceCode) : ""});
}

const Error* TokenService::poll_from_memory(const PollMembers& req) {
  if (req.grant_type != kGrantDeviceCode || req.device_code.empty()) return nullptr;
  // One reading of the wall clock for the client's expiry and the code's.
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  auto client = clients_.authenticate_from_memory(req.client_id, req.client_secret, now);
  if (!client) return nullptr;
  if (client->refusal != nullptr) return client->refusal;
  const Client& known = *client->client;  // the cache's entry, kept alive by `client`
  if (!ClientService::allows_grant(known, kGrantDeviceCode)) return nullptr;
  const crypto::HexDigest hash = crypto::secret_hash_digest(req.device_code);
  // Only a code the cache holds, or with the index caught up: either was read after a stamp was
  // taken, so the stamp's mapping exists and taking one now reads memory alone.
  const bool cached = pending_->contains(hash.view());
  if (!cached && !index_->caught_up()) return nullptr;
  const std::optional<storage::ChangeStamp> stamp =
      ctx_.storage.device_authorizations().change_stamp();
  if (!stamp) return nullptr;
  std::optional<storage::DeviceAuthorizationRecord> auth =
      cached ? pending_->find_for_poll(hash.view(), *stamp, known.client_id)
             : indexed_pending(hash.view(), *stamp, known.client_id, now, nullptr);
  if (!auth) return nullptr;
  if (ctx_.test) {
    // A forced error is counted down by create_token; an expiry the admin API brought forward
    // applies here as there.
    if (ctx_.test->has_poll_error(auth->user_code)) return nullptr;
    if (ctx_.test->device_expired(auth->user_code)) auth->expires_at = std::min(auth->expires_at, now);
  }
  return pending_answer(hash.view(), *auth, now, /*from_memory=*/true);
}

std::expected<TokenService::Prepared, Error> TokenService::refresh_grant(const Client& client,
                                                        const CreateTokenRequest& req,
                                                        Dialect dialect) {
  if (!req.refreshToken || req.refreshToken->empty())
    return fail(ErrorType::kInvalidRequest, "refreshToken is required for the refresh_token grant");
  const std::string hash = crypto::secret_hash(*req.refreshToken);
  auto& tokens = ctx_.storage.tokens();
  auto found = tokens.find(hash);
  if (!found) return std::unexpected(found.error());
  if (!*found || (*found)->kind != storage::TokenKind::kRefresh ||
      (*found)->client_id != client.client_id)
    return fail(ErrorType::kInvalidGrant, "Invalid refresh token provided");
  const auto& old = **found;
  if (old.revoked) return fail(ErrorType::kInvalidGrant, "Refresh token has been revoked");
  if (old.used) {
    // Unless it is a retry within the grace window, whose first response was lost on the way
    // (retry_grace.h): that gets the same response again.
    if (auto again = retried_response(grace_key(client, dialect), *req.refreshToken))
      return Grant{std::move(*again), narrow_scopes(old.scopes, req.scope).value_or(old.scopes)};
    // A used refresh token presented again means it leaked: revoke everything it led to.
    core::record_event(ctx_.events, "refresh_token.reuse_detected",
                       {{"client_id", client.client_id}, {"user", old.user_name}});
    return revoke_family(old.family_id, old.user_name, "refresh token reused");
  }
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  const bool marked = ctx_.test && ctx_.test->token_expired(hash);  // test mode's admin API
  if (old.expires_at <= now || marked)
    return fail(ErrorType::kInvalidGrant, "Refresh token has expired");
  auto scopes = narrow_scopes(old.scopes, req.scope);
  if (!scopes) return std::unexpected(scopes.error());
  auto user = enabled_user(old.user_name, ErrorType::kInvalidGrant,
                           "The user of this refresh token is disabled");
  if (!user) return std::unexpected(user.error());

  Issued issued = issue(client, old.user_name, *scopes, old.expires_at, old.family_id);
  if (dialect == Dialect::kStandard) {
    // OpenID Connect Core 12.2: no nonce; the original sign-in time is not kept with the tokens.
    if (auto signed_in = add_id_token(issued.response, client, *user, *scopes, 0, {}); !signed_in)
      return std::unexpected(signed_in.error());
  }
  // With its retry-grace entry, as the device-code redemption above.
  return pending_grant(GrantKind::kRefresh, hash, client, now, std::move(issued),
                       std::move(*scopes), *req.refreshToken, dialect, old.family_id,
                       old.user_name);
}

std::expected<TokenService::Prepared, Error> TokenService::authorization_code_grant(
    const Client& client, const CreateTokenRequest& req) {
  if (!req.code || req.code->empty())
    return fail(ErrorType::kInvalidRequest, "code is required for the authorization_code grant");
  if (!req.redirectUri || req.redirectUri->empty())
    return fail(ErrorType::kInvalidRequest,
                "redirectUri is required for the authorization_code grant");
  if (!req.codeVerifier || req.codeVerifier->empty())
    return fail(ErrorType::kInvalidRequest,
                "codeVerifier is required for the authorization_code grant");
  const std::string hash = crypto::secret_hash(*req.code);
  auto& codes = ctx_.storage.authorization_codes();
  auto found = codes.find(hash);
  if (!found) return std::unexpected(found.error());
  // A code is bound to the client it was issued to (RFC 6749 4.1.3); another client learns
  // nothing about it, and the code stays usable by its own client.
  if (!*found || (*found)->client_id != client.client_id)
    return fail(ErrorType::kInvalidGrant, "Invalid authorization code provided");
  const auto& code = **found;
  if (code.used) {
    // RFC 6749 4.1.2: a code used twice means it leaked; revoke what it was exchanged for.
    core::record_event(ctx_.events, "authorization_code.reuse_detected",
                       {{"client_id", client.client_id}, {"user", code.user_name}});
    if (auto r = revoke_family_of(code.family_id, code.user_name, "authorization code reused");
        !r)
      return std::unexpected(r.error());
    return fail(ErrorType::kInvalidGrant, "Authorization code has already been used");
  }
  const std::int64_t now = ctx_.clock.now_epoch_seconds();
  if (code.expires_at <= now)
    return fail(ErrorType::kInvalidGrant, "Authorization code has expired");
  // RFC 6749 4.1.3: the redirect URI must be identical to the one of the authorization request.
  if (*req.redirectUri != code.redirect_uri)
    return fail(ErrorType::kInvalidGrant, "redirectUri does not match the authorization request");
  // RFC 7636 4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
  const std::string& verifier = *req.codeVerifier;
  const bool well_formed =
      verifier.size() >= 43 && verifier.size() <= 128 &&
      std::ranges::all_of(verifier, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~';
      });
  const std::string challenge = crypto::s256_challenge(verifier);
  if (!crypto::constant_time_equals(challenge, code.code_challenge) || !well_formed)
    return fail(ErrorType::kInvalidGrant, "codeVerifier does not match the code challenge");
  auto scopes = narrow_scopes(code.scopes, req.scope);
  if (!scopes) return std::unexpected(scopes.error());
  auto user = enabled_user(code.user_name, ErrorType::kInvalidGrant,
                           "The user of this authorization code is disabled");
  if (!user) return std::unexpected(user.error());

  Issued issued = issue(client, code.user_name, *scopes, now + ctx_.settings.session_ttl_seconds,
                        code.family_id);
  // Signed before the code is redeemed, so that a signing failure leaves the code usable.
  if (auto signed_in =
          add_id_token(issued.response, client, *user, *scopes, code.auth_time, code.nonce);
      !signed_in)
    return std::unexpected(signed_in.error());
  return pending_grant(GrantKind::kAuthorizationCode, hash, client, now,
                       std::move(issued), std::move(*scopes), {}, Dialect::kAws, code.family_id,
                       code.user_name);
}

}  // namespace ssooidc::domain
