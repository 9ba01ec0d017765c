#include "domain/token_service.h"

#include <gtest/gtest.h>

#include "testing/device_flow.h"
#include "testing/test_services.h"

namespace ssooidc::domain {
namespace {

class DeviceFlowTest : public test_support::ServicesTest {
 protected:
  void SetUp() override {
    ctx_->settings.public_url = "https://sso.example.test";
    ASSERT_TRUE(users_->add("alice", "correct horse battery").has_value());
  }

  RegisterClientResponse reg(std::optional<std::vector<std::string>> scopes = std::nullopt) {
    return test_support::register_public_client(*clients_, std::move(scopes));
  }
  StartDeviceAuthorizationResponse start(const RegisterClientResponse& c) {
    return test_support::start_device(*devices_, c, "192.0.2.1");
  }
  std::expected<CreateTokenResponse, Error> poll(const RegisterClientResponse& c,
                                                 const StartDeviceAuthorizationResponse& d) {
    return tokens_->create_token(test_support::token_request(c, d.deviceCode));
  }
  std::expected<CreateTokenResponse, Error> refresh(const RegisterClientResponse& c,
                                                    const std::string& token) {
    return tokens_->create_token(test_support::token_request(c, std::nullopt, token));
  }

};

TEST_F(DeviceFlowTest, StartReturnsTheServiceShape) {
  auto c = reg();
  EXPECT_EQ(*c.clientSecretExpiresAt - *c.clientIdIssuedAt, 90 * 24 * 3600);
  auto d = start(c);
  // An ordered secret (crypto::ordered_token): 8 characters of its time, '.', and 64 random bytes
  // in base64url, as the 86 characters AWS's device codes have.
  EXPECT_EQ(d.deviceCode->size(), 95u);
  EXPECT_EQ((*d.deviceCode)[8], '.');
  EXPECT_EQ(d.userCode->size(), 9u);
  EXPECT_EQ((*d.userCode)[4], '-');
  EXPECT_EQ(*d.verificationUri, "https://sso.example.test/device");
  EXPECT_EQ(*d.verificationUriComplete, "https://sso.example.test/device?user_code=" + *d.userCode);
  EXPECT_EQ(*d.expiresIn, 600);
  EXPECT_EQ(*d.interval, 1);
}

TEST_F(DeviceFlowTest, LegacyClientGetsEightHoursAndNoRefreshToken) {
  auto c = reg();
  auto d = start(c);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAuthorizationPending);  // back to back: tolerated
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  auto t = poll(c, d);
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(*t->expiresIn, 28800);
  EXPECT_EQ(*t->tokenType, "Bearer");
  EXPECT_FALSE(t->refreshToken.has_value());
  // Single use (past the retry grace window).
  clock_.advance_seconds(6);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kInvalidGrant);
}

// Issue 11 item 8: botocore retries a CreateToken whose response was lost. Within the grace
// window the same client with the same secret gets the same response; afterwards, or once the
// response's refresh token has been used, reuse detection is as before.
TEST_F(DeviceFlowTest, RetriedRedemptionsWithinTheGraceWindowGetTheSameResponse) {
  auto c = reg(std::vector<std::string>{"sso:account:access"});
  auto d = start(c);
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  auto t = poll(c, d);
  ASSERT_TRUE(t.has_value());
  clock_.advance_seconds(4);
  auto again = poll(c, d);
  ASSERT_TRUE(again.has_value()) << again.error().error_description;
  EXPECT_EQ(*again->accessToken, *t->accessToken);
  EXPECT_EQ(*again->refreshToken, *t->refreshToken);
  EXPECT_EQ(poll(reg(), d).error().type, ErrorType::kInvalidGrant) << "another client: no";

  auto r1 = refresh(c, *t->refreshToken);
  ASSERT_TRUE(r1.has_value());
  auto r1_again = refresh(c, *t->refreshToken);  // the retry of a lost refresh response
  ASSERT_TRUE(r1_again.has_value()) << r1_again.error().error_description;
  EXPECT_EQ(*r1_again->refreshToken, *r1->refreshToken);
  EXPECT_EQ(*r1_again->accessToken, *r1->accessToken);
  // The family is intact: the new refresh token works.
  auto r2 = refresh(c, *r1->refreshToken);
  ASSERT_TRUE(r2.has_value()) << r2.error().error_description;
  // r1 has been used, so presenting t again is no retry: reuse, and the family is revoked.
  EXPECT_EQ(refresh(c, *t->refreshToken).error().type, ErrorType::kInvalidGrant);
  EXPECT_EQ(refresh(c, *r2->refreshToken).error().type, ErrorType::kInvalidGrant);
  // The device code's remembered response led to a used refresh token too: no longer replayed.
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kInvalidGrant);
}

TEST_F(DeviceFlowTest, ReuseAfterTheGraceWindowStillRevokesTheFamily) {
  auto c = reg(std::vector<std::string>{"sso:account:access"});
  auto d = start(c);
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  auto t = poll(c, d);
  ASSERT_TRUE(t.has_value());
  auto r1 = refresh(c, *t->refreshToken);
  ASSERT_TRUE(r1.has_value());
  clock_.advance_seconds(6);
  EXPECT_EQ(refresh(c, *t->refreshToken).error().type, ErrorType::kInvalidGrant);
  EXPECT_EQ(refresh(c, *r1->refreshToken).error().type, ErrorType::kInvalidGrant)
      << "the family was revoked";
  clock_.advance_seconds(1);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kInvalidGrant);
}

TEST_F(DeviceFlowTest, ScopedClientGetsOneHourAndARotatingRefreshToken) {
  auto c = reg(std::vector<std::string>{"sso:account:access"});
  auto d = start(c);
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  auto t = poll(c, d);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t->expiresIn, 3600);
  ASSERT_TRUE(t->refreshToken.has_value());
  auto r1 = refresh(c, *t->refreshToken);
  ASSERT_TRUE(r1.has_value());
  EXPECT_NE(*r1->refreshToken, *t->refreshToken);
  auto r2 = refresh(c, *r1->refreshToken);
  ASSERT_TRUE(r2.has_value());
  // Replaying an old refresh token revokes the whole family, including the newest one.
  EXPECT_EQ(refresh(c, *t->refreshToken).error().type, ErrorType::kInvalidGrant);
  EXPECT_EQ(refresh(c, *r2->refreshToken).error().type, ErrorType::kInvalidGrant);
}

TEST_F(DeviceFlowTest, PollingTooFastGetsSlowDown) {
  auto c = reg();
  auto d = start(c);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAuthorizationPending);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kSlowDown);
  clock_.advance_seconds(6);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAuthorizationPending);
}

TEST_F(DeviceFlowTest, ExpiryDenialAndForeignClients) {
  auto c = reg();
  auto other = reg();
  auto d = start(c);
  EXPECT_EQ(poll(other, d).error().type, ErrorType::kInvalidGrant);
  auto d2 = start(c);
  ASSERT_TRUE(devices_->decide(*d2.userCode, false, "alice").has_value());
  EXPECT_EQ(poll(c, d2).error().type, ErrorType::kAccessDenied);
  clock_.advance_seconds(600);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kExpiredToken);
  EXPECT_EQ(devices_->decide(*d.userCode, true, "alice").error().type, ErrorType::kExpiredToken);
}

TEST_F(DeviceFlowTest, ClientAuthenticationFailures) {
  auto c = reg();
  auto d = start(c);
  auto bad = c;
  bad.clientSecret = "wrong";
  EXPECT_EQ(poll(bad, d).error().type, ErrorType::kInvalidClient);
  EXPECT_EQ(poll(bad, d).error().http_status, 401);
  bad = c;
  bad.clientId = "unknown";
  EXPECT_EQ(poll(bad, d).error().type, ErrorType::kInvalidClient);
  clock_.advance_seconds(90 * 24 * 3600);
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kInvalidClient);
}

TEST_F(DeviceFlowTest, GrantTypeChecks) {
  auto c = reg();
  CreateTokenRequest r{.clientId = *c.clientId, .clientSecret = *c.clientSecret,
                       .grantType = "password"};
  EXPECT_EQ(tokens_->create_token(r).error().type, ErrorType::kUnsupportedGrantType);
  r.grantType = "refresh_token";
  r.refreshToken = "x";
  EXPECT_EQ(tokens_->create_token(r).error().type, ErrorType::kUnauthorizedClient);
  r.grantType = std::string(kGrantDeviceCode);
  r.refreshToken.reset();
  EXPECT_EQ(tokens_->create_token(r).error().type, ErrorType::kInvalidRequest);
}

TEST_F(DeviceFlowTest, DisabledUserCannotApproveOrRedeem) {
  auto c = reg();
  auto d = start(c);
  ASSERT_TRUE(devices_->decide(*d.userCode, true, "alice").has_value());
  ASSERT_TRUE(users_->set_disabled("alice", true).has_value());
  EXPECT_EQ(poll(c, d).error().type, ErrorType::kAccessDenied);
  auto d2 = start(c);
  EXPECT_EQ(devices_->decide(*d2.userCode, true, "alice").error().type, ErrorType::kAccessDenied);
}

// The store's kNotFound (storage_error.h) becomes the user directory's own error, not a 500.
TEST_F(DeviceFlowTest, DisablingAnUnknownUserIsInvalidRequest) {
  const auto set = users_->set_disabled("nobody", true);
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(set.error().error_description, "No user named 'nobody'");
}

TEST_F(DeviceFlowTest, RegistrationValidation) {
  RegisterClientRequest r{.clientName = "x", .clientType = "confidential"};
  EXPECT_EQ(clients_->register_client(r).error().type, ErrorType::kInvalidClientMetadata);
  r.clientType = "public";
  r.scopes = std::vector<std::string>{"bad scope"};
  EXPECT_EQ(clients_->register_client(r).error().type, ErrorType::kInvalidScope);
  r.scopes.reset();
  r.grantTypes = std::vector<std::string>{"password"};
  EXPECT_EQ(clients_->register_client(r).error().type, ErrorType::kUnsupportedGrantType);
  r.grantTypes = std::vector<std::string>{"authorization_code"};
  r.redirectUris = std::vector<std::string>{"http://example.com/cb"};
  EXPECT_EQ(clients_->register_client(r).error().type, ErrorType::kInvalidRedirectUri);
  r.redirectUris = std::vector<std::string>{"http://127.0.0.1/oauth/callback"};
  EXPECT_TRUE(clients_->register_client(r).has_value());
  r.redirectUris = std::vector<std::string>{"https://app.example.com/cb#frag"};
  EXPECT_EQ(clients_->register_client(r).error().type, ErrorType::kInvalidRedirectUri);
}

TEST_F(DeviceFlowTest, SecretsAreStoredOnlyAsHashes) {
  auto c = reg();
  auto rec = store_->clients().find(*c.clientId);
  ASSERT_TRUE(rec.has_value() && rec->has_value());
  EXPECT_EQ((*rec)->secret_hash, crypto::sha256_hex(*c.clientSecret));
  auto d = start(c);
  auto dev =
      store_->device_authorizations().find_by_device_code_hash(crypto::secret_hash(*d.deviceCode));
  ASSERT_TRUE(dev.has_value() && dev->has_value());
}

}  // namespace
}  // namespace ssooidc::domain
