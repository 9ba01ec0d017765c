#include "testing/faulty_storage.h"

#include <string>

#include "storage/backend_error.h"

namespace ssooidc::test_support {

using namespace storage;  // NOLINT(google-build-using-namespace): it wraps every store
namespace {

// Forwards `forward()` unless this call is to fail; in kAfterCall mode the call runs first and
// its result is dropped.
template <typename Forward>
auto maybe_fail(FaultyStorage& faulty, std::string_view operation, Forward forward)
    -> decltype(forward()) {
  const auto verdict = faulty.next_call();
  if (!verdict.fail) return forward();
  if (verdict.mode == FaultMode::kAfterCall) (void)forward();
  return std::unexpected(backend_error(operation, "injected fault"));
}

}  // namespace

class FaultyStorage::Clients final : public ClientStore {
 public:
  explicit Clients(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> insert(const ClientRecord& client) override {
    return maybe_fail(faulty_, "insert client",
                      [&] { return faulty_.inner().clients().insert(client); });
  }
  Result<std::optional<ClientRecord>> find(std::string_view client_id) override {
    return maybe_fail(faulty_, "find client",
                      [&] { return faulty_.inner().clients().find(client_id); });
  }
  Result<std::int64_t> purge_expired(std::int64_t before) override {
    return maybe_fail(faulty_, "purge clients",
                      [&] { return faulty_.inner().clients().purge_expired(before); });
  }
  Result<std::vector<ClientRecord>> list_operator_clients() override {
    return maybe_fail(faulty_, "list operator clients",
                      [&] { return faulty_.inner().clients().list_operator_clients(); });
  }
  Result<bool> remove(std::string_view client_id) override {
    return maybe_fail(faulty_, "remove client",
                      [&] { return faulty_.inner().clients().remove(client_id); });
  }

 private:
  FaultyStorage& faulty_;
};

class FaultyStorage::DeviceAuthorizations final : public DeviceAuthorizationStore {
 public:
  explicit DeviceAuthorizations(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> insert(const DeviceAuthorizationRecord& authorization) override {
    return maybe_fail(faulty_, "insert device authorization",
                      [&] { return inner().insert(authorization); });
  }
  Result<std::optional<DeviceAuthorizationRecord>> find_by_device_code_hash(
      std::string_view device_code_hash) override {
    return maybe_fail(faulty_, "find device authorization",
                      [&] { return inner().find_by_device_code_hash(device_code_hash); });
  }
  Result<std::optional<DeviceAuthorizationRecord>> find_by_user_code(
      std::string_view user_code) override {
    return maybe_fail(faulty_, "find device authorization by user code",
                      [&] { return inner().find_by_user_code(user_code); });
  }
  Result<std::optional<DeviceAuthorizationRecord>> decide(std::string_view user_code, bool allow,
                                                          std::string_view user_name,
                                                          std::int64_t now) override {
    return maybe_fail(faulty_, "decide device authorization",
                      [&] { return inner().decide(user_code, allow, user_name, now); });
  }
  Result<bool> redeem(std::string_view device_code_hash, std::string_view client_id,
                      std::int64_t now, const std::vector<TokenRecord>& tokens,
                      const RetryGraceEntry* remember) override {
    return maybe_fail(faulty_, "redeem device authorization", [&] {
      return inner().redeem(device_code_hash, client_id, now, tokens, remember);
    });
  }
  Result<std::int64_t> purge_expired(std::int64_t before) override {
    return maybe_fail(faulty_, "purge device authorizations",
                      [&] { return inner().purge_expired(before); });
  }
  Result<std::int64_t> count_pending(std::int64_t now) override {
    return maybe_fail(faulty_, "count pending device authorizations",
                      [&] { return inner().count_pending(now); });
  }

 private:
  DeviceAuthorizationStore& inner() { return faulty_.inner().device_authorizations(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::Tokens final : public TokenStore {
 public:
  explicit Tokens(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> insert(const std::vector<TokenRecord>& tokens) override {
    return maybe_fail(faulty_, "insert tokens", [&] { return inner().insert(tokens); });
  }
  Result<std::optional<TokenRecord>> find(std::string_view token_hash) override {
    return maybe_fail(faulty_, "find token", [&] { return inner().find(token_hash); });
  }
  Result<bool> rotate(std::string_view old_hash, const std::vector<TokenRecord>& replacements,
                      const RetryGraceEntry* remember) override {
    return maybe_fail(faulty_, "rotate refresh token",
                      [&] { return inner().rotate(old_hash, replacements, remember); });
  }
  Result<std::optional<std::int64_t>> family_expires_at(std::string_view family_id) override {
    return maybe_fail(faulty_, "read token family expiry",
                      [&] { return inner().family_expires_at(family_id); });
  }
  Result<std::int64_t> revoke_family(std::string_view family_id) override {
    return maybe_fail(faulty_, "revoke token family",
                      [&] { return inner().revoke_family(family_id); });
  }
  Result<std::int64_t> purge_expired(std::int64_t before) override {
    return maybe_fail(faulty_, "purge tokens", [&] { return inner().purge_expired(before); });
  }

 private:
  TokenStore& inner() { return faulty_.inner().tokens(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::Users final : public UserStore {
 public:
  explicit Users(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> insert(const UserRecord& user) override {
    return maybe_fail(faulty_, "insert user", [&] { return inner().insert(user); });
  }
  Result<std::optional<UserRecord>> find(std::string_view name) override {
    return maybe_fail(faulty_, "find user", [&] { return inner().find(name); });
  }
  Result<std::vector<UserRecord>> list() override {
    return maybe_fail(faulty_, "list users", [&] { return inner().list(); });
  }
  Result<void> set_disabled(std::string_view name, bool disabled) override {
    return maybe_fail(faulty_, "set user disabled",
                      [&] { return inner().set_disabled(name, disabled); });
  }
  Result<std::int64_t> count() override {
    return maybe_fail(faulty_, "count users", [&] { return inner().count(); });
  }

 private:
  UserStore& inner() { return faulty_.inner().users(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::AuthorizationCodes final : public AuthorizationCodeStore {
 public:
  explicit AuthorizationCodes(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> insert(const AuthorizationCodeRecord& code) override {
    return maybe_fail(faulty_, "insert authorization code", [&] { return inner().insert(code); });
  }
  Result<std::optional<AuthorizationCodeRecord>> find(std::string_view code_hash) override {
    return maybe_fail(faulty_, "find authorization code", [&] { return inner().find(code_hash); });
  }
  Result<bool> redeem(std::string_view code_hash, std::string_view client_id, std::int64_t now,
                      const std::vector<TokenRecord>& tokens) override {
    return maybe_fail(faulty_, "redeem authorization code",
                      [&] { return inner().redeem(code_hash, client_id, now, tokens); });
  }
  Result<std::int64_t> purge_expired(std::int64_t before) override {
    return maybe_fail(faulty_, "purge authorization codes",
                      [&] { return inner().purge_expired(before); });
  }

 private:
  AuthorizationCodeStore& inner() { return faulty_.inner().authorization_codes(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::SigningKeys final : public SigningKeyStore {
 public:
  explicit SigningKeys(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> insert(const SigningKeyRecord& key) override {
    return maybe_fail(faulty_, "insert signing key", [&] { return inner().insert(key); });
  }
  Result<std::vector<SigningKeyRecord>> list() override {
    return maybe_fail(faulty_, "list signing keys", [&] { return inner().list(); });
  }
  Result<void> set_private_pem(std::string_view kid, std::string_view private_pem) override {
    return maybe_fail(faulty_, "set signing key",
                      [&] { return inner().set_private_pem(kid, private_pem); });
  }
  Result<std::int64_t> purge_retired(std::int64_t retired_before,
                                     std::int64_t unpublished_before) override {
    return maybe_fail(faulty_, "purge signing keys",
                      [&] { return inner().purge_retired(retired_before, unpublished_before); });
  }

 private:
  SigningKeyStore& inner() { return faulty_.inner().signing_keys(); }
  FaultyStorage& faulty_;
};

// The portal's stores: every call forwarded through maybe_fail like the others.
#define SSOOIDC_FORWARD(operation, call) \
  return maybe_fail(faulty_, operation, [&] { return inner().call; })

class FaultyStorage::Accounts final : public AccountStore {
 public:
  explicit Accounts(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> put(const AccountRecord& a) override { SSOOIDC_FORWARD("put account", put(a)); }
  Result<std::optional<AccountRecord>> find(std::string_view id) override {
    SSOOIDC_FORWARD("find account", find(id));
  }
  Result<std::vector<AccountRecord>> list() override { SSOOIDC_FORWARD("list accounts", list()); }
  Result<bool> remove(std::string_view id) override { SSOOIDC_FORWARD("remove account", remove(id)); }
  Result<bool> put_role(const RoleRecord& r) override { SSOOIDC_FORWARD("put role", put_role(r)); }
  Result<std::optional<RoleRecord>> find_role(std::string_view a, std::string_view r) override {
    SSOOIDC_FORWARD("find role", find_role(a, r));
  }
  Result<std::vector<RoleRecord>> list_roles(std::string_view a) override {
    SSOOIDC_FORWARD("list roles", list_roles(a));
  }
  Result<bool> remove_role(std::string_view a, std::string_view r) override {
    SSOOIDC_FORWARD("remove role", remove_role(a, r));
  }

 private:
  AccountStore& inner() { return faulty_.inner().accounts(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::Groups final : public GroupStore {
 public:
  explicit Groups(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> put(const GroupRecord& g) override { SSOOIDC_FORWARD("put group", put(g)); }
  Result<std::optional<GroupRecord>> find(std::string_view n) override {
    SSOOIDC_FORWARD("find group", find(n));
  }
  Result<std::vector<GroupRecord>> list() override { SSOOIDC_FORWARD("list groups", list()); }
  Result<bool> remove(std::string_view n) override { SSOOIDC_FORWARD("remove group", remove(n)); }
  Result<bool> add_member(std::string_view g, std::string_view u) override {
    SSOOIDC_FORWARD("add group member", add_member(g, u));
  }
  Result<bool> remove_member(std::string_view g, std::string_view u) override {
    SSOOIDC_FORWARD("remove group member", remove_member(g, u));
  }
  Result<std::vector<std::string>> members(std::string_view g) override {
    SSOOIDC_FORWARD("list group members", members(g));
  }

 private:
  GroupStore& inner() { return faulty_.inner().groups(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::Assignments final : public AssignmentStore {
 public:
  explicit Assignments(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> add(const AssignmentRecord& a) override { SSOOIDC_FORWARD("add assignment", add(a)); }
  Result<bool> remove(PrincipalType t, std::string_view p, std::string_view a,
                      std::string_view r) override {
    SSOOIDC_FORWARD("remove assignment", remove(t, p, a, r));
  }
  Result<std::vector<AssignmentRecord>> list() override {
    SSOOIDC_FORWARD("list assignments", list());
  }
  Result<std::vector<AccountRecord>> accounts_for_user(std::string_view u, std::string_view after,
                                                       std::int64_t limit) override {
    SSOOIDC_FORWARD("list accounts of user", accounts_for_user(u, after, limit));
  }
  Result<std::vector<RoleRecord>> roles_for_user(std::string_view u, std::string_view a,
                                                 std::string_view after,
                                                 std::int64_t limit) override {
    SSOOIDC_FORWARD("list roles of user", roles_for_user(u, a, after, limit));
  }
  Result<std::optional<RoleRecord>> assigned_role(std::string_view u, std::string_view a,
                                                  std::string_view r) override {
    SSOOIDC_FORWARD("find assigned role", assigned_role(u, a, r));
  }

 private:
  AssignmentStore& inner() { return faulty_.inner().assignments(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::CredentialRecords final : public CredentialRecordStore {
 public:
  explicit CredentialRecords(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> insert(const CredentialIssueRecord& r) override {
    SSOOIDC_FORWARD("insert credential record", insert(r));
  }
  Result<std::vector<CredentialIssueRecord>> list(std::string_view u, std::int64_t limit) override {
    SSOOIDC_FORWARD("list credential records", list(u, limit));
  }
  Result<std::int64_t> purge_issued_before(std::int64_t before) override {
    SSOOIDC_FORWARD("purge credential records", purge_issued_before(before));
  }

 private:
  CredentialRecordStore& inner() { return faulty_.inner().credential_records(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::WebSessions final : public WebSessionStore {
 public:
  explicit WebSessions(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> insert(const WebSessionRecord& s, const WebSessionLimits& l,
                      std::int64_t now) override {
    SSOOIDC_FORWARD("insert web session", insert(s, l, now));
  }
  Result<std::optional<WebSessionRecord>> find(std::string_view id_hash,
                                               const WebSessionLimits& l,
                                               std::int64_t now) override {
    SSOOIDC_FORWARD("find web session", find(id_hash, l, now));
  }
  Result<bool> update(const WebSessionRecord& s, const WebSessionLimits& l,
                      std::int64_t now) override {
    SSOOIDC_FORWARD("update web session", update(s, l, now));
  }
  Result<std::optional<WebSessionRecord>> renew(std::string_view old_hash,
                                                std::string_view new_hash,
                                                const WebSessionLimits& l,
                                                std::int64_t now) override {
    SSOOIDC_FORWARD("renew web session", renew(old_hash, new_hash, l, now));
  }
  Result<bool> remove(std::string_view id_hash) override {
    SSOOIDC_FORWARD("delete web session", remove(id_hash));
  }
  Result<std::int64_t> purge_ended(const WebSessionLimits& l, std::int64_t now) override {
    SSOOIDC_FORWARD("purge ended web sessions", purge_ended(l, now));
  }
  Result<std::int64_t> count() override { SSOOIDC_FORWARD("count web sessions", count()); }

 private:
  WebSessionStore& inner() { return faulty_.inner().web_sessions(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::RateCounters final : public RateCounterStore {
 public:
  explicit RateCounters(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<std::optional<RateCounterRecord>> find(std::string_view b, std::string_view k) override {
    SSOOIDC_FORWARD("find rate counter", find(b, k));
  }
  Result<CounterWrite> put(const RateCounterRecord& next, std::int64_t expected_version,
                           std::int64_t now_ms, std::int64_t max_keys) override {
    SSOOIDC_FORWARD("put rate counter", put(next, expected_version, now_ms, max_keys));
  }
  Result<bool> remove(std::string_view b, std::string_view k) override {
    SSOOIDC_FORWARD("delete rate counter", remove(b, k));
  }
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override {
    SSOOIDC_FORWARD("purge rate counters", purge_expired(now_ms));
  }
  Result<std::int64_t> count(std::string_view b) override {
    SSOOIDC_FORWARD("count rate counters", count(b));
  }

 private:
  RateCounterStore& inner() { return faulty_.inner().rate_counters(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::PollCounts final : public PollCountStore {
 public:
  explicit PollCounts(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<PollCount> add(std::string_view hash, std::int64_t polls, std::int64_t first_poll_ms,
                        std::int64_t expires_at) override {
    SSOOIDC_FORWARD("add poll count", add(hash, polls, first_poll_ms, expires_at));
  }
  Result<std::int64_t> purge_expired(std::int64_t before) override {
    SSOOIDC_FORWARD("purge poll counts", purge_expired(before));
  }

 private:
  PollCountStore& inner() { return faulty_.inner().poll_counts(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::Leases final : public LeaseStore {
 public:
  explicit Leases(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<bool> acquire(std::string_view name, std::string_view holder, std::int64_t now_ms,
                       std::int64_t until_ms) override {
    SSOOIDC_FORWARD("acquire lease", acquire(name, holder, now_ms, until_ms));
  }
  Result<bool> release(std::string_view name, std::string_view holder) override {
    SSOOIDC_FORWARD("release lease", release(name, holder));
  }
  Result<std::optional<LeaseRecord>> find(std::string_view name) override {
    SSOOIDC_FORWARD("find lease", find(name));
  }

 private:
  LeaseStore& inner() { return faulty_.inner().leases(); }
  FaultyStorage& faulty_;
};

class FaultyStorage::RetryGraces final : public RetryGraceStore {
 public:
  explicit RetryGraces(FaultyStorage& faulty) : faulty_(faulty) {}
  Result<void> put(std::string_view key_hash, std::string_view sealed, std::int64_t now_ms,
                   std::int64_t expires_at_ms) override {
    SSOOIDC_FORWARD("put retry grace", put(key_hash, sealed, now_ms, expires_at_ms));
  }
  Result<std::optional<std::string>> find(std::string_view key_hash, std::int64_t now_ms) override {
    SSOOIDC_FORWARD("find retry grace", find(key_hash, now_ms));
  }
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override {
    SSOOIDC_FORWARD("purge retry grace", purge_expired(now_ms));
  }

 private:
  RetryGraceStore& inner() { return faulty_.inner().retry_grace(); }
  FaultyStorage& faulty_;
};

#undef SSOOIDC_FORWARD

FaultyStorage::FaultyStorage(Storage& inner)
    : inner_(inner),
      clients_(std::make_unique<Clients>(*this)),
      device_authorizations_(std::make_unique<DeviceAuthorizations>(*this)),
      tokens_(std::make_unique<Tokens>(*this)),
      users_(std::make_unique<Users>(*this)),
      authorization_codes_(std::make_unique<AuthorizationCodes>(*this)),
      signing_keys_(std::make_unique<SigningKeys>(*this)),
      accounts_(std::make_unique<Accounts>(*this)),
      groups_(std::make_unique<Groups>(*this)),
      assignments_(std::make_unique<Assignments>(*this)),
      credential_records_(std::make_unique<CredentialRecords>(*this)),
      web_sessions_(std::make_unique<WebSessions>(*this)),
      rate_counters_(std::make_unique<RateCounters>(*this)),
      poll_counts_(std::make_unique<PollCounts>(*this)),
      leases_(std::make_unique<Leases>(*this)),
      retry_grace_(std::make_unique<RetryGraces>(*this)) {}

FaultyStorage::~FaultyStorage() = default;

void FaultyStorage::arm(std::int64_t n, FaultMode mode, bool sticky) noexcept {
  fail_at_.store(0);  // disarmed while the other fields change
  calls_.store(0);
  failures_.store(0);
  mode_.store(mode);
  sticky_.store(sticky);
  fail_at_.store(n);
}

void FaultyStorage::fail_call(std::int64_t n, FaultMode mode) noexcept { arm(n, mode, false); }
void FaultyStorage::fail_from_call(std::int64_t n, FaultMode mode) noexcept { arm(n, mode, true); }
void FaultyStorage::disarm() noexcept { arm(0, FaultMode::kBeforeCall, false); }

void FaultyStorage::stall() {
  std::lock_guard lock(stall_mutex_);
  stalling_ = true;
}

void FaultyStorage::release() {
  {
    std::lock_guard lock(stall_mutex_);
    stalling_ = false;
  }
  stall_released_.notify_all();
}

FaultyStorage::Verdict FaultyStorage::next_call() {
  {
    std::unique_lock lock(stall_mutex_);
    if (stalling_) {
      ++stalled_;
      stall_released_.wait(lock, [this] { return !stalling_; });
      --stalled_;
    }
  }
  const std::int64_t call = ++calls_;
  const std::int64_t at = fail_at_.load();
  const bool fail = at > 0 && (call == at || (call > at && sticky_.load()));
  if (fail) ++failures_;
  return {fail, mode_.load()};
}

ClientStore& FaultyStorage::clients() { return *clients_; }
DeviceAuthorizationStore& FaultyStorage::device_authorizations() { return *device_authorizations_; }
TokenStore& FaultyStorage::tokens() { return *tokens_; }
UserStore& FaultyStorage::users() { return *users_; }
AuthorizationCodeStore& FaultyStorage::authorization_codes() { return *authorization_codes_; }
SigningKeyStore& FaultyStorage::signing_keys() { return *signing_keys_; }
AccountStore& FaultyStorage::accounts() { return *accounts_; }
GroupStore& FaultyStorage::groups() { return *groups_; }
AssignmentStore& FaultyStorage::assignments() { return *assignments_; }
CredentialRecordStore& FaultyStorage::credential_records() { return *credential_records_; }
WebSessionStore& FaultyStorage::web_sessions() { return *web_sessions_; }
RateCounterStore& FaultyStorage::rate_counters() { return *rate_counters_; }
PollCountStore& FaultyStorage::poll_counts() { return *poll_counts_; }
LeaseStore& FaultyStorage::leases() { return *leases_; }
RetryGraceStore& FaultyStorage::retry_grace() { return *retry_grace_; }

}  // namespace ssooidc::test_support
