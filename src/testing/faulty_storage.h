// A Storage for tests that forwards to another and fails the calls it is told to fail, with an
// Error of type kInternalServer, so that a test can sweep every failure point of a flow and prove
// that no partial state becomes visible.
//
//   FaultyStorage faulty(*inner);
//   run_flow(faulty);                          // count the calls once
//   const auto calls = faulty.calls();
//   for (std::int64_t n = 1; n <= calls; ++n) {  // then fail each one in turn
//     ... fresh inner ...; faulty.fail_call(n); run_flow(faulty); check_invariants(*inner);
//   }
//
// Thread safety: as the wrapped storage; the call counter is atomic.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "storage/storage.h"

namespace ssooidc::test_support {

enum class FaultMode {
  kBeforeCall,  // the failed call never reaches the wrapped storage
  kAfterCall,   // the call runs, then its result is replaced by the error (a lost reply)
};

class FaultyStorage final : public storage::Storage {
 public:
  // `inner` must outlive this object. Starts disarmed: every call is forwarded.
  explicit FaultyStorage(storage::Storage& inner);
  ~FaultyStorage() override;
  FaultyStorage(const FaultyStorage&) = delete;
  FaultyStorage& operator=(const FaultyStorage&) = delete;

  // Fails the `n`th call from now (1-based, counted across all stores), only that one.
  void fail_call(std::int64_t n, FaultMode mode = FaultMode::kBeforeCall) noexcept;
  // Fails the `n`th call from now and every one after it (the database went away).
  void fail_from_call(std::int64_t n, FaultMode mode = FaultMode::kBeforeCall) noexcept;
  // Forwards every call again and restarts the count.
  void disarm() noexcept;
  // A stalled database: from now on every call blocks until release(). Independent of the
  // failure arming above.
  void stall();
  void release();
  // Calls blocked in a stall right now.
  [[nodiscard]] std::int64_t stalled_calls() const noexcept { return stalled_.load(); }

  // Calls made since construction or the last fail_call/fail_from_call/disarm.
  [[nodiscard]] std::int64_t calls() const noexcept { return calls_.load(); }
  // Calls failed on purpose since then.
  [[nodiscard]] std::int64_t failures() const noexcept { return failures_.load(); }
  [[nodiscard]] storage::Storage& inner() noexcept { return inner_; }

  storage::ClientStore& clients() override;
  storage::DeviceAuthorizationStore& device_authorizations() override;
  storage::TokenStore& tokens() override;
  storage::UserStore& users() override;
  storage::AuthorizationCodeStore& authorization_codes() override;
  storage::SigningKeyStore& signing_keys() override;
  storage::AccountStore& accounts() override;
  storage::GroupStore& groups() override;
  storage::AssignmentStore& assignments() override;
  storage::CredentialRecordStore& credential_records() override;
  storage::WebSessionStore& web_sessions() override;
  storage::RateCounterStore& rate_counters() override;
  storage::PollCountStore& poll_counts() override;
  storage::LeaseStore& leases() override;
  storage::RetryGraceStore& retry_grace() override;

  // Used by the wrapped stores: counts a call and says whether to fail it, and how.
  struct Verdict {
    bool fail = false;
    FaultMode mode = FaultMode::kBeforeCall;
  };
  [[nodiscard]] Verdict next_call();

 private:
  class Clients;
  class DeviceAuthorizations;
  class Tokens;
  class Users;
  class AuthorizationCodes;
  class SigningKeys;
  class Accounts;
  class Groups;
  class Assignments;
  class CredentialRecords;
  class WebSessions;
  class RateCounters;
  class PollCounts;
  class Leases;
  class RetryGraces;

  void arm(std::int64_t n, FaultMode mode, bool sticky) noexcept;

  storage::Storage& inner_;
  std::atomic<std::int64_t> calls_{0};
  std::atomic<std::int64_t> failures_{0};
  std::atomic<std::int64_t> fail_at_{0};  // 0: disarmed
  std::atomic<bool> sticky_{false};
  std::atomic<FaultMode> mode_{FaultMode::kBeforeCall};
  std::mutex stall_mutex_;
  std::condition_variable stall_released_;
  bool stalling_ = false;
  std::atomic<std::int64_t> stalled_{0};
  std::unique_ptr<Clients> clients_;
  std::unique_ptr<DeviceAuthorizations> device_authorizations_;
  std::unique_ptr<Tokens> tokens_;
  std::unique_ptr<Users> users_;
  std::unique_ptr<AuthorizationCodes> authorization_codes_;
  std::unique_ptr<SigningKeys> signing_keys_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Groups> groups_;
  std::unique_ptr<Assignments> assignments_;
  std::unique_ptr<CredentialRecords> credential_records_;
  std::unique_ptr<WebSessions> web_sessions_;
  std::unique_ptr<RateCounters> rate_counters_;
  std::unique_ptr<PollCounts> poll_counts_;
  std::unique_ptr<Leases> leases_;
  std::unique_ptr<RetryGraces> retry_grace_;
};

}  // namespace ssooidc::test_support
