// The PKCE login's loopback redirect listener: a tiny HTTP/1.1 server on 127.0.0.1 with a port
// the kernel picks, for the one request that carries the authorization response (RFC 8252 7.3).
// It serves several connections at once (browsers open speculative connections that never send
// a request), reads at most `max_request_bytes` of request head per connection, closes every
// connection after one answer, and gives up after `overall_timeout` so a login never hangs.
// What to answer is decided by handle_callback_request (oauth_callback.h).
//
// Thread safety: one thread at a time; wait_for_code may be called again after it returned.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "client/pkce_login.h"

namespace ssooidc::client {

struct LoopbackOptions {
  // botocore AuthCodeFetcher's _OVERALL_TIMEOUT and _REQUEST_TIMEOUT.
  std::chrono::milliseconds overall_timeout{std::chrono::seconds(600)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::size_t max_request_bytes = 16 * 1024;  // request line and headers; bodies are not read
  std::size_t max_connections = 16;           // further connections wait in the backlog
};

class LoopbackListener final : public AuthorizationCodeReceiver {
 public:
  // Binds 127.0.0.1:0 and listens. Fails with ErrorType::kTransport naming the failed call.
  [[nodiscard]] static std::expected<std::unique_ptr<LoopbackListener>, Error> open(
      LoopbackOptions options = {});

  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;
  ~LoopbackListener() override;

  [[nodiscard]] std::uint16_t port() const override { return port_; }
  // The timeout error says how long it waited.
  [[nodiscard]] std::expected<std::string, Error> wait_for_code(
      std::string_view expected_state) override;

 private:
  LoopbackListener(int fd, std::uint16_t port, LoopbackOptions options)
      : fd_(fd), port_(port), options_(options) {}

  int fd_;
  std::uint16_t port_;
  LoopbackOptions options_;
};

}  // namespace ssooidc::client
