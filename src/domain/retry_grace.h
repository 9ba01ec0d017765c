// The grace window for retried redemptions (issue 11 item 8). botocore retries timeouts and 5xx,
// so a CreateToken whose response was lost on the way arrives again with the same refresh token
// or device code. Without this, the retry of a refresh is taken for reuse (the family is
// revoked) and the retry of a device code gets InvalidGrantException.
//
// After a successful refresh or device-code redemption the service remembers the response for
// `window_seconds` (settings.retry_grace_seconds, default 5), and the same client presenting the
// same secret within it gets that response again. Outside the window, reuse detection is as
// before.
//
// How "the same result" is kept without keeping tokens in clear: the response is sealed with
// AES-256-GCM under a key derived from the presented secret (crypto/sealed_box.h), and filed under
// a hash of client id and secret. The server stores that secret only as a hash, so the entry can be
// opened only by someone presenting the secret again, never by reading the server's memory or
// database alone.
//
// Where the entries live: with `shared` (the server's wiring passes storage::RetryGraceStore), in
// storage, so that a retry reaching another server process gets the same answer (issue 12: no
// sticky sessions); each put deletes the expired entries, so the table holds one window's worth.
// Without it (unit tests), in this process's memory, bounded: at most `max_entries`; expired
// entries go first, then the oldest. A failed put or find only means the retry is treated as
// reuse, as without the window.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/random.h"
#include "ssooidc/types.h"
#include "storage/storage.h"

namespace ssooidc::domain {

class RetryGrace {
 public:
  RetryGrace(const core::Clock& clock, core::Random& random, std::int32_t window_seconds,
             std::size_t max_entries = 10'000, storage::RetryGraceStore* shared = nullptr);

  // The storage entry that remembers `response` as what `client_id` got for `secret`, for the
  // redemption to store in its own commit (storage's redeem and rotate take it: issue 15, one
  // commit per issuance instead of two); nullopt when nothing is to be stored there (no shared
  // store, a window of 0, or sealing failed): then call remember() once the redemption is done.
  [[nodiscard]] std::optional<storage::RetryGraceEntry> entry_for(
      std::string_view client_id, std::string_view secret, const CreateTokenResponse& response);
  // Remembers `response` as what `client_id` got for `secret` (a refresh token or device code).
  void remember(std::string_view client_id, std::string_view secret,
                const CreateTokenResponse& response);
  // The response remembered for this client and secret within the window; nullopt otherwise.
  [[nodiscard]] std::optional<CreateTokenResponse> recall(std::string_view client_id,
                                                         std::string_view secret);

 private:
  struct Entry {
    std::string sealed;
    std::int64_t expires_ms = 0;
  };
  static std::string key_of(std::string_view client_id, std::string_view secret);
  // The key of the shared store's entry (storage::RetryGraceEntry::key_hash): key_of in hex.
  static std::string shared_key_of(std::string_view client_id, std::string_view secret);
  void expire_locked(std::int64_t now);

  const core::Clock& clock_;
  core::Random& random_;
  const std::int64_t window_ms_;
  const std::size_t max_entries_;
  storage::RetryGraceStore* shared_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::int64_t, std::string>> order_;  // (expires_ms, key), oldest first
};

}  // namespace ssooidc::domain
