#include "http/request_parser.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace ssooidc::http {

namespace beast_http = boost::beast::http;

// Not a constructor that delegates with `own_`: naming a member in a delegating constructor's
// initializer refers to an object whose construction has not begun (undefined behaviour; UBSan's
// vptr check in the fuzzing build reported it). Here own_ is constructed before request_ binds.
RequestParser::RequestParser(std::size_t header_limit, std::size_t body_limit)
    : request_(own_), header_limit_(header_limit) {
  start(body_limit);
}

RequestParser::RequestParser(core::HttpRequest& reuse, std::size_t header_limit,
                             std::size_t body_limit)
    : request_(reuse), header_limit_(header_limit) {
  start(body_limit);
}

void RequestParser::start(std::size_t body_limit) {
  this->header_limit(static_cast<std::uint32_t>(header_limit_));
  this->body_limit(body_limit);
  // Parse header and body in one put() when both are buffered.
  this->eager(true);
  // Emptied but for the storage: the header list is cut to the fields this request has once its
  // header is complete (on_header_impl), so that the strings of the previous request's fields are
  // assigned to rather than freed and allocated again.
  request_.method.clear();
  request_.path.clear();
  request_.query.clear();
  request_.body.clear();
  request_.remote_address.clear();
  request_.tls = false;
  request_.received = {};
  if (request_.headers.capacity() == 0) request_.headers.reserve(12);
}

void RequestParser::split_target(std::string_view target, std::string& path, std::string& query) {
  if (!target.starts_with('/')) {
    // Absolute form: skip "scheme://authority"; anything else ("*") stays as it is.
    if (auto scheme = target.find("://"); scheme != std::string_view::npos) {
      auto slash = target.find_first_of("/?", scheme + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      if (target.starts_with('?')) {
        path = "/";
        query.assign(target.substr(1));
        return;
      }
    }
  }
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path.assign(target.substr(0, q));
    query.assign(target.substr(q + 1));
  } else {
    path.assign(target);
    query.clear();
  }
}

void RequestParser::on_request_impl(beast_http::verb, string_view method_str, string_view target,
                                    int version, error_code&) {
  request_.method.assign(method_str.data(), method_str.size());
  split_target(std::string_view(target.data(), target.size()), request_.path, request_.query);
  version_ = version;
}

void RequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  // Unreachable for a request parser; Beast requires the override.
  ec = beast_http::error::bad_version;
}

void RequestParser::on_field_impl(beast_http::field name, string_view name_string,
                                  string_view value, error_code& ec) {
  // Trailer fields of a chunked body arrive here too; they are not part of the header the
  // handler sees (RFC 9110 §6.5.1: trailers must not be merged blindly). Beast bounds the header
  // but not the trailer section, so it is bounded here by the same limit.
  if (header_done_) {
    trailer_bytes_ += name_string.size() + value.size() + 4;  // ": " and CRLF
    if (trailer_bytes_ > header_limit_) {
      rejection_ = "trailer section exceeds " + std::to_string(header_limit_) + " bytes";
      ec = beast_http::error::bad_field;
    }
    return;
  }
  if (name == beast_http::field::host) ++host_fields_;
  if (name == beast_http::field::transfer_encoding) transfer_encoding_ = true;
  if (name == beast_http::field::expect && version_ >= 11 &&
      core::iequals(std::string_view(value.data(), value.size()), "100-continue"))
    expect_continue_ = true;
  if (fields_ < request_.headers.size()) {
    auto& [kept_name, kept_value] = request_.headers[fields_];
    kept_name.assign(name_string.data(), name_string.size());
    kept_value.assign(value.data(), value.size());
  } else {
    request_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                                  std::string(value.data(), value.size()));
  }
  ++fields_;
}

void RequestParser::on_header_impl(error_code& ec) {
  header_done_ = true;
  request_.headers.resize(fields_);  // the previous request's further fields go
  // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in chunked has no reliable
  // length and must get 400. Beast would read it as bodiless and then parse the body as the next
  // request, which is how requests get smuggled past a proxy.
  if (transfer_encoding_ && !this->chunked()) {
    ec = beast_http::error::bad_transfer_encoding;
    return;
  }
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing (1.0 has no
  // chunked coding, so a 1.0 proxy in front would frame it by Content-Length or the close).
  if (transfer_encoding_ && version_ < 11) {
    ec = beast_http::error::bad_transfer_encoding;
    return;
  }
  // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request that lacks Host or has more
  // than one (HTTP/1.0 clients may omit it).
  if (version_ >= 11 && host_fields_ != 1) {
    rejection_ = host_fields_ == 0 ? "HTTP/1.1 request without a Host header"
                                   : "more than one Host header";
    ec = beast_http::error::bad_field;
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code&) {
  // Beast has already rejected a Content-Length above body_limit, so this reserve is bounded.
  if (content_length) request_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t RequestParser::on_body_impl(string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, string_view extensions, error_code& ec) {
  if (extensions.size() > kMaxChunkExtension) {
    rejection_ = "chunk extension exceeds " + std::to_string(kMaxChunkExtension) + " bytes";
    ec = beast_http::error::bad_chunk_extension;
  }
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body.append(body.data(), body.size());
  return body.size();
}

void RequestParser::on_finish_impl(error_code&) {}

}  // namespace ssooidc::http
