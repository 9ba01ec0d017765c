#include "http/response_writer.h"

#include <gtest/gtest.h>

#include <memory>

#include "api/error_response.h"

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

// Issue 15: a prepared response (core::PreparedResponse) writes the bytes the same response
// built field by field writes, whatever the transport decides around it.
std::string wire_bytes(core::HttpResponse response, bool keep_alive, bool head_request) {
  auto wire = serialize_response(std::move(response), keep_alive, head_request, kDate);
  return wire.head + wire.body + (wire.shared_body ? wire.shared_body->body : std::string());
}

core::HttpResponse built_pending(std::string request_id) {
  core::HttpResponse response;
  response.status = 400;
  response.set("Content-Type", "application/json");
  response.set("x-amzn-RequestId", std::move(request_id));
  response.set("x-amzn-ErrorType", "AuthorizationPendingException:http://x/");
  response.body = R"({"error":"authorization_pending"})";
  return response;
}

TEST(ResponseWriterTest, PreparedResponseWritesTheSameBytesAsBuilt) {
  const core::HttpResponse model = built_pending("ignored");
  auto prepared = core::prepare_response(model.headers, 1, model.body);
  ASSERT_TRUE(prepared.has_value());
  auto shared = std::make_shared<const core::PreparedResponse>(std::move(*prepared));
  for (const bool keep_alive : {true, false}) {
    for (const bool head_request : {false, true}) {
      for (const bool hsts : {false, true}) {
        core::HttpResponse built = built_pending("id-1");
        core::HttpResponse sent = core::respond_prepared(400, shared, "id-1");
        if (hsts) {
          built.set("Strict-Transport-Security", "max-age=1");
          sent.set("Strict-Transport-Security", "max-age=1");
        }
        const std::string expected = wire_bytes(std::move(built), keep_alive, head_request);
        EXPECT_EQ(wire_bytes(std::move(sent), keep_alive, head_request), expected)
            << keep_alive << head_request << hsts;
      }
    }
  }
  // The body is the shared one, not a copy.
  auto wire = serialize_response(core::respond_prepared(400, shared, "id-2"), true, false, kDate);
  EXPECT_TRUE(wire.body.empty());
  EXPECT_EQ(wire.shared_body, shared);
  EXPECT_NE(wire.head.find("x-amzn-RequestId: id-2\r\n"), std::string::npos);
}

TEST(ResponseWriterTest, PrepareRefusesWhatTheTransportWouldNotWriteAsIs) {
  const std::vector<std::pair<std::string, std::string>> ok = {{"A", "1"}, {"B", "2"}};
  EXPECT_TRUE(core::prepare_response(ok, 0, "").has_value());
  EXPECT_FALSE(core::prepare_response(ok, 2, "").has_value());  // no such field
  EXPECT_FALSE(core::prepare_response({{"Bad Name", "1"}, {"B", "2"}}, 1, "").has_value());
  EXPECT_FALSE(core::prepare_response({{"A", "a\r\nX: y"}, {"B", "2"}}, 1, "").has_value());
  for (const char* transport : {"Date", "connection", "Content-Length", "Transfer-Encoding"})
    EXPECT_FALSE(core::prepare_response({{transport, "1"}, {"B", "2"}}, 1, "").has_value())
        << transport;
  // A value that would split the response is not filled in.
  auto prepared = core::prepare_response(ok, 0, "");
  auto shared = std::make_shared<const core::PreparedResponse>(std::move(*prepared));
  const auto wire =
      serialize_response(core::respond_prepared(200, shared, "v\r\nSet-Cookie: x=1"), true, false,
                         kDate);
  EXPECT_EQ(wire.head.find("Set-Cookie"), std::string::npos);
  EXPECT_NE(wire.head.find("A: \r\nB: 2\r\n"), std::string::npos);
}

// What a poll answered from memory gets (api::prepared_error_response) is, byte for byte, what
// api::error_response gives, for every error a poll can get, and again once prepared.
TEST(ResponseWriterTest, PreparedPollErrorsAreTheErrorResponsesBytes) {
  std::vector<Error> errors = {
      Error::make(ErrorType::kAuthorizationPending, "Authorization is still pending"),
      Error::make(ErrorType::kSlowDown, "Client is polling too quickly"),
      Error::make(ErrorType::kExpiredToken, "Device code has expired"),
      Error::make(ErrorType::kInvalidClient, "Invalid client credentials"),
      Error::make(ErrorType::kInvalidGrant, "Invalid device code provided")};
  Error with_reason = Error::make(ErrorType::kInvalidRequest, "Bad request");
  with_reason.reason = "KMS_AccessDeniedException";
  errors.push_back(with_reason);
  for (int round = 0; round < 2; ++round) {
    for (const Error& error : errors) {
      core::HttpResponse built = api::error_response(error, "4032852a-486b-4380-92ca-65153ce70558");
      core::HttpResponse prepared =
          api::prepared_error_response(error, "4032852a-486b-4380-92ca-65153ce70558");
      EXPECT_EQ(prepared.status, built.status);
      EXPECT_EQ(prepared.log.error_type, built.log.error_type);
      EXPECT_EQ(prepared.log.request_id, built.log.request_id);
      EXPECT_EQ(prepared.events, built.events);
      EXPECT_EQ(wire_bytes(std::move(prepared), true, false),
                wire_bytes(std::move(built), true, false))
          << error.error_description << " round " << round;
    }
  }
  // Past the per-thread bound the answer is still right, only built each time.
  for (std::size_t i = 0; i < api::kPreparedErrorsPerThread + 2; ++i) {
    const Error error = Error::make(ErrorType::kInvalidGrant, "grant " + std::to_string(i));
    EXPECT_EQ(wire_bytes(api::prepared_error_response(error, "r"), true, false),
              wire_bytes(api::error_response(error, "r"), true, false));
  }
}

}  // namespace
}  // namespace ssooidc::http
