#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

namespace ssooidc::http {
namespace {

namespace beast_http = boost::beast::http;

// Feeds `input` in pieces of `step` bytes the way a session does: unconsumed bytes stay buffered.
boost::system::error_code parse(RequestParser& parser, std::string_view input, std::size_t step) {
  std::string buffered;
  std::size_t offset = 0;
  boost::system::error_code ec;
  while (!parser.is_done()) {
    if (offset < input.size()) {
      buffered += input.substr(offset, step);
      offset += step;
    } else if (buffered.empty()) {
      return beast_http::error::need_more;
    }
    const std::size_t used = parser.put(boost::asio::buffer(buffered), ec);
    buffered.erase(0, used);
    if (ec == beast_http::error::need_more) {
      if (offset >= input.size()) return ec;
      ec = {};
      continue;
    }
    if (ec) return ec;
  }
  return ec;
}

TEST(RequestParserTest, FillsRequestWhateverTheReadSizes) {
  const std::string raw =
      "POST /token?aws_iam=t&x=%20 HTTP/1.1\r\nHost: oidc\r\nContent-Type: application/json\r\n"
      "X-Empty:\r\nContent-Length: 11\r\n\r\n{\"a\":\"b c\"}";
  for (std::size_t step : {1u, 2u, 7u, 64u, 4096u}) {
    RequestParser parser(16 * 1024, 64 * 1024);
    ASSERT_FALSE(parse(parser, raw, step)) << step;
    const auto& request = parser.request();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/token");
    EXPECT_EQ(request.query, "aws_iam=t&x=%20");  // raw, not decoded
    EXPECT_EQ(request.body, R"({"a":"b c"})");
    EXPECT_EQ(request.header("content-type"), "application/json");
    EXPECT_EQ(request.header("HOST"), "oidc");
    ASSERT_EQ(request.headers.size(), 4u);
    EXPECT_EQ(request.headers[2].first, "X-Empty");
    EXPECT_EQ(request.headers[2].second, "");
    EXPECT_FALSE(parser.expects_continue());
    EXPECT_TRUE(parser.keep_alive());
  }
}

// Issue 15: a connection parses each request into the one request object; every request then
// reads as if parsed into a fresh one, whatever the previous one held.
TEST(RequestParserTest, ReusedRequestHoldsOnlyTheNewRequest) {
  core::HttpRequest reused;
  {
    RequestParser parser(reused, 16 * 1024, 64 * 1024);
    ASSERT_FALSE(parse(parser,
                       "POST /token?a=1 HTTP/1.1\r\nHost: oidc\r\nContent-Type: application/json\r\n"
                       "X-One: 1\r\nContent-Length: 2\r\n\r\n{}",
                       4096));
    EXPECT_EQ(&parser.request(), &reused);
  }
  reused.remote_address = "192.0.2.1";
  reused.tls = true;
  reused.received = std::chrono::steady_clock::now();
  {
    RequestParser parser(reused, 16 * 1024, 64 * 1024);
    ASSERT_FALSE(parse(parser, "GET /healthz HTTP/1.1\r\nHost: other\r\n\r\n", 3));
  }
  EXPECT_EQ(reused.method, "GET");
  EXPECT_EQ(reused.path, "/healthz");
  EXPECT_EQ(reused.query, "");
  EXPECT_EQ(reused.body, "");
  ASSERT_EQ(reused.headers.size(), 1u);
  EXPECT_EQ(reused.headers[0], (std::pair<std::string, std::string>("Host", "other")));
  EXPECT_EQ(reused.remote_address, "");
  EXPECT_FALSE(reused.tls);
  EXPECT_EQ(reused.received, std::chrono::steady_clock::time_point{});
  {
    RequestParser parser(reused, 16 * 1024, 64 * 1024);
    ASSERT_FALSE(parse(parser, "POST /x HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nContent-Length: 1\r\n\r\nz", 5));
  }
  ASSERT_EQ(reused.headers.size(), 4u);
  EXPECT_EQ(reused.header("b"), "2");
  EXPECT_EQ(reused.body, "z");
  // A header cut short (Beast hands on fields once the header is complete): none of the previous
  // request's fields.
  RequestParser parser(reused, 16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(parser, "POST /y HTTP/1.1\r\nHost: h\r\n", 100), beast_http::error::need_more);
  EXPECT_TRUE(parser.request().headers.empty());
}

TEST(RequestParserTest, ChunkedTrailersAreNotHeaders) {
  RequestParser parser(16 * 1024, 64 * 1024);
  ASSERT_FALSE(parse(parser,
                     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\nab\r\n0\r\nX-Trailer: t\r\n\r\n",
                     5));
  EXPECT_EQ(parser.request().body, "ab");
  EXPECT_EQ(parser.request().header("x-trailer"), "");
}

TEST(RequestParserTest, ExpectContinueOnlyForHttp11) {
  RequestParser v11(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(v11, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", 100),
            beast_http::error::need_more);
  EXPECT_TRUE(v11.is_header_done());
  EXPECT_TRUE(v11.expects_continue());

  RequestParser v10(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(v10, "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 100),
            beast_http::error::need_more);
  EXPECT_FALSE(v10.expects_continue());
}

TEST(RequestParserTest, ContentLengthOverBodyLimitFailsAtHeader) {
  RequestParser parser(16 * 1024, 10);
  EXPECT_EQ(parse(parser, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 1000),
            beast_http::error::body_limit);
}

TEST(RequestParserTest, HeaderOverLimitFails) {
  RequestParser parser(1024, 64 * 1024);
  EXPECT_EQ(parse(parser, "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 4096),
            beast_http::error::header_limit);
}

TEST(RequestParserTest, TransferEncodingNotEndingInChunkedIsRejected) {
  RequestParser parser(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(parser, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc", 100),
            beast_http::error::bad_transfer_encoding);
  RequestParser chunked_last(16 * 1024, 64 * 1024);
  EXPECT_FALSE(parse(chunked_last,
                     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 100));
}

TEST(RequestParserTest, Http11NeedsExactlyOneHost) {
  RequestParser none(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(none, "GET / HTTP/1.1\r\nX: y\r\n\r\n", 100), beast_http::error::bad_field);
  EXPECT_EQ(none.rejection(), "HTTP/1.1 request without a Host header");
  RequestParser two(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(two, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 100),
            beast_http::error::bad_field);
  EXPECT_EQ(two.rejection(), "more than one Host header");
  RequestParser v10(16 * 1024, 64 * 1024);
  EXPECT_FALSE(parse(v10, "GET / HTTP/1.0\r\n\r\n", 100));
  EXPECT_EQ(v10.rejection(), "");
}

TEST(RequestParserTest, LongChunkExtensionAndTrailersAreRejected) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  RequestParser at_limit(16 * 1024, 64 * 1024);
  EXPECT_FALSE(parse(at_limit, head + "1;" + std::string(1023, 'e') + "\r\na\r\n0\r\n\r\n", 64));
  RequestParser over(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(over, head + "1;" + std::string(1024, 'e') + "\r\na\r\n0\r\n\r\n", 64),
            beast_http::error::bad_chunk_extension);
  EXPECT_EQ(over.rejection(), "chunk extension exceeds 1024 bytes");
  RequestParser trailers(1024, 64 * 1024);
  EXPECT_EQ(parse(trailers, head + "0\r\nX-A: " + std::string(600, 't') + "\r\nX-B: " +
                                std::string(600, 't') + "\r\n\r\n", 4096),
            beast_http::error::bad_field);
  EXPECT_EQ(trailers.rejection(), "trailer section exceeds 1024 bytes");
}

// Found by the hostile-request suite (tests/hostile): an HTTP/1.0 request with
// Transfer-Encoding: chunked was read as chunked.
TEST(RequestParserTest, TransferEncodingOnHttp10IsRejected) {
  RequestParser parser(16 * 1024, 64 * 1024);
  EXPECT_EQ(parse(parser, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 100),
            beast_http::error::bad_transfer_encoding);
}

TEST(RequestParserTest, SplitTarget) {
  std::string path, query;
  RequestParser::split_target("/a/b?c=d?e", path, query);
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "c=d?e");
  RequestParser::split_target("/plain", path, query);
  EXPECT_EQ(path, "/plain");
  EXPECT_EQ(query, "");
  RequestParser::split_target("/?", path, query);
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query, "");
  RequestParser::split_target("http://host:8080/token?aws_iam=t", path, query);
  EXPECT_EQ(path, "/token");
  EXPECT_EQ(query, "aws_iam=t");
  RequestParser::split_target("https://host?q", path, query);
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query, "q");
  RequestParser::split_target("http://host", path, query);
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query, "");
  RequestParser::split_target("*", path, query);
  EXPECT_EQ(path, "*");
}

}  // namespace
}  // namespace ssooidc::http
