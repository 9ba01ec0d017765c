// Transport-neutral HTTP request/response values. The http layer converts Beast messages to and
// from these, so that api (JSON operations) and web (HTML pages) hold no socket and are testable
// with plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssooidc::core {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded target path without the query, e.g. "/token"
  std::string query;   // raw query string without '?', e.g. "aws_iam=t"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP as text
  bool tls = false;            // true when the public URL is https (cookies get Secure)
  // When its first byte arrived (the transport sets it; default: unknown), so that a request's
  // latency includes its wait for a handler thread.
  std::chrono::steady_clock::time_point received{};

  // Case-insensitive header lookup; empty view when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

// What the access log says about a response besides its status, filled in by the layer that
// answered and never written to the wire. Every value must be fit for a log: never a token, a
// code, a password or a secret.
struct ResponseLog {
  std::string operation;   // "CreateToken", "GetRoleCredentials", "page", "Health", ...
  std::string error_type;  // the x-amzn-ErrorType shape, e.g. "AuthorizationPendingException"
  std::string client_id;   // the registration the request named or got, when there is one
  std::string request_id;  // x-amzn-RequestId
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // What the request did that the operator counts (core/metrics.h), marked by the layer that
  // knows it (response_event below); the wiring reads it, the transport never sends it.
  std::uint8_t events = 0;
  ResponseLog log;  // for the access log only (see ResponseLog)

  HttpResponse& set(std::string name, std::string value);
};

// Bits of HttpResponse::events.
namespace response_event {
inline constexpr std::uint8_t kLoginAllowed = 1;    // a device authorization was allowed
inline constexpr std::uint8_t kLoginDenied = 2;     // ... was denied
inline constexpr std::uint8_t kSignInFailed = 4;    // wrong user name or password
inline constexpr std::uint8_t kStorageFailed = 8;   // the answer is an error caused by storage
}  // namespace response_event

// Case-insensitive ASCII comparison.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
// `s` with A-Z turned into a-z and every other byte kept (header names, schemes, hosts, profile
// keys: ASCII by definition, so no locale takes part).
[[nodiscard]] std::string ascii_lower(std::string_view s);

}  // namespace ssooidc::core
