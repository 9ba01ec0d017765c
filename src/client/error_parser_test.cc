#include "client/error_parser.h"

#include <gtest/gtest.h>

namespace ssooidc::client {
namespace {

HttpReply reply(int status, HeaderList headers, std::string body) {
  return HttpReply{status, std::move(headers), std::move(body)};
}

TEST(ErrorParserTest, SanitizesCoralAndSmithyForms) {
  EXPECT_EQ(sanitize_error_code(
                "InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"),
            "InvalidGrantException");
  EXPECT_EQ(sanitize_error_code("com.amazonaws.ssooidc#SlowDownException"), "SlowDownException");
  EXPECT_EQ(sanitize_error_code("aws.protocoltests#FooError:http://x,Other"), "FooError");
  EXPECT_EQ(sanitize_error_code("Plain"), "Plain");
}

TEST(ErrorParserTest, RealServiceAnswerFromReference) {
  // Reference 4.2, aws-cli #8561: the type only in the header.
  auto e = parse_error_response(
      reply(400,
            {{"x-amzn-RequestId", "8506bebb-9eca-4771-9336-953ba378efb1"},
             {"x-amzn-ErrorType",
              "InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"}},
            R"({"error":"invalid_grant","error_description":"Invalid refresh token provided"})"));
  EXPECT_EQ(e.type, ErrorType::kInvalidGrant);
  EXPECT_EQ(e.error, "invalid_grant");
  EXPECT_EQ(e.error_description, "Invalid refresh token provided");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.request_id, "8506bebb-9eca-4771-9336-953ba378efb1");
  EXPECT_EQ(e.shape(), "InvalidGrantException");
}

TEST(ErrorParserTest, HeaderNameIsCaseInsensitiveAndWinsOverBody) {
  auto e = parse_error_response(reply(400, {{"X-AMZN-ERRORTYPE", "AuthorizationPendingException"}},
                                      R"({"code":"SlowDownException","__type":"x#AccessDenied"})"));
  EXPECT_EQ(e.type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(e.error, "authorization_pending");  // canonical code when the body has no `error`
}

TEST(ErrorParserTest, BodyCodeThenTypeWhenNoHeader) {
  auto by_code = parse_error_response(reply(400, {}, R"({"Code":"SlowDownException"})"));
  EXPECT_EQ(by_code.type, ErrorType::kSlowDown);
  auto by_lower_code = parse_error_response(reply(400, {}, R"({"code":"ExpiredTokenException"})"));
  EXPECT_EQ(by_lower_code.type, ErrorType::kExpiredToken);
  auto by_type = parse_error_response(
      reply(401, {}, R"({"__type":"com.amazonaws.ssooidc#InvalidClientException","message":"m"})"));
  EXPECT_EQ(by_type.type, ErrorType::kInvalidClient);
  EXPECT_EQ(by_type.http_status, 401);
  EXPECT_EQ(by_type.error_description, "m");  // `message` when there is no error_description
}

TEST(ErrorParserTest, EveryModeledShapeMaps) {
  for (auto type :
       {ErrorType::kAccessDenied, ErrorType::kAuthorizationPending, ErrorType::kExpiredToken,
        ErrorType::kInternalServer, ErrorType::kInvalidClient, ErrorType::kInvalidClientMetadata,
        ErrorType::kInvalidGrant, ErrorType::kInvalidRedirectUri, ErrorType::kInvalidRequest,
        ErrorType::kInvalidRequestRegion, ErrorType::kInvalidScope, ErrorType::kSlowDown,
        ErrorType::kUnauthorizedClient, ErrorType::kUnsupportedGrantType}) {
    auto e =
        parse_error_response(reply(Error::make(type, "").http_status,
                                   {{"x-amzn-ErrorType", std::string(shape_name(type)) + ":ns"}},
                                   "{\"error\":\"" + std::string(oauth_code(type)) + "\"}"));
    EXPECT_EQ(e.type, type) << shape_name(type);
    EXPECT_EQ(e.error, oauth_code(type));
  }
}

TEST(ErrorParserTest, ReasonIsKept) {
  auto e = parse_error_response(reply(
      400, {{"x-amzn-ErrorType", "AccessDeniedException"}},
      R"({"error":"access_denied","error_description":"no","reason":"KMS_AccessDeniedException"})"));
  EXPECT_EQ(e.type, ErrorType::kAccessDenied);
  EXPECT_EQ(e.reason, "KMS_AccessDeniedException");
}

TEST(ErrorParserTest, UnknownTypeKeepsTheRawName) {
  auto e = parse_error_response(
      reply(400, {{"x-amzn-ErrorType", "ThrottlingException:ns"}}, R"({"message":"Rate"})"));
  EXPECT_EQ(e.type, ErrorType::kUnknown);
  EXPECT_EQ(e.error, "ThrottlingException");
  EXPECT_EQ(e.error_description, "Rate");
}

TEST(ErrorParserTest, NoNameAtAllFallsBackToBodyErrorThenStatus) {
  auto with_error = parse_error_response(reply(400, {}, R"({"error":"authorization_pending"})"));
  EXPECT_EQ(with_error.type, ErrorType::kUnknown);
  EXPECT_EQ(with_error.error, "authorization_pending");
  auto html = parse_error_response(
      reply(502, {{"x-amz-request-id", "proxy-1"}}, "<html>Bad Gateway</html>"));
  EXPECT_EQ(html.type, ErrorType::kUnknown);
  EXPECT_EQ(html.error, "502");
  EXPECT_EQ(html.http_status, 502);
  EXPECT_EQ(html.request_id, "proxy-1");
}

TEST(ErrorParserTest, RetryableErrors) {
  auto retryable = [](int status, std::string header) {
    HeaderList h;
    if (!header.empty()) h.emplace_back("x-amzn-ErrorType", header);
    return is_retryable(parse_error_response(reply(status, h, "{}")));
  };
  EXPECT_TRUE(retryable(500, "InternalServerException"));
  EXPECT_TRUE(retryable(503, ""));
  EXPECT_TRUE(retryable(502, ""));
  EXPECT_TRUE(retryable(504, ""));
  EXPECT_TRUE(retryable(429, ""));
  EXPECT_TRUE(retryable(400, "ThrottlingException"));
  EXPECT_TRUE(retryable(400, "RequestTimeout"));
  EXPECT_TRUE(is_retryable(Error::make(ErrorType::kTransport, "connect failed")));
  // Never the device-flow answers, whatever the status.
  EXPECT_FALSE(retryable(400, "AuthorizationPendingException"));
  EXPECT_FALSE(retryable(400, "SlowDownException"));
  EXPECT_FALSE(retryable(400, "AccessDeniedException"));
  EXPECT_FALSE(retryable(400, "ExpiredTokenException"));
  EXPECT_FALSE(retryable(400, "InvalidGrantException"));
  EXPECT_FALSE(retryable(401, "InvalidClientException"));
  EXPECT_FALSE(retryable(400, ""));
  EXPECT_FALSE(retryable(404, ""));
  EXPECT_FALSE(is_retryable(Error::make(ErrorType::kConfiguration, "no region")));
}

}  // namespace
}  // namespace ssooidc::client
