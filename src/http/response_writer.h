// Turns a handler's core::HttpResponse into HTTP/1.1 wire bytes, and the few responses the
// transport writes on its own (interim 100, malformed request, oversized request, handler crash).
//
// The head (status line and header fields) is written into one string and the body is moved, not
// copied, so that a session writes both with one gathered write.
//
// Thread safety: free functions are pure; HttpDate is per-thread (one per worker).
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace ssooidc::http {

struct SerializedResponse {
  std::string head;    // "HTTP/1.1 200 OK\r\n...\r\n\r\n"
  std::string body;    // empty for HEAD requests and statuses without content (1xx, 204, 304)
  // A prepared response's (core::PreparedResponse): its body goes out instead of `body`, without
  // a copy. Null otherwise, and when no body is sent.
  std::shared_ptr<const core::PreparedResponse> shared_body;
  int status = 0;      // status actually written
  bool close = false;  // "Connection: close" was written; the connection ends after this
};

// Serializes `response`. The transport owns framing: the handler's Content-Length,
// Transfer-Encoding and Connection fields are replaced by its own. `keep_alive` is the
// transport's decision (RFC 9112 §9.3); a handler's "Connection: close" turns it off. Fields whose
// name is not a token or whose value holds CR, LF or NUL are dropped (no response splitting). A
// status outside 200..599 is replaced by plain_error_response(500) (sessions replace it with
// ServerOptions::error_response before it gets here). A prepared response (HttpResponse::prepared)
// writes its prepared fields first, then `headers`, and its body as `shared_body`. `head_request` keeps the
// Content-Length of the body but leaves the body out (RFC 9110 §9.3.2). `date` is an IMF-fixdate.
// `head_buffer`: a string whose capacity the head reuses (a connection passes the one of its
// previous response, so that a kept-alive connection writes heads without allocating).
[[nodiscard]] SerializedResponse serialize_response(core::HttpResponse&& response, bool keep_alive,
                                                    bool head_request, std::string_view date,
                                                    std::string head_buffer = {});

// The interim response to "Expect: 100-continue".
[[nodiscard]] std::string_view continue_response() noexcept;

// The transport's own error answer when ServerOptions::error_response is unset: `status` with
// the description as text/plain.
[[nodiscard]] core::HttpResponse plain_error_response(int status, std::string_view description);

// The description the transport gives its 500 answers (handler threw, impossible status).
inline constexpr std::string_view kInternalErrorDescription =
    "The server encountered an internal error";

// Caches the Date header value; reformats at most once a second.
class HttpDate {
 public:
  [[nodiscard]] std::string_view now();
  // Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7), independent of the C locale.
  [[nodiscard]] static std::string format(std::time_t t);

 private:
  std::time_t second_ = -1;
  std::string text_;
};

}  // namespace ssooidc::http
