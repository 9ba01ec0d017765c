// What the services share with every other server process besides the rows they serve (issue
// 12): rate limiters counted in storage, browser sessions kept in storage, keys derived from the
// server's key (the same in every process that has the key file), and leases that let one process
// at a time run a job (the purge, signing-key rotation).
//
// The server's key is the key-encryption key of the signing keys (server/secret_files.h): every
// replica must have the same one anyway to open the signing keys, so keys derived from it (the
// MAC key of anonymous browsers' CSRF tokens, the portal's page-token key) agree across replicas
// without being stored anywhere.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "domain/browser_sessions.h"
#include "domain/rate_limiter.h"
#include "ssooidc/error.h"

namespace ssooidc::domain {

class SharedState {
 public:
  // `server_key`: the server's key (32 bytes); another length (tests, memory: storage) means a
  // random key of this object's own, so derived keys then hold for this process only.
  // `ctx` (its storage, clock and random) must outlive this object.
  explicit SharedState(Context& ctx, std::string server_key = {});

  // A limiter of `policy` whose counters every process shares.
  [[nodiscard]] RateLimiter rate_limiter(RatePolicy policy,
                                         std::int64_t max_keys = RateLimiter::kDefaultMaxKeys);
  // Browser sessions with `limits`, shared by every process.
  [[nodiscard]] BrowserSessions browser_sessions(BrowserSessionLimits limits);

  // HMAC-SHA256 of `purpose` under the server's key: 32 bytes, the same in every process with the
  // same key file, independent for different purposes.
  [[nodiscard]] std::string derived_key(std::string_view purpose) const;

  // Takes or renews the lease `job` for this process for `for_millis` (LeaseStore::acquire).
  // True when this process holds it now; false while another process does. Storage errors pass.
  [[nodiscard]] std::expected<bool, Error> lead(std::string_view job, std::int64_t for_millis);
  // Ends this process's lease `job` early (LeaseStore::release), so another may take it at once.
  // True when this process held it; false (nothing changed) otherwise. Storage errors pass.
  [[nodiscard]] std::expected<bool, Error> release(std::string_view job);
  // Who this process is in leases: random, new for every start.
  [[nodiscard]] const std::string& process_id() const noexcept { return process_id_; }

  // Deletes expired rate counters, shared poll counts and retry-grace entries. Returns how many;
  // the first error otherwise.
  [[nodiscard]] std::expected<std::int64_t, Error> purge_expired();

 private:
  Context& ctx_;
  std::string server_key_;
  std::string process_id_;
};

}  // namespace ssooidc::domain
