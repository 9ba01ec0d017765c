#include "api/api.h"

#include <gtest/gtest.h>

#include "api/error_response.h"
#include "testing/http_values.h"
#include "testing/test_services.h"

namespace ssooidc::api {
namespace {

using test_support::header_of;

class ApiTest : public test_support::ServicesTest {
 protected:
  void SetUp() override {
    api_ = std::make_unique<Api>(
        Services{t_.graph.clients, t_.graph.devices, t_.graph.tokens, t_.random});
  }

  core::HttpResponse post(std::string path, std::string body, std::string query = "") {
    core::HttpRequest req;
    req.method = "POST";
    req.path = std::move(path);
    req.query = std::move(query);
    req.body = std::move(body);
    req.remote_address = "127.0.0.1";
    auto resp = api_->handle(req);
    EXPECT_TRUE(resp.has_value());
    return resp.value_or(core::HttpResponse{});
  }
  std::unique_ptr<Api> api_;
};

TEST(ErrorShapeTest, StatusesAndCoralTypesFollowTheModel) {
  EXPECT_EQ(http_status_of(ErrorType::kInvalidClient), 401);
  EXPECT_EQ(http_status_of(ErrorType::kInternalServer), 500);
  EXPECT_EQ(http_status_of(ErrorType::kSlowDown), 400);
  EXPECT_EQ(coral_error_type("SlowDownException"),
            "SlowDownException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/");
}

// The transport's own 400/413/431/500 answers (http::ServerOptions::error_response).
TEST(TransportErrorTest, HaveTheAwsShapeAndARequestId) {
  auto r = transport_error_response(413, "Request body exceeds 65536 bytes", "rid-1");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(
      r.body,
      R"({"error":"invalid_request","error_description":"Request body exceeds 65536 bytes"})");
  EXPECT_EQ(header_of(r, "x-amzn-ErrorType"),
            "InvalidRequestException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/");
  EXPECT_EQ(header_of(r, "x-amzn-RequestId"), "rid-1");
  auto escaped = transport_error_response(400, "a \"quoted\" \\ thing", "rid-2");
  EXPECT_EQ(escaped.body,
            R"({"error":"invalid_request","error_description":"a \"quoted\" \\ thing"})");
  auto internal = transport_error_response(500, "The server encountered an internal error", "r");
  EXPECT_EQ(internal.status, 500);
  EXPECT_TRUE(internal.body.starts_with(R"({"error":"server_error",)"));
}

TEST_F(ApiTest, ErrorResponsesHaveTheServiceShapeByteForByte) {
  auto r = error_response(Error::make(ErrorType::kInvalidGrant, "Invalid refresh token provided"),
                          "8506bebb-9eca-4771-9336-953ba378efb1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(header_of(r, "x-amzn-ErrorType"),
            "InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/");
  EXPECT_EQ(header_of(r, "x-amzn-RequestId"), "8506bebb-9eca-4771-9336-953ba378efb1");
  EXPECT_EQ(header_of(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"error":"invalid_grant","error_description":"Invalid refresh token provided"})");
  EXPECT_EQ(r.body.size(), 78u);
  EXPECT_EQ(error_response(Error::make(ErrorType::kInvalidClient, "x"), "id").status, 401);
  EXPECT_EQ(error_response(Error::make(ErrorType::kInternalServer, "x"), "id").status, 500);
}

TEST_F(ApiTest, RegisterClientAnswersCompactJson) {
  auto r = post("/client/register", R"({"clientName": "botocore-client-1", "clientType": "public"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body.starts_with(R"({"clientId":")")) << r.body;
  EXPECT_NE(r.body.find(R"("clientSecretExpiresAt":)"), std::string::npos);
  EXPECT_EQ(r.body.find(' '), std::string::npos);
  EXPECT_EQ(header_of(r, "x-amzn-RequestId").size(), 36u);
}

TEST_F(ApiTest, BadBodiesGetInvalidRequestNamingTheProblem) {
  auto r = post("/client/register", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(header_of(r, "x-amzn-ErrorType").starts_with("InvalidRequestException:"));
  r = post("/client/register", R"({"clientName": 5, "clientType": "public"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("clientName"), std::string::npos) << r.body;
  r = post("/client/register", R"({"clientType": "public"})");
  EXPECT_NE(r.body.find("clientName"), std::string::npos) << r.body;
  r = post("/token", R"({"clientId": "a", "clientSecret": "b"})");
  EXPECT_NE(r.body.find("grantType"), std::string::npos) << r.body;
  r = post("/client/register", "");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ApiTest, WrongMethodGets405AndUnknownPathsAreNotOurs) {
  core::HttpRequest req;
  req.method = "GET";
  req.path = "/token";
  auto r = api_->handle(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(header_of(*r, "Allow"), "POST");
  req.path = "/nope";
  EXPECT_FALSE(api_->handle(req).has_value());
}

TEST_F(ApiTest, CreateTokenWithIamIsRoutedByQuery) {
  EXPECT_TRUE(is_iam_query("aws_iam=t"));
  EXPECT_TRUE(is_iam_query("x=1&aws_iam=t"));
  EXPECT_FALSE(is_iam_query("aws_iam=tt"));
  auto r = post("/token",
                R"({"clientId":"arn:aws:sso::1:application/a","grantType":"authorization_code"})",
                "aws_iam=t");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(header_of(r, "x-amzn-ErrorType").starts_with("InvalidClientException:"));
  r = post("/token", R"({"grantType":"authorization_code"})", "aws_iam=t");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("clientId"), std::string::npos);
}

TEST_F(ApiTest, SigV4HeadersAndOddContentTypesAreIgnored) {
  core::HttpRequest req;
  req.method = "POST";
  req.path = "/client/register";
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sso-oauth/aws4_request, "
                  "SignedHeaders=host, Signature=00"},
                 {"X-Amz-Date", "20240101T000000Z"}};
  req.body = "{\n  \"clientName\": \"paws\",\n  \"clientType\": \"public\"\n}";
  auto r = api_->handle(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
}

}  // namespace
}  // namespace ssooidc::api
