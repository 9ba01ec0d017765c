// Transport-neutral HTTP request/response values. The http layer converts Beast messages to and
// from these, so that api (JSON operations) and web (HTML pages) hold no socket and are testable
// with plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/inline_text.h"

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
// code, a password or a secret. Each is held in the response itself (issue 15: no allocation per
// poll for its log); longer values are cut to 64 bytes: operations and error shapes are names of
// at most 32, request ids 36, and a client id is cut to 64 for the log anyway
// (api::loggable_client_id).
struct ResponseLog {
  using Field = InlineText<64>;
  Field operation;   // "CreateToken", "GetRoleCredentials", "page", "Health", ...
  Field error_type;  // the x-amzn-ErrorType shape, e.g. "AuthorizationPendingException"
  Field client_id;   // the registration the request named or got, when there is one
  Field request_id;  // x-amzn-RequestId
};

// What many responses share, serialized once (issue 15: the AuthorizationPending answer to a
// poll differs from the next one only in its x-amzn-RequestId): header fields as the transport
// writes them ("Name: value\r\n" each, in order), split around the one value that varies, and
// the body. Made by prepare_response(); immutable, so shared by every thread.
struct PreparedResponse {
  std::string fields_before;  // the fields before the varying one, and its "Name: "
  std::string fields_after;   // "\r\n" ending the varying one, then the fields after it
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set (by respond_prepared) instead of `body` and the prepared fields: the transport writes the
  // status, prepared->fields_before, `prepared_value`, prepared->fields_after, then `headers`
  // (what a layer added on the way, e.g. HSTS) and its own fields, and prepared->body.
  std::shared_ptr<const PreparedResponse> prepared;
  InlineText<64> prepared_value;  // a request id (36 bytes): held here, not on the heap
  // What the request did that the operator counts (core/metrics.h), marked by the layer that
  // knows it (response_event below); the wiring reads it, the transport never sends it.
  std::uint8_t events = 0;
  ResponseLog log;  // for the access log only (see ResponseLog)

  HttpResponse& set(std::string name, std::string value);
};

// What a request handled without waiting (http::ServerOptions::try_async, issue 15) hands its
// response to, once, from whichever thread finished it.
using ResponseDone = std::move_only_function<void(HttpResponse)>;

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

// A header field name is a token (RFC 9110 §5.6.2); a value holds no CR, LF or NUL. The transport
// drops fields that fail either (no response splitting).
[[nodiscard]] bool valid_field_name(std::string_view name) noexcept;
[[nodiscard]] bool valid_field_value(std::string_view value) noexcept;

// `headers` and `body` prepared as one response (PreparedResponse), the value of
// headers[varying] left out (given per response to respond_prepared). nullopt when `varying` is
// out of range or a field would not be written as it is: an invalid name or value (checked for
// the varying one when it is filled in instead), or one whose meaning is the transport's (Date,
// Connection, Content-Length, Transfer-Encoding).
[[nodiscard]] std::optional<PreparedResponse> prepare_response(
    const std::vector<std::pair<std::string, std::string>>& headers, std::size_t varying,
    std::string body);

// A response of `status` sending `prepared` with `value` as its varying field's value; an empty
// value when it would not be valid (valid_field_value) or is longer than the 64 bytes
// HttpResponse::prepared_value holds, as that field then carries nothing.
[[nodiscard]] HttpResponse respond_prepared(int status,
                                            std::shared_ptr<const PreparedResponse> prepared,
                                            std::string_view value);

}  // namespace ssooidc::core
