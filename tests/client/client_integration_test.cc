// libssooidc against the real ssooidc-server on loopback: every operation, and every error type
// the server can produce, with the exact type, `error` code, HTTP status and a request id.
#include <gtest/gtest.h>

#include <thread>

#include "server_process.h"
#include "ssooidc/client.h"

namespace ssooidc {
namespace {

using testing::ServerProcess;

constexpr const char* kStartUrl = "https://d-0000000000.awsapps.com/start";

class ClientIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = new ServerProcess();
    server->add_user("alice");
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static Client client(Config config = {}) {
    config.endpoint = server->url();
    config.region = "us-east-1";
    config.max_retries = 0;  // every error must surface as the server sent it
    auto c = Client::create(std::move(config));
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().error_description);
    return std::move(*c);
  }

  static RegisterClientResponse register_scoped(Client& c) {
    auto r = c.register_client({.clientName = "integration",
                                .clientType = "public",
                                .scopes = std::vector<std::string>{"sso:account:access"}});
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().error_description);
    return r.value_or(RegisterClientResponse{});
  }

  // Checks the parts every service error must have.
  static void expect_error(const Error& e, ErrorType type, int status) {
    EXPECT_EQ(e.type, type) << "got " << e.shape() << ": " << e.error_description;
    EXPECT_EQ(e.error, oauth_code(type));
    EXPECT_EQ(e.http_status, status);
    EXPECT_EQ(e.request_id.size(), 36u) << e.request_id;  // a UUID
    EXPECT_FALSE(e.error_description.empty());
  }

  static CreateTokenRequest device_poll(const RegisterClientResponse& reg,
                                        const std::string& device_code) {
    return {.clientId = *reg.clientId,
            .clientSecret = *reg.clientSecret,
            .grantType = std::string(kGrantDeviceCode),
            .deviceCode = device_code};
  }

  static ServerProcess* server;
};

ServerProcess* ClientIntegrationTest::server = nullptr;

TEST_F(ClientIntegrationTest, DeviceFlowRefreshAndRotation) {
  Client c = client();
  RegisterClientResponse reg = register_scoped(c);
  ASSERT_TRUE(reg.clientId && reg.clientSecret && reg.clientIdIssuedAt &&
              reg.clientSecretExpiresAt);
  EXPECT_GT(*reg.clientSecretExpiresAt, *reg.clientIdIssuedAt);

  auto auth = c.start_device_authorization({*reg.clientId, *reg.clientSecret, kStartUrl});
  ASSERT_TRUE(auth.has_value()) << auth.error().error_description;
  ASSERT_TRUE(auth->deviceCode && auth->userCode && auth->verificationUri &&
              auth->verificationUriComplete && auth->expiresIn && auth->interval);
  EXPECT_NE(auth->verificationUriComplete->find(*auth->userCode), std::string::npos);

  auto pending = c.create_token(device_poll(reg, *auth->deviceCode));
  ASSERT_FALSE(pending.has_value());
  expect_error(pending.error(), ErrorType::kAuthorizationPending, 400);

  ASSERT_EQ(server->admin({"device", "approve", *auth->userCode, "--user", "alice"}), 0);
  std::this_thread::sleep_for(std::chrono::seconds(*auth->interval));
  auto token = c.create_token(device_poll(reg, *auth->deviceCode));
  ASSERT_TRUE(token.has_value()) << token.error().error_description;
  ASSERT_TRUE(token->accessToken && token->refreshToken && token->expiresIn);
  EXPECT_EQ(token->tokenType, "Bearer");

  // A retry within the grace window gets the same tokens (issue 11 item 8).
  auto again = c.create_token(device_poll(reg, *auth->deviceCode));
  ASSERT_TRUE(again.has_value()) << again.error().error_description;
  EXPECT_EQ(again->accessToken, token->accessToken);

  CreateTokenRequest refresh{.clientId = *reg.clientId,
                             .clientSecret = *reg.clientSecret,
                             .grantType = std::string(kGrantRefreshToken),
                             .refreshToken = *token->refreshToken};
  auto refreshed = c.create_token(refresh);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().error_description;
  EXPECT_NE(refreshed->accessToken, token->accessToken);
  // The device code is single-use: its tokens have been used, so presenting it again is reuse.
  auto spent = c.create_token(device_poll(reg, *auth->deviceCode));
  ASSERT_FALSE(spent.has_value());
  EXPECT_EQ(spent.error().http_status, 400);

  CreateTokenRequest next = refresh;
  next.refreshToken = *refreshed->refreshToken;
  ASSERT_TRUE(c.create_token(next).has_value());
  auto reused = c.create_token(refresh);  // rotated and its successor used: spent
  ASSERT_FALSE(reused.has_value());
  expect_error(reused.error(), ErrorType::kInvalidGrant, 400);
}

TEST_F(ClientIntegrationTest, SlowDownAndAccessDenied) {
  Client c = client();
  RegisterClientResponse reg = register_scoped(c);
  auto auth = c.start_device_authorization({*reg.clientId, *reg.clientSecret, kStartUrl});
  ASSERT_TRUE(auth.has_value());
  // Poll much faster than `interval`: the server must ask us to slow down.
  std::optional<Error> slow;
  for (int i = 0; i < 6 && !slow; ++i) {
    auto r = c.create_token(device_poll(reg, *auth->deviceCode));
    ASSERT_FALSE(r.has_value());
    if (r.error().type == ErrorType::kSlowDown) slow = r.error();
  }
  ASSERT_TRUE(slow.has_value()) << "no SlowDownException after 6 immediate polls";
  expect_error(*slow, ErrorType::kSlowDown, 400);

  ASSERT_EQ(server->admin({"device", "deny", *auth->userCode}), 0);
  std::this_thread::sleep_for(std::chrono::seconds(*auth->interval + 5));
  auto denied = c.create_token(device_poll(reg, *auth->deviceCode));
  ASSERT_FALSE(denied.has_value());
  expect_error(denied.error(), ErrorType::kAccessDenied, 400);
}

TEST_F(ClientIntegrationTest, RegisterClientErrors) {
  Client c = client();
  auto metadata = c.register_client({.clientName = "x", .clientType = "confidential"});
  ASSERT_FALSE(metadata.has_value());
  expect_error(metadata.error(), ErrorType::kInvalidClientMetadata, 400);

  auto scope = c.register_client({.clientName = "x",
                                  .clientType = "public",
                                  .scopes = std::vector<std::string>{"not a scope!"}});
  ASSERT_FALSE(scope.has_value());
  expect_error(scope.error(), ErrorType::kInvalidScope, 400);

  auto grant = c.register_client({.clientName = "x",
                                  .clientType = "public",
                                  .grantTypes = std::vector<std::string>{"telepathy"}});
  ASSERT_FALSE(grant.has_value());
  expect_error(grant.error(), ErrorType::kUnsupportedGrantType, 400);

  auto redirect = c.register_client({.clientName = "x",
                                     .clientType = "public",
                                     .redirectUris = std::vector<std::string>{"not-a-uri"}});
  ASSERT_FALSE(redirect.has_value());
  expect_error(redirect.error(), ErrorType::kInvalidRedirectUri, 400);

  auto missing = c.register_client({.clientName = "", .clientType = "public"});
  ASSERT_FALSE(missing.has_value());
  expect_error(missing.error(), ErrorType::kInvalidRequest, 400);
}

TEST_F(ClientIntegrationTest, StartDeviceAuthorizationErrors) {
  Client c = client();
  RegisterClientResponse reg = register_scoped(c);
  auto bad_client = c.start_device_authorization({*reg.clientId, "wrong-secret", kStartUrl});
  ASSERT_FALSE(bad_client.has_value());
  expect_error(bad_client.error(), ErrorType::kInvalidClient, 401);

  auto missing = c.start_device_authorization({*reg.clientId, *reg.clientSecret, ""});
  ASSERT_FALSE(missing.has_value());
  expect_error(missing.error(), ErrorType::kInvalidRequest, 400);

  auto refresh_only = c.register_client({.clientName = "x",
                                         .clientType = "public",
                                         .grantTypes = std::vector<std::string>{"refresh_token"}});
  ASSERT_TRUE(refresh_only.has_value());
  auto unauthorized = c.start_device_authorization(
      {*refresh_only->clientId, *refresh_only->clientSecret, kStartUrl});
  ASSERT_FALSE(unauthorized.has_value());
  expect_error(unauthorized.error(), ErrorType::kUnauthorizedClient, 400);
}

TEST_F(ClientIntegrationTest, CreateTokenErrors) {
  Client c = client();
  RegisterClientResponse reg = register_scoped(c);
  auto bad_code = c.create_token(device_poll(reg, "no-such-device-code"));
  ASSERT_FALSE(bad_code.has_value());
  expect_error(bad_code.error(), ErrorType::kInvalidGrant, 400);

  auto unsupported = c.create_token(
      {.clientId = *reg.clientId, .clientSecret = *reg.clientSecret, .grantType = "password"});
  ASSERT_FALSE(unsupported.has_value());
  expect_error(unsupported.error(), ErrorType::kUnsupportedGrantType, 400);

  auto bad_secret = c.create_token({.clientId = *reg.clientId,
                                    .clientSecret = "nope",
                                    .grantType = "refresh_token",
                                    .refreshToken = "x"});
  ASSERT_FALSE(bad_secret.has_value());
  expect_error(bad_secret.error(), ErrorType::kInvalidClient, 401);
}

TEST_F(ClientIntegrationTest, CreateTokenWithIamIsSignedAndAnswered) {
  Config config;
  config.credentials.creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  Client c = client(config);
  auto r = c.create_token_with_iam({.clientId = "arn:aws:sso::123456789012:application/x/y",
                                    .grantType = "refresh_token",
                                    .refreshToken = "x"});
  ASSERT_FALSE(r.has_value());
  // This server has no IAM applications: it answers as the service does for an unknown one.
  expect_error(r.error(), ErrorType::kInvalidClient, 401);
}

TEST_F(ClientIntegrationTest, DeviceCodeExpires) {
  ServerProcess short_lived({"--device-code-ttl", "10"});
  Config config;
  config.endpoint = short_lived.url();
  config.region = "us-east-1";
  auto c = Client::create(config);
  ASSERT_TRUE(c.has_value());
  auto reg = c->register_client({.clientName = "x", .clientType = "public"});
  ASSERT_TRUE(reg.has_value());
  auto auth = c->start_device_authorization({*reg->clientId, *reg->clientSecret, kStartUrl});
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->expiresIn, 10);
  std::this_thread::sleep_for(std::chrono::seconds(11));
  auto r = c->create_token(device_poll(*reg, *auth->deviceCode));
  ASSERT_FALSE(r.has_value());
  expect_error(r.error(), ErrorType::kExpiredToken, 400);
}

TEST_F(ClientIntegrationTest, ConnectionRefusedIsATransportError) {
  Config config;
  config.endpoint = "http://127.0.0.1:1";
  config.region = "us-east-1";
  config.max_retries = 0;
  auto c = Client::create(config);
  ASSERT_TRUE(c.has_value());
  auto r = c->register_client({.clientName = "x", .clientType = "public"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kTransport);
  EXPECT_EQ(r.error().http_status, 0);
}

}  // namespace
}  // namespace ssooidc
