// The in-memory backend's shared-state stores (storage/shared_state_stores.h): sessions, rate
// counters, poll counts and leases, each under a mutex of its own. "Shared" only within one
// process, which is all a memory: storage is.
//
// Private to src/storage.
#pragma once

#include <memory>

#include "storage/storage.h"

namespace ssooidc::storage {

class MemorySharedStateStores {
 public:
  MemorySharedStateStores();
  ~MemorySharedStateStores();
  MemorySharedStateStores(const MemorySharedStateStores&) = delete;
  MemorySharedStateStores& operator=(const MemorySharedStateStores&) = delete;

  WebSessionStore& web_sessions() { return *sessions_; }
  RateCounterStore& rate_counters() { return *counters_; }
  PollCountStore& poll_counts() { return *polls_; }
  LeaseStore& leases() { return *leases_; }
  RetryGraceStore& retry_grace() { return *grace_; }

 private:
  std::unique_ptr<WebSessionStore> sessions_;
  std::unique_ptr<RateCounterStore> counters_;
  std::unique_ptr<PollCountStore> polls_;
  std::unique_ptr<LeaseStore> leases_;
  std::unique_ptr<RetryGraceStore> grace_;
};

}  // namespace ssooidc::storage
