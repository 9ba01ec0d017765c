// The PostgreSQL backend's shared-state stores (storage/shared_state_stores.h): what makes many
// replicas behave as one server. The compare-and-set steps are single conditional statements
// (leases, rate counters); the capped inserts lock their row of row_counts first, so that
// replicas inserting at once check the cap one after another.
//
// Private to storage/postgres. Thread safety as stores.h.
#pragma once

#include "storage/postgres/stores.h"

namespace ssooidc::storage::postgres {

class PostgresWebSessionStore final : public WebSessionStore {
 public:
  explicit PostgresWebSessionStore(Database& database) : database_(database) {}
  Result<bool> insert(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override;
  Result<std::optional<WebSessionRecord>> find(std::string_view id_hash,
                                               const WebSessionLimits& limits,
                                               std::int64_t now) override;
  Result<bool> update(const WebSessionRecord& session, const WebSessionLimits& limits,
                      std::int64_t now) override;
  Result<std::optional<WebSessionRecord>> renew(std::string_view old_id_hash,
                                                std::string_view new_id_hash,
                                                const WebSessionLimits& limits,
                                                std::int64_t now) override;
  Result<bool> remove(std::string_view id_hash) override;
  Result<std::int64_t> purge_ended(const WebSessionLimits& limits, std::int64_t now) override;
  Result<std::int64_t> count() override;

 private:
  Database& database_;
};

class PostgresRateCounterStore final : public RateCounterStore {
 public:
  explicit PostgresRateCounterStore(Database& database) : database_(database) {}
  Result<std::optional<RateCounterRecord>> find(std::string_view bucket,
                                                std::string_view key) override;
  Result<CounterWrite> put(const RateCounterRecord& next, std::int64_t expected_version,
                           std::int64_t now_ms, std::int64_t max_keys) override;
  Result<bool> remove(std::string_view bucket, std::string_view key) override;
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override;
  Result<std::int64_t> count(std::string_view bucket) override;

 private:
  Database& database_;
};

class PostgresPollCountStore final : public PollCountStore {
 public:
  explicit PostgresPollCountStore(Database& database) : database_(database) {}
  Result<PollCount> add(std::string_view device_code_hash, std::int64_t polls,
                        std::int64_t first_poll_ms, std::int64_t expires_at) override;
  Result<std::int64_t> purge_expired(std::int64_t before) override;

 private:
  Database& database_;
};

class PostgresLeaseStore final : public LeaseStore {
 public:
  explicit PostgresLeaseStore(Database& database) : database_(database) {}
  Result<bool> acquire(std::string_view name, std::string_view holder, std::int64_t now_ms,
                       std::int64_t until_ms) override;
  Result<bool> release(std::string_view name, std::string_view holder) override;
  Result<std::optional<LeaseRecord>> find(std::string_view name) override;

 private:
  Database& database_;
};

class PostgresRetryGraceStore final : public RetryGraceStore {
 public:
  explicit PostgresRetryGraceStore(Database& database) : database_(database) {}
  Result<void> put(std::string_view key_hash, std::string_view sealed, std::int64_t now_ms,
                   std::int64_t expires_at_ms) override;
  Result<std::optional<std::string>> find(std::string_view key_hash, std::int64_t now_ms) override;
  Result<std::int64_t> purge_expired(std::int64_t now_ms) override;

 private:
  Database& database_;
};

}  // namespace ssooidc::storage::postgres
