#include <gtest/gtest.h>

#include "client/client_internal.h"
#include "client/fake_transport.h"
#include "client/scripted_client_test.h"
#include "testing/fake_random.h"

namespace ssooidc::client {
namespace {

using testing::FakeTransport;
using testing::ok;
using testing::service_error;

// A repeatable Random (bytes 0, 1, 2, ...), so that backoff delays are deterministic.
using CountingRandom = test_support::FakeRandom;

class ClientTest : public testing::ScriptedClientTest {
 protected:
  ClientTest() : ScriptedClientTest(1440938160) {
    env.set_env("AWS_REGION", "us-east-1");
    env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:8080");
  }

  Client make(Config config = {}) {
    ClientDependencies deps = scripted_dependencies(random);
    deps.clock = &clock;
    auto c = make_client(std::move(config), std::move(deps));
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().error_description);
    return std::move(*c);
  }

  CountingRandom random;
};

TEST_F(ClientTest, ResolvedSettingsAreExposed) {
  Client c = make();
  EXPECT_EQ(c.region(), "us-east-1");
  EXPECT_EQ(c.endpoint(), "http://127.0.0.1:8080");
  EXPECT_EQ(c.profile(), "default");
}

TEST_F(ClientTest, CreateFailsClearlyWithoutRegion) {
  env.unset_env("AWS_REGION");
  ClientDependencies deps;
  deps.env = &env;
  deps.transport = std::make_unique<FakeTransport>(shared);
  auto c = make_client(Config{}, std::move(deps));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().type, ErrorType::kConfiguration);
  EXPECT_TRUE(c.error().error_description.starts_with("No region configured"));
}

TEST_F(ClientTest, RegisterClientPostsJsonUnsigned) {
  answer("/client/register", ok(R"({"clientId":"cid","clientSecret":"cs","clientIdIssuedAt":1,)"
                                R"("clientSecretExpiresAt":7776001})"));
  Client c = make();
  auto r = c.register_client({.clientName = "n",
                              .clientType = "public",
                              .scopes = std::vector<std::string>{"sso:account:access"}});
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_EQ(r->clientId, "cid");
  EXPECT_EQ(r->clientSecretExpiresAt, 7776001);
  ASSERT_EQ(shared->calls.size(), 1u);
  const HttpCall& call = shared->calls[0];
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:8080/client/register");
  EXPECT_EQ(header(call, "Content-Type"), "application/json");
  EXPECT_EQ(header(call, "Host"), "127.0.0.1:8080");
  EXPECT_EQ(header(call, "Authorization"), "<absent>");
  EXPECT_EQ(header(call, "Connection"), "<absent>");
  EXPECT_NE(call.body.find(R"("clientName":"n")"), std::string::npos);
  EXPECT_NE(call.body.find(R"("scopes":["sso:account:access"])"), std::string::npos);
}

TEST_F(ClientTest, StartDeviceAuthorizationAndCreateTokenUseTheirPaths) {
  answer(
      "/device_authorization",
      ok(R"({"deviceCode":"dc","expiresIn":600,"interval":1,"userCode":"BCDF-GHJK",)"
         R"("verificationUri":"http://v/","verificationUriComplete":"http://v/?user_code=BCDF-GHJK"})"));
  answer("/token",
         ok(R"({"accessToken":"at","expiresIn":3600,"refreshToken":"rt","tokenType":"Bearer"})"));
  Client c = make();
  auto d = c.start_device_authorization({"cid", "cs", "https://x.awsapps.com/start"});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->userCode, "BCDF-GHJK");
  EXPECT_EQ(d->interval, 1);
  auto t = c.create_token({.clientId = "cid",
                           .clientSecret = "cs",
                           .grantType = std::string(kGrantDeviceCode),
                           .deviceCode = "dc"});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->accessToken, "at");
  EXPECT_EQ(t->expiresIn, 3600);
  ASSERT_EQ(shared->calls.size(), 2u);
  EXPECT_EQ(shared->calls[0].url, "http://127.0.0.1:8080/device_authorization");
  EXPECT_EQ(shared->calls[1].url, "http://127.0.0.1:8080/token");
  EXPECT_EQ(header(shared->calls[1], "Authorization"), "<absent>");
  EXPECT_NE(shared->calls[1].body.find(R"("deviceCode":"dc")"), std::string::npos);
}

TEST_F(ClientTest, CreateTokenWithIamIsSignedWithSsoOauth) {
  env.set_env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  env.set_env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  env.set_env("AWS_SESSION_TOKEN", "tok");
  answer("/token?aws_iam=t",
         ok(R"({"accessToken":"at","expiresIn":3600,"issuedTokenType":"urn:x","scope":["openid"],)"
            R"("awsAdditionalDetails":{"identityContext":"ic"}})"));
  Client c = make();
  auto t = c.create_token_with_iam({.clientId = "arn:aws:sso::1:application/a",
                                    .grantType = "refresh_token",
                                    .refreshToken = "rt"});
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  ASSERT_TRUE(t->awsAdditionalDetails.has_value());
  EXPECT_EQ(t->awsAdditionalDetails->identityContext, "ic");
  const HttpCall& call = shared->calls.at(0);
  EXPECT_EQ(call.url, "http://127.0.0.1:8080/token?aws_iam=t");
  EXPECT_EQ(header(call, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(call, "X-Amz-Security-Token"), "tok");
  EXPECT_TRUE(header(call, "Authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                               "sso-oauth/aws4_request, SignedHeaders=content-type;host;"
                               "x-amz-date;x-amz-security-token, Signature="));
}

TEST_F(ClientTest, CreateTokenWithIamWithoutCredentialsSendsNothing) {
  Client c = make();
  auto t = c.create_token_with_iam({.clientId = "a", .grantType = "refresh_token"});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().type, ErrorType::kConfiguration);
  EXPECT_TRUE(shared->calls.empty());
}

TEST_F(ClientTest, AnonymousCreateTokenWithIamIsUnsigned) {
  answer("/token?aws_iam=t", ok(R"({"accessToken":"at"})"));
  Config config;
  config.credentials.anonymous = true;
  Client c = make(config);
  ASSERT_TRUE(c.create_token_with_iam({.clientId = "a", .grantType = "refresh_token"}));
  EXPECT_EQ(header(shared->calls.at(0), "Authorization"), "<absent>");
}

TEST_F(ClientTest, EndpointPathPrefixIsKeptAndSigned) {
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "https://gw.example:8443/oidc/");
  Config config;
  config.credentials.creds = {"AKID", "secret", ""};
  answer("/oidc/token?aws_iam=t", ok(R"({"accessToken":"at"})"));
  Client c = make(config);
  ASSERT_TRUE(c.create_token_with_iam({.clientId = "a", .grantType = "refresh_token"}));
  EXPECT_EQ(shared->calls.at(0).url, "https://gw.example:8443/oidc/token?aws_iam=t");
  EXPECT_EQ(header(shared->calls.at(0), "Host"), "gw.example:8443");
}

TEST_F(ClientTest, CloseConnectionSendsConnectionClose) {
  answer("/token", ok(R"({"accessToken":"at"})"));
  Config config;
  config.close_connection = true;
  Client c = make(config);
  ASSERT_TRUE(c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "refresh_token"}));
  EXPECT_EQ(header(shared->calls.at(0), "Connection"), "close");
}

TEST_F(ClientTest, ServiceErrorsCarryTypeStatusAndRequestId) {
  answer("/token", service_error(400, "AuthorizationPendingException", "authorization_pending",
                                 "Authorization is still pending"));
  Client c = make();
  auto t = c.create_token({.clientId = "c",
                           .clientSecret = "s",
                           .grantType = std::string(kGrantDeviceCode),
                           .deviceCode = "d"});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(t.error().error, "authorization_pending");
  EXPECT_EQ(t.error().error_description, "Authorization is still pending");
  EXPECT_EQ(t.error().http_status, 400);
  EXPECT_EQ(t.error().request_id, "req-authorization_pending");
  EXPECT_TRUE(sleeper.sleeps.empty());  // never retried
}

TEST_F(ClientTest, DeviceFlowAnswersAreNeverRetried) {
  for (const char* shape : {"SlowDownException", "AccessDeniedException", "ExpiredTokenException",
                            "InvalidGrantException", "InvalidClientException"}) {
    answer("/token", service_error(400, shape, "x"));
  }
  Client c = make();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "g"}));
  }
  EXPECT_EQ(shared->calls.size(), 5u);
  EXPECT_TRUE(sleeper.sleeps.empty());
}

TEST_F(ClientTest, ServerErrorsAndThrottlingAreRetriedWithBackoff) {
  answer("/token", service_error(500, "InternalServerException", "server_error"));
  answer("/token", HttpReply{503, {}, "Service Unavailable"});
  answer("/token", service_error(400, "ThrottlingException", "x"));
  answer("/token", ok(R"({"accessToken":"at","expiresIn":1})"));
  Client c = make();
  auto t = c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "g"});
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(shared->calls.size(), 4u);
  ASSERT_EQ(sleeper.sleeps.size(), 3u);
  // Full jitter: retry n waits at most base * 2^n.
  EXPECT_LE(sleeper.sleeps[0].count(), 1000);
  EXPECT_LE(sleeper.sleeps[1].count(), 2000);
  EXPECT_LE(sleeper.sleeps[2].count(), 4000);
}

TEST_F(ClientTest, TransportErrorsAreRetriedThenReported) {
  for (int i = 0; i < 4; ++i) answer("/token", std::unexpected(Error::make(ErrorType::kTransport, "connection refused")));
  Config config;
  config.max_retries = 3;
  Client c = make(config);
  auto t = c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "g"});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().type, ErrorType::kTransport);
  EXPECT_EQ(t.error().error_description, "connection refused");
  EXPECT_EQ(t.error().http_status, 0);
  EXPECT_EQ(shared->calls.size(), 4u);
  EXPECT_EQ(sleeper.sleeps.size(), 3u);
}

TEST_F(ClientTest, ZeroRetriesMeansOneAttempt) {
  answer("/token", service_error(500, "InternalServerException", "server_error", "boom"));
  Config config;
  config.max_retries = 0;
  Client c = make(config);
  auto t = c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "g"});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().type, ErrorType::kInternalServer);
  EXPECT_EQ(t.error().http_status, 500);
  EXPECT_EQ(shared->calls.size(), 1u);
}

TEST_F(ClientTest, SignedRetriesAreResignedWithTheCurrentTime) {
  Config config;
  config.credentials.creds = {"AKID", "secret", ""};
  answer("/token?aws_iam=t", HttpReply{502, {}, ""});
  answer("/token?aws_iam=t", ok(R"({"accessToken":"at"})"));
  Client c = make(config);
  clock.advance_seconds(0);
  ASSERT_TRUE(c.create_token_with_iam({.clientId = "a", .grantType = "refresh_token"}));
  ASSERT_EQ(shared->calls.size(), 2u);
  // The fake sleeper advanced the clock by the backoff; each attempt has its own signature.
  EXPECT_EQ(std::count_if(shared->calls[1].headers.begin(), shared->calls[1].headers.end(),
                          [](const auto& h) { return h.first == "Authorization"; }),
            1);
}

TEST_F(ClientTest, MalformedSuccessBodyIsAnUnknownError) {
  answer("/token", ok(R"({"accessToken":42})"));
  Client c = make();
  auto t = c.create_token({.clientId = "c", .clientSecret = "s", .grantType = "g"});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().type, ErrorType::kUnknown);
  EXPECT_EQ(t.error().http_status, 200);
  EXPECT_EQ(t.error().request_id, "req-ok");
  EXPECT_TRUE(t.error().error_description.starts_with("malformed response"));
}

TEST(BackoffTest, CapsAtTwentySeconds) {
  CountingRandom random;
  Backoff backoff;
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto d = backoff.delay(attempt, random);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 20000);
  }
}

}  // namespace
}  // namespace ssooidc::client
