#include "storage/memory/memory_storage.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "storage/backend_error.h"
#include "storage/memory/memory_portal_stores.h"
#include "storage/memory/memory_shared_state_stores.h"
#include "storage/memory/string_map.h"

namespace ssooidc::storage {
namespace {

// Everything the four stores share. Lock `mutex` for every access.
struct State {
  std::mutex mutex;
  StringMap<ClientRecord> clients;
  StringMap<DeviceAuthorizationRecord> devices;     // by device_code_hash
  StringMap<std::string> device_code_by_user_code;  // user_code -> device_code_hash
  StringMap<TokenRecord> tokens;                    // by token_hash
  StringMap<UserRecord> users;                      // by name, hence list() is ordered
  StringMap<AuthorizationCodeRecord> codes;         // by code_hash
  std::vector<SigningKeyRecord> signing_keys;       // in insertion order
};

template <typename T>
std::optional<T> find_in(const StringMap<T>& map, std::string_view key) {
  const auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

// Checks before inserting anything, so that a failure leaves the map untouched (the SQLite
// backend gets the same from rolling back its transaction).
Result<void> insert_tokens_locked(State& state, const std::vector<TokenRecord>& tokens,
                                  std::string_view operation) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    bool duplicate = state.tokens.contains(tokens[i].token_hash);
    for (std::size_t j = 0; j < i && !duplicate; ++j) {
      duplicate = tokens[j].token_hash == tokens[i].token_hash;
    }
    if (duplicate)
      return std::unexpected(
          storage_error(StorageErrorCode::kAlreadyExists, operation, "token hash already exists"));
  }
  for (const auto& token : tokens) state.tokens.emplace(token.token_hash, token);
  return {};
}

// A redemption's retry-grace entry, put once it has redeemed. Not one atomic step with it as in
// the SQL backends, which nothing in one process can observe apart: a put here cannot fail.
Result<bool> remember_if_redeemed(Result<bool> redeemed, RetryGraceStore& grace,
                                  const RetryGraceEntry* remember) {
  if (!redeemed || !*redeemed || remember == nullptr) return redeemed;
  if (auto put = grace.put(remember->key_hash, remember->sealed, remember->now_ms,
                           remember->expires_at_ms);
      !put)
    return std::unexpected(std::move(put.error()));
  return true;
}

template <typename Map, typename Predicate>
std::int64_t erase_where(Map& map, Predicate predicate) {
  std::int64_t erased = 0;
  for (auto it = map.begin(); it != map.end();) {
    if (predicate(it->second)) {
      it = map.erase(it);
      ++erased;
    } else {
      ++it;
    }
  }
  return erased;
}

class MemoryClientStore final : public ClientStore {
 public:
  explicit MemoryClientStore(State& state) : state_(state) {}

  Result<void> insert(const ClientRecord& client) override {
    std::lock_guard lock(state_.mutex);
    if (!state_.clients.emplace(client.client_id, client).second) {
      return std::unexpected(storage_error(StorageErrorCode::kAlreadyExists, "insert client", "client_id already exists"));
    }
    return {};
  }

  Result<std::optional<ClientRecord>> find(std::string_view client_id) override {
    std::lock_guard lock(state_.mutex);
    return find_in(state_.clients, client_id);
  }

  Result<std::int64_t> purge_expired(std::int64_t before) override {
    std::lock_guard lock(state_.mutex);
    std::set<std::string, std::less<>> gone;
    for (const auto& [id, client] : state_.clients)
      if (client.expires_at < before) gone.insert(id);
    erase_where(state_.devices, [&](const DeviceAuthorizationRecord& authorization) {
      if (!gone.contains(authorization.client_id)) return false;
      state_.device_code_by_user_code.erase(authorization.user_code);
      return true;
    });
    erase_where(state_.tokens, [&](const TokenRecord& t) { return gone.contains(t.client_id); });
    erase_where(state_.codes,
                [&](const AuthorizationCodeRecord& c) { return gone.contains(c.client_id); });
    return erase_where(state_.clients,
                       [&](const ClientRecord& c) { return gone.contains(c.client_id); });
  }

  Result<std::vector<ClientRecord>> list_operator_clients() override {
    std::lock_guard lock(state_.mutex);
    std::vector<ClientRecord> out;
    for (const auto& [id, client] : state_.clients)
      if (client.origin == ClientOrigin::kOperator) out.push_back(client);
    return out;
  }

  Result<bool> remove(std::string_view client_id) override {
    std::lock_guard lock(state_.mutex);
    const auto it = state_.clients.find(client_id);
    if (it == state_.clients.end()) return false;
    erase_where(state_.devices, [&](const DeviceAuthorizationRecord& authorization) {
      if (authorization.client_id != client_id) return false;
      state_.device_code_by_user_code.erase(authorization.user_code);
      return true;
    });
    erase_where(state_.tokens, [&](const TokenRecord& t) { return t.client_id == client_id; });
    erase_where(state_.codes,
                [&](const AuthorizationCodeRecord& c) { return c.client_id == client_id; });
    state_.clients.erase(it);
    return true;
  }

 private:
  State& state_;
};

class MemoryDeviceAuthorizationStore final : public DeviceAuthorizationStore {
 public:
  MemoryDeviceAuthorizationStore(State& state, RetryGraceStore& retry_grace)
      : state_(state), retry_grace_(retry_grace) {}

  Result<bool> insert(const DeviceAuthorizationRecord& authorization) override {
    std::lock_guard lock(state_.mutex);
    if (state_.device_code_by_user_code.contains(authorization.user_code)) return false;
    if (state_.devices.contains(authorization.device_code_hash)) {
      return std::unexpected(
          storage_error(StorageErrorCode::kAlreadyExists, "insert device authorization", "device code hash already exists"));
    }
    state_.devices.emplace(authorization.device_code_hash, authorization);
    state_.device_code_by_user_code.emplace(authorization.user_code,
                                            authorization.device_code_hash);
    return true;
  }

  Result<std::optional<DeviceAuthorizationRecord>> find_by_device_code_hash(
      std::string_view device_code_hash) override {
    std::lock_guard lock(state_.mutex);
    return find_in(state_.devices, device_code_hash);
  }

  Result<std::optional<DeviceAuthorizationRecord>> find_by_user_code(
      std::string_view user_code) override {
    std::lock_guard lock(state_.mutex);
    const auto code = state_.device_code_by_user_code.find(user_code);
    if (code == state_.device_code_by_user_code.end()) return std::nullopt;
    return find_in(state_.devices, code->second);
  }

  Result<std::optional<DeviceAuthorizationRecord>> decide(std::string_view user_code, bool allow,
                                                          std::string_view user_name,
                                                          std::int64_t now) override {
    std::lock_guard lock(state_.mutex);
    const auto code = state_.device_code_by_user_code.find(user_code);
    if (code == state_.device_code_by_user_code.end()) return std::nullopt;
    auto& authorization = state_.devices.at(code->second);
    if (!authorization.awaiting_decision(now)) return std::nullopt;
    authorization.state = allow ? DeviceState::kApproved : DeviceState::kDenied;
    authorization.user_name = std::string(user_name);
    authorization.decided_at = now;
    return authorization;
  }

  Result<bool> redeem(std::string_view device_code_hash, std::string_view client_id,
                      std::int64_t now, const std::vector<TokenRecord>& tokens,
                      const RetryGraceEntry* remember) override {
    auto redeemed = redeem_only(device_code_hash, client_id, now, tokens);
    return remember_if_redeemed(std::move(redeemed), retry_grace_, remember);
  }

  Result<bool> redeem_only(std::string_view device_code_hash, std::string_view client_id,
                           std::int64_t now, const std::vector<TokenRecord>& tokens) {
    std::lock_guard lock(state_.mutex);
    const auto it = state_.devices.find(device_code_hash);
    if (it == state_.devices.end()) return false;
    auto& authorization = it->second;
    if (authorization.state != DeviceState::kApproved || authorization.client_id != client_id ||
        authorization.expires_at <= now) {
      return false;
    }
    if (auto inserted = insert_tokens_locked(state_, tokens, "redeem device authorization");
        !inserted) {
      return std::unexpected(std::move(inserted.error()));
    }
    authorization.state = DeviceState::kRedeemed;
    return true;
  }

  Result<std::int64_t> purge_expired(std::int64_t before) override {
    std::lock_guard lock(state_.mutex);
    return erase_where(state_.devices, [&](const DeviceAuthorizationRecord& authorization) {
      if (authorization.expires_at >= before) return false;
      state_.device_code_by_user_code.erase(authorization.user_code);
      return true;
    });
  }
  Result<std::int64_t> count_pending(std::int64_t now) override {
    std::lock_guard lock(state_.mutex);
    std::int64_t n = 0;
    for (const auto& [hash, authorization] : state_.devices)
      if (authorization.awaiting_decision(now)) ++n;
    return n;
  }

 private:
  State& state_;
  RetryGraceStore& retry_grace_;
};

class MemoryTokenStore final : public TokenStore {
 public:
  MemoryTokenStore(State& state, RetryGraceStore& retry_grace)
      : state_(state), retry_grace_(retry_grace) {}

  Result<void> insert(const std::vector<TokenRecord>& tokens) override {
    std::lock_guard lock(state_.mutex);
    return insert_tokens_locked(state_, tokens, "insert tokens");
  }

  Result<std::optional<TokenRecord>> find(std::string_view token_hash) override {
    std::lock_guard lock(state_.mutex);
    return find_in(state_.tokens, token_hash);
  }

  Result<bool> rotate(std::string_view old_hash, const std::vector<TokenRecord>& replacements,
                      const RetryGraceEntry* remember) override {
    auto rotated = rotate_only(old_hash, replacements);
    return remember_if_redeemed(std::move(rotated), retry_grace_, remember);
  }

  Result<bool> rotate_only(std::string_view old_hash,
                           const std::vector<TokenRecord>& replacements) {
    std::lock_guard lock(state_.mutex);
    const auto it = state_.tokens.find(old_hash);
    if (it == state_.tokens.end()) return false;
    TokenRecord& old_token = it->second;
    if (old_token.kind != TokenKind::kRefresh || old_token.used || old_token.revoked) return false;
    if (auto inserted = insert_tokens_locked(state_, replacements, "rotate refresh token");
        !inserted) {
      return std::unexpected(std::move(inserted.error()));
    }
    old_token.used = true;  // `old_token` stays valid: std::map insertions keep references
    return true;
  }

  Result<std::optional<std::int64_t>> family_expires_at(std::string_view family_id) override {
    std::lock_guard lock(state_.mutex);
    std::optional<std::int64_t> latest;
    for (const auto& [hash, token] : state_.tokens) {
      if (token.family_id == family_id && !token.revoked)
        latest = std::max(latest.value_or(token.expires_at), token.expires_at);
    }
    return latest;
  }

  Result<std::int64_t> revoke_family(std::string_view family_id) override {
    std::lock_guard lock(state_.mutex);
    std::int64_t revoked = 0;
    for (auto& [hash, token] : state_.tokens) {
      if (token.family_id == family_id && !token.revoked) {
        token.revoked = true;
        ++revoked;
      }
    }
    return revoked;
  }

  Result<std::int64_t> purge_expired(std::int64_t before) override {
    std::lock_guard lock(state_.mutex);
    return erase_where(state_.tokens,
                       [&](const TokenRecord& token) { return token.expires_at < before; });
  }

 private:
  State& state_;
  RetryGraceStore& retry_grace_;
};

class MemoryUserStore final : public UserStore {
 public:
  explicit MemoryUserStore(State& state) : state_(state) {}

  Result<bool> insert(const UserRecord& user) override {
    std::lock_guard lock(state_.mutex);
    return state_.users.emplace(user.name, user).second;
  }

  Result<std::optional<UserRecord>> find(std::string_view name) override {
    std::lock_guard lock(state_.mutex);
    return find_in(state_.users, name);
  }

  Result<std::vector<UserRecord>> list() override {
    std::lock_guard lock(state_.mutex);
    std::vector<UserRecord> users;
    users.reserve(state_.users.size());
    for (const auto& [name, user] : state_.users) users.push_back(user);
    return users;
  }

  Result<void> set_disabled(std::string_view name, bool disabled) override {
    std::lock_guard lock(state_.mutex);
    const auto it = state_.users.find(name);
    if (it == state_.users.end())
      return std::unexpected(storage_error(StorageErrorCode::kNotFound, "set user disabled", "no such user"));
    it->second.disabled = disabled;
    return {};
  }

  Result<std::int64_t> count() override {
    std::lock_guard lock(state_.mutex);
    return static_cast<std::int64_t>(state_.users.size());
  }

 private:
  State& state_;
};

class MemoryAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit MemoryAuthorizationCodeStore(State& state) : state_(state) {}

  Result<void> insert(const AuthorizationCodeRecord& code) override {
    std::lock_guard lock(state_.mutex);
    if (!state_.codes.emplace(code.code_hash, code).second) {
      return std::unexpected(storage_error(StorageErrorCode::kAlreadyExists,
                                           "insert authorization code",
                                           "code hash already exists"));
    }
    return {};
  }

  Result<std::optional<AuthorizationCodeRecord>> find(std::string_view code_hash) override {
    std::lock_guard lock(state_.mutex);
    return find_in(state_.codes, code_hash);
  }

  Result<bool> redeem(std::string_view code_hash, std::string_view client_id, std::int64_t now,
                      const std::vector<TokenRecord>& tokens) override {
    std::lock_guard lock(state_.mutex);
    const auto it = state_.codes.find(code_hash);
    if (it == state_.codes.end()) return false;
    auto& code = it->second;
    if (code.used || code.client_id != client_id || code.expires_at <= now) return false;
    if (auto inserted = insert_tokens_locked(state_, tokens, "redeem authorization code");
        !inserted) {
      return std::unexpected(std::move(inserted.error()));
    }
    code.used = true;
    return true;
  }

  Result<std::int64_t> purge_expired(std::int64_t before) override {
    std::lock_guard lock(state_.mutex);
    return erase_where(state_.codes, [&](const AuthorizationCodeRecord& code) {
      return code.expires_at < before;
    });
  }

 private:
  State& state_;
};

class MemorySigningKeyStore final : public SigningKeyStore {
 public:
  explicit MemorySigningKeyStore(State& state) : state_(state) {}

  Result<void> insert(const SigningKeyRecord& key) override {
    std::lock_guard lock(state_.mutex);
    for (const auto& existing : state_.signing_keys) {
      if (existing.kid == key.kid) {
        return std::unexpected(storage_error(StorageErrorCode::kAlreadyExists, "insert signing key", "kid already exists"));
      }
    }
    state_.signing_keys.push_back(key);
    return {};
  }

  Result<std::vector<SigningKeyRecord>> list() override {
    std::lock_guard lock(state_.mutex);
    auto keys = state_.signing_keys;
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.kid < b.kid;
    });
    return keys;
  }

  Result<void> set_private_pem(std::string_view kid, std::string_view private_pem) override {
    std::lock_guard lock(state_.mutex);
    for (auto& key : state_.signing_keys) {
      if (key.kid != kid) continue;
      key.private_pem = std::string(private_pem);
      return {};
    }
    return std::unexpected(storage_error(StorageErrorCode::kNotFound, "set signing key", "no such kid"));
  }

  Result<std::int64_t> purge_retired(std::int64_t retired_before,
                                     std::int64_t unpublished_before) override {
    std::lock_guard lock(state_.mutex);
    return static_cast<std::int64_t>(
        std::erase_if(state_.signing_keys, [&](const SigningKeyRecord& key) {
          return key.retire_after < retired_before && key.publish_until < unpublished_before;
        }));
  }

 private:
  State& state_;
};

class MemoryStorage final : public Storage {
 public:
  ClientStore& clients() override { return clients_; }
  DeviceAuthorizationStore& device_authorizations() override { return devices_; }
  TokenStore& tokens() override { return tokens_; }
  UserStore& users() override { return users_; }
  AuthorizationCodeStore& authorization_codes() override { return codes_; }
  SigningKeyStore& signing_keys() override { return signing_keys_; }
  AccountStore& accounts() override { return portal_.accounts(); }
  GroupStore& groups() override { return portal_.groups(); }
  AssignmentStore& assignments() override { return portal_.assignments(); }
  CredentialRecordStore& credential_records() override { return portal_.credential_records(); }
  WebSessionStore& web_sessions() override { return shared_.web_sessions(); }
  RateCounterStore& rate_counters() override { return shared_.rate_counters(); }
  PollCountStore& poll_counts() override { return shared_.poll_counts(); }
  LeaseStore& leases() override { return shared_.leases(); }
  RetryGraceStore& retry_grace() override { return shared_.retry_grace(); }

 private:
  MemoryPortalStores portal_;
  MemorySharedStateStores shared_;
  State state_;
  MemoryClientStore clients_{state_};
  MemoryDeviceAuthorizationStore devices_{state_, shared_.retry_grace()};
  MemoryTokenStore tokens_{state_, shared_.retry_grace()};
  MemoryUserStore users_{state_};
  MemoryAuthorizationCodeStore codes_{state_};
  MemorySigningKeyStore signing_keys_{state_};
};

}  // namespace

std::unique_ptr<Storage> make_memory_storage() { return std::make_unique<MemoryStorage>(); }

}  // namespace ssooidc::storage
