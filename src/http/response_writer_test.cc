#include "http/response_writer.h"

#include <gtest/gtest.h>

namespace ssooidc::http {
namespace {

constexpr std::string_view kDate = "Sun, 06 Nov 1994 08:49:37 GMT";

TEST(ResponseWriterTest, SerializesStatusHeadersLengthAndBody) {
  core::HttpResponse response;
  response.status = 400;
  response.set("Content-Type", "application/json");
  response.set("x-amzn-RequestId", "r-1");
  response.body = R"({"error":"authorization_pending"})";
  auto wire = serialize_response(std::move(response), true, false, kDate);
  EXPECT_EQ(wire.head,
            "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: application/json\r\n"
            "x-amzn-RequestId: r-1\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Length: 33\r\n"
            "Connection: keep-alive\r\n\r\n");
  EXPECT_EQ(wire.body, R"({"error":"authorization_pending"})");
  EXPECT_EQ(wire.status, 400);
  EXPECT_FALSE(wire.close);
}

TEST(ResponseWriterTest, TransportOwnsFramingAndDropsUnsafeFields) {
  core::HttpResponse response;
  response.headers = {{"Content-Length", "999"},
                      {"Transfer-Encoding", "chunked"},
                      {"X-Split", "a\r\nSet-Cookie: evil=1"},
                      {"Bad Name", "v"},
                      {"", "v"},
                      {"X-Ok", "fine"}};
  response.body = "abc";
  auto wire = serialize_response(std::move(response), true, false, kDate);
  EXPECT_EQ(wire.head,
            "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Length: 3\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ResponseWriterTest, HandlerConnectionCloseEndsConnection) {
  core::HttpResponse response;
  response.set("Connection", "Close");
  auto wire = serialize_response(std::move(response), true, false, kDate);
  EXPECT_TRUE(wire.close);
  EXPECT_NE(wire.head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(wire.head.find("Connection: Close"), std::string::npos);
}

TEST(ResponseWriterTest, NoContentStatusesCarryNoLengthOrBody) {
  core::HttpResponse response;
  response.status = 204;
  response.body = "ignored";
  auto wire = serialize_response(std::move(response), true, false, "");
  EXPECT_EQ(wire.head, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(wire.body.empty());
}

TEST(ResponseWriterTest, HeadKeepsLengthDropsBody) {
  core::HttpResponse response;
  response.body = "12345";
  auto wire = serialize_response(std::move(response), false, true, "");
  EXPECT_EQ(wire.head, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(wire.body.empty());
  EXPECT_TRUE(wire.close);
}

TEST(ResponseWriterTest, InvalidStatusBecomesInternalError) {
  for (int status : {0, 100, 99, 600, 1000}) {
    core::HttpResponse response;
    response.status = status;
    auto wire = serialize_response(std::move(response), true, false, "");
    EXPECT_EQ(wire.status, 500) << status;
    // Sessions put ServerOptions::error_response's answer here first (server_test.cc); this is
    // the last line of defence.
    EXPECT_NE(wire.head.find("Content-Type: text/plain"), std::string::npos);
  }
}

TEST(ResponseWriterTest, UnknownStatusHasEmptyReason) {
  core::HttpResponse response;
  response.status = 555;
  auto wire = serialize_response(std::move(response), true, false, "");
  EXPECT_TRUE(wire.head.starts_with("HTTP/1.1 555 \r\n")) << wire.head;
}

TEST(ResponseWriterTest, HttpDateIsImfFixdate) {
  EXPECT_EQ(HttpDate::format(784111777), kDate);
  EXPECT_EQ(HttpDate::format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  HttpDate date;
  EXPECT_EQ(date.now().size(), kDate.size());
}

// A connection hands its previous head back for reuse: whatever it held, the new head is the
// same bytes as one written into a fresh string, and it keeps the buffer it was given.
TEST(ResponseWriterTest, ReusedHeadBufferWritesTheSameBytes) {
  auto response = [] {
    core::HttpResponse r;
    r.status = 400;
    r.set("Content-Type", "application/json");
    r.set("x-amzn-ErrorType", "AuthorizationPendingException");
    r.body = R"({"error":"authorization_pending"})";
    return r;
  };
  const auto fresh = serialize_response(response(), true, false, kDate);
  std::string previous(512, 'x');
  previous.assign("HTTP/1.1 200 OK\r\nstale: bytes\r\n\r\n");
  const char* buffer = previous.data();
  const auto reused = serialize_response(response(), true, false, kDate, std::move(previous));
  EXPECT_EQ(reused.head, fresh.head);
  EXPECT_EQ(reused.body, fresh.body);
  EXPECT_EQ(reused.head.data(), buffer);  // no new allocation
}

}  // namespace
}  // namespace ssooidc::http
