// A raw HTTP/1.1 connection for the tests that drive a real server on loopback byte by byte
// (the transport's tests, the stalled-database suite): it sends what it is given and parses the
// answers itself. Every wait is bounded, so a server that does not answer fails the test
// instead of hanging it. Needs Boost.Asio (the tests that use it link the http layer).
//
// Thread safety: none; one test thread per connection.
#pragma once

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"

namespace ssooidc::test_support {

struct RawResponse {
  int status = 0;
  std::string head;  // the status line and the header fields as received, each ending in CRLF
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first field `name` (case-insensitive); "<absent>" when there is none.
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (core::iequals(k, name)) return v;
    return "<absent>";
  }
};

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port) : socket_(context_) {
    socket_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  // Reads one response (interim ones included); nullopt on timeout, close or a status line that
  // is not HTTP/1.1.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t end;
    while ((end = input_.find("\r\n\r\n")) == std::string::npos)
      if (!read_some(deadline)) return std::nullopt;
    RawResponse response;
    response.head = input_.substr(0, end + 2);
    const std::string& head = response.head;
    const std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.1 ")) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
      const std::size_t eol = head.find("\r\n", pos);
      const std::string line = head.substr(pos, eol - pos);
      const std::size_t colon = line.find(':');
      response.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
      pos = eol + 2;
    }
    input_.erase(0, end + 4);
    std::size_t length = 0;
    if (auto cl = response.header("Content-Length"); cl != "<absent>") length = std::stoul(cl);
    if (head_only_) length = 0;
    while (input_.size() < length)
      if (!read_some(deadline)) return std::nullopt;
    response.body = input_.substr(0, length);
    input_.erase(0, length);
    return response;
  }

  // True when the server closes the connection within `timeout` (no further bytes arrive).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_)
      if (!read_some(deadline)) return eof_;
    return true;
  }

  void close() { socket_.close(); }
  void shutdown_send() { socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send); }
  // After a HEAD request: the next response has no body whatever its Content-Length says.
  void set_head_only(bool v) { head_only_ = v; }
  const std::string& pending_input() const { return input_; }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    std::array<char, 16384> chunk{};
    bool done = false;
    boost::system::error_code result;
    std::size_t got = 0;
    socket_.async_read_some(boost::asio::buffer(chunk),
                            [&](boost::system::error_code ec, std::size_t n) {
                              done = true;
                              result = ec;
                              got = n;
                            });
    context_.restart();
    context_.run_until(deadline);
    if (!done) {
      socket_.cancel();
      context_.restart();
      context_.run();
      return false;
    }
    if (result) {
      eof_ = true;  // EOF or reset: either way the server is gone
      return false;
    }
    input_.append(chunk.data(), got);
    return true;
  }

  boost::asio::io_context context_;
  boost::asio::ip::tcp::socket socket_;
  std::string input_;
  bool eof_ = false;
  bool head_only_ = false;
};

}  // namespace ssooidc::test_support
