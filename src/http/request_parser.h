// RequestParser: Beast's HTTP/1.1 request parser (`basic_parser<true>`) filling a
// core::HttpRequest directly, without the intermediate `http::fields` container: the method,
// path, raw query and each header are copied once from the connection's buffer into the request.
//
// One parser per request (Beast parsers are single-use); `put` it the connection's buffered
// bytes until `is_done()` or an error. Limits are enforced by Beast: `header_limit` bytes for the
// request line and fields, `body_limit` bytes of body (a larger Content-Length fails as soon as
// the header is complete, a chunked body once its chunks add up to more). This class adds what
// Beast leaves open: a chunk extension longer than kMaxChunkExtension, a trailer section longer
// than `header_limit`, and an HTTP/1.1 request without exactly one Host field (RFC 9112 §3.2)
// fail with `rejection()` saying why.
//
// Thread safety: none; one parser belongs to one connection.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace ssooidc::http {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser(std::size_t header_limit, std::size_t body_limit);
  // Fills `reuse` instead of a request of its own (a connection passes the one of its previous
  // request, so that its strings and header list keep their storage: issue 15, no allocation per
  // kept-alive request of the same shape). `reuse` is emptied first and must outlive the parser.
  RequestParser(core::HttpRequest& reuse, std::size_t header_limit, std::size_t body_limit);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // The request parsed so far; complete once `is_done()`. Move it out when done.
  [[nodiscard]] core::HttpRequest& request() noexcept {
    // Before the header is complete, a reused request may still hold the previous one's further
    // fields (on_header_impl cuts them); none of them is this request's.
    if (!header_done_ && request_.headers.size() > fields_)
      request_.headers.erase(request_.headers.begin() + static_cast<std::ptrdiff_t>(fields_),
                             request_.headers.end());
    return request_;
  }
  // HTTP version as Beast reports it: 10 or 11.
  [[nodiscard]] int version() const noexcept { return version_; }
  // True when the client sent `Expect: 100-continue` (RFC 9110 §10.1.1) on an HTTP/1.1
  // request and therefore waits for an interim 100 response before sending the body.
  [[nodiscard]] bool expects_continue() const noexcept { return expect_continue_; }

  // Splits a request-target into path and raw query. Origin form ("/a?b") is the norm; the
  // absolute form ("http://host/a?b", RFC 9112 §3.2.2) is reduced to its path. No decoding.
  static void split_target(std::string_view target, std::string& path, std::string& query);

  // Longest chunk extension accepted (RFC 9112 §7.1.1 sets none; nothing here uses them).
  static constexpr std::size_t kMaxChunkExtension = 1024;

  // Why this parser failed a request Beast alone would accept; empty otherwise.
  [[nodiscard]] std::string_view rejection() const noexcept { return rejection_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;
  // What both constructors do once every member is constructed.
  void start(std::size_t body_limit);

  core::HttpRequest own_;       // the request when none is passed in
  core::HttpRequest& request_;  // own_ or the caller's
  std::size_t fields_ = 0;      // header fields so far (request_.headers may hold stale ones past it)
  std::size_t header_limit_;
  std::size_t trailer_bytes_ = 0;
  int host_fields_ = 0;
  std::string rejection_;
  int version_ = 11;
  bool header_done_ = false;
  bool expect_continue_ = false;
  bool transfer_encoding_ = false;
};

}  // namespace ssooidc::http
