// What the CI test mode's admin API (server/test_admin_api.h) changes in the services: errors
// forced onto the next polls of device codes, and device codes, registrations and tokens made
// expired now. Consulted by the services only when settings.test_mode is on (Context::test is
// null otherwise), so none of it exists for a production server.
//
// "Expired now" is kept here rather than written to storage: the services treat a marked item
// exactly as one whose expiry has passed (the same error, the same refusal), and a reset forgets
// the marks with the rest.
//
// Bounds: at most kMaxMarks marks of each kind; past that the oldest are not dropped, the call
// fails (the admin API answers 429). Thread safety: every method may be called concurrently.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ssooidc/error.h"

namespace ssooidc::domain {

class TestControls {
 public:
  static constexpr std::size_t kMaxMarks = 10'000;

  // The next `count` polls (CreateToken, device_code grant) of the authorization with this
  // normalized user code, or of any device code when `user_code` is empty, answer `error`
  // instead of what they would. Replaces an earlier forcing for the same code. False when full.
  [[nodiscard]] bool force_poll_errors(std::string user_code, Error error, int count);
  // The forced error for a poll of `user_code`, counting it down; a code's own forcing comes
  // before the one for any code.
  [[nodiscard]] std::optional<Error> take_poll_error(std::string_view user_code);
  // Whether a poll of `user_code` would get a forced error (counting nothing down).
  [[nodiscard]] bool has_poll_error(std::string_view user_code) const;

  [[nodiscard]] bool expire_device(std::string user_code);
  [[nodiscard]] bool expire_client(std::string client_id);
  [[nodiscard]] bool expire_token(std::string token_hash);
  [[nodiscard]] bool device_expired(std::string_view user_code) const;
  [[nodiscard]] bool client_expired(std::string_view client_id) const;
  [[nodiscard]] bool token_expired(std::string_view token_hash) const;

  // Forgets every forced error and mark.
  void reset();

 private:
  struct Forced {
    Error error;
    int left = 0;
  };
  bool mark(std::unordered_set<std::string>& set, std::string key);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Forced> forced_;  // "" = any device code
  std::unordered_set<std::string> expired_devices_;
  std::unordered_set<std::string> expired_clients_;
  std::unordered_set<std::string> expired_tokens_;
};

}  // namespace ssooidc::domain
