// Fuzzes the HTTP/1.1 request parser the way a connection drives it (src/http/session.cc): the
// input arrives in reads of a size chosen by the first byte, unconsumed bytes stay buffered, a
// fresh parser starts after each complete request (pipelining), and the whole header is bounded
// however it is split. Checks that the limits hold for every request that parses.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "http/request_parser.h"

namespace {

constexpr std::size_t kHeaderLimit = 1024;
constexpr std::size_t kBodyLimit = 2048;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace beast_http = boost::beast::http;
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string buffered;
  std::size_t offset = 0;
  // Appends the next read; false at the end of the input (the peer closed).
  auto read_more = [&] {
    if (offset >= input.size()) return false;
    buffered.append(input.substr(offset, step));
    offset += step;
    return true;
  };
  std::optional<ssooidc::http::RequestParser> parser;
  std::size_t header_bytes = 0;
  if (!read_more()) return 0;
  while (true) {
    if (!parser) {
      parser.emplace(kHeaderLimit, kBodyLimit);
      header_bytes = 0;
    }
    boost::system::error_code ec;
    const bool header_was_done = parser->is_header_done();
    const std::size_t used = parser->put(boost::asio::buffer(buffered), ec);
    check(used <= buffered.size());
    if (!header_was_done && !parser->is_header_done()) header_bytes += used;
    buffered.erase(0, used);
    if (ec == beast_http::error::need_more) ec = {};
    if (ec) break;  // the session answers 400/413/431 and closes
    if (parser->is_done()) {
      const auto& request = parser->request();
      check(request.body.size() <= kBodyLimit);
      check(!request.method.empty());
      std::string path, query;
      ssooidc::http::RequestParser::split_target(request.path + "?" + request.query, path, query);
      check(path == request.path);
      parser.reset();
      if (buffered.empty() && !read_more()) break;
      continue;
    }
    if (!parser->is_header_done() && header_bytes + buffered.size() >= kHeaderLimit) break;
    if ((used == 0 || buffered.empty()) && !read_more()) break;
  }
  return 0;
}
