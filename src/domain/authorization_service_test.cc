#include "domain/authorization_service.h"

#include <gtest/gtest.h>

#include "crypto/es256.h"

#include "crypto/crypto.h"
#include "testing/test_services.h"

namespace ssooidc::domain {
namespace {

// RFC 7636 appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr std::string_view kRedirect = "http://127.0.0.1:53535/oauth/callback";

TEST(Pkce, Rfc7636AppendixBVector) {
  EXPECT_EQ(AuthorizationService::s256_challenge(kVerifier), kChallenge);
}

TEST(RedirectUri, LoopbackMatchesAnyPortOthersExactly) {
  using S = AuthorizationService;
  EXPECT_TRUE(S::redirect_uri_matches("http://127.0.0.1/oauth/callback",
                                      "http://127.0.0.1:53535/oauth/callback"));
  EXPECT_TRUE(S::redirect_uri_matches("http://127.0.0.1:1/cb", "http://127.0.0.1:2/cb"));
  EXPECT_TRUE(S::redirect_uri_matches("http://[::1]/cb", "http://[::1]:8080/cb"));
  EXPECT_TRUE(S::redirect_uri_matches("http://localhost/cb", "http://localhost:9/cb"));
  EXPECT_FALSE(S::redirect_uri_matches("http://127.0.0.1/oauth/callback",
                                       "http://127.0.0.1:53535/oauth/other"));
  EXPECT_FALSE(S::redirect_uri_matches("http://127.0.0.1/cb", "http://localhost:1/cb"));
  EXPECT_FALSE(S::redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1.evil.test/cb"));
  EXPECT_FALSE(S::redirect_uri_matches("http://127.0.0.1/cb", "https://127.0.0.1:5/cb"));
  EXPECT_TRUE(S::redirect_uri_matches("https://app.example/cb", "https://app.example/cb"));
  EXPECT_FALSE(S::redirect_uri_matches("https://app.example/cb", "https://app.example:444/cb"));
  EXPECT_FALSE(S::redirect_uri_matches("https://app.example/cb", "https://app.example/cb?x=1"));
}

TEST(RedirectUri, LocationAppendsEncodedParameters) {
  EXPECT_EQ(AuthorizationService::redirect_location("http://127.0.0.1:5/cb",
                                                    {{"code", "a b"}, {"state", "s&t"}}),
            "http://127.0.0.1:5/cb?code=a%20b&state=s%26t");
  EXPECT_EQ(AuthorizationService::redirect_location("https://a.example/cb?x=1",
                                                    {{"error", "access_denied"}}),
            "https://a.example/cb?x=1&error=access_denied");
}

class AuthorizationCodeTest : public test_support::ServicesTest {
 protected:
  void SetUp() override {
    ctx_->settings.public_url = "https://sso.example.test";
    ASSERT_TRUE(t_.graph.users.add("alice", "correct horse battery", "alice@example.com")
                    .has_value());
    client_ = reg();
  }

  RegisterClientResponse reg(std::vector<std::string> scopes = {"sso:account:access", "openid"}) {
    RegisterClientRequest r{.clientName = "botocore-client-test", .clientType = "public"};
    r.scopes = std::move(scopes);
    r.grantTypes = std::vector<std::string>{"authorization_code", "refresh_token"};
    r.redirectUris = std::vector<std::string>{"http://127.0.0.1/oauth/callback"};
    r.issuerUrl = "https://d-1.awsapps.com/start";
    auto resp = clients_->register_client(r);
    EXPECT_TRUE(resp.has_value());
    return *resp;
  }

  AuthorizeParams params(const RegisterClientResponse& c) {
    AuthorizeParams p;
    p.response_type = "code";
    p.client_id = *c.clientId;
    p.redirect_uri = std::string(kRedirect);
    p.state = "3593bb11-2407-4d41-8bae-4f121d6d8a5d";
    p.code_challenge_method = "S256";
    p.scopes = "sso:account:access openid";
    p.code_challenge = std::string(kChallenge);
    return p;
  }

  std::string code_for(const RegisterClientResponse& c) {
    auto valid = authorize_->validate(params(c));
    EXPECT_TRUE(valid.has_value()) << (valid ? "" : valid.error().description);
    auto code = authorize_->issue_code(*valid, "alice", clock_.now_epoch_seconds() - 5);
    EXPECT_TRUE(code.has_value());
    return *code;
  }

  std::expected<CreateTokenResponse, Error> exchange(const RegisterClientResponse& c,
                                                     const std::string& code,
                                                     std::string_view verifier = kVerifier,
                                                     std::string_view redirect = kRedirect) {
    CreateTokenRequest r;
    r.clientId = *c.clientId;
    r.clientSecret = *c.clientSecret;
    r.grantType = std::string(kGrantAuthorizationCode);
    r.code = code;
    r.redirectUri = std::string(redirect);
    r.codeVerifier = std::string(verifier);
    return tokens_->create_token(r);
  }

  RegisterClientResponse client_;
};

TEST_F(AuthorizationCodeTest, ValidRequestKeepsScopesAndState) {
  auto valid = authorize_->validate(params(client_));
  ASSERT_TRUE(valid.has_value());
  EXPECT_EQ(valid->scopes, (std::vector<std::string>{"sso:account:access", "openid"}));
  EXPECT_EQ(valid->state, "3593bb11-2407-4d41-8bae-4f121d6d8a5d");
  auto p = params(client_);
  p.scopes.reset();
  p.scope = "openid";
  EXPECT_EQ(authorize_->validate(p)->scopes, std::vector<std::string>{"openid"});
  p.scope.reset();
  EXPECT_EQ(authorize_->validate(p)->scopes,
            (std::vector<std::string>{"sso:account:access", "openid"}));
}

TEST_F(AuthorizationCodeTest, BadClientOrRedirectUriIsAnErrorPage) {
  auto p = params(client_);
  p.client_id = "nobody";
  auto r = authorize_->validate(p);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().redirect);
  p = params(client_);
  p.redirect_uri = "http://127.0.0.1:53535/elsewhere";
  r = authorize_->validate(p);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().redirect);
  p.redirect_uri = "https://attacker.example/oauth/callback";
  EXPECT_FALSE(authorize_->validate(p).error().redirect);
  p.redirect_uri.reset();
  EXPECT_FALSE(authorize_->validate(p).error().redirect);
  clock_.advance_seconds(91LL * 24 * 3600);
  EXPECT_EQ(authorize_->validate(params(client_)).error().error, "invalid_client");
}

TEST_F(AuthorizationCodeTest, OtherProblemsAreRedirectedWithState) {
  auto expect_redirect = [&](AuthorizeParams p, std::string_view error) {
    auto r = authorize_->validate(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().redirect);
    EXPECT_EQ(r.error().error, error);
    EXPECT_EQ(r.error().redirect_uri, kRedirect);
  };
  auto p = params(client_);
  p.code_challenge_method = "plain";
  expect_redirect(p, "invalid_request");
  p.code_challenge_method.reset();
  expect_redirect(p, "invalid_request");
  p = params(client_);
  p.state.reset();
  expect_redirect(p, "invalid_request");
  p = params(client_);
  p.code_challenge = "short";
  expect_redirect(p, "invalid_request");
  p = params(client_);
  p.response_type = "token";
  expect_redirect(p, "unsupported_response_type");
  p = params(client_);
  p.scopes = "sso:account:access admin:everything";
  expect_redirect(p, "invalid_scope");
  EXPECT_EQ(authorize_->validate(p).error().state, "3593bb11-2407-4d41-8bae-4f121d6d8a5d");
}

TEST_F(AuthorizationCodeTest, CodeExchangesOnceWithIdToken) {
  const std::string code = code_for(client_);
  auto tokens = exchange(client_, code);
  ASSERT_TRUE(tokens.has_value()) << tokens.error().error_description;
  EXPECT_TRUE(tokens->refreshToken.has_value());
  ASSERT_TRUE(tokens->idToken.has_value());
  EXPECT_EQ(std::count(tokens->idToken->begin(), tokens->idToken->end(), '.'), 2);
  const auto payload = crypto::base64url_decode(
      tokens->idToken->substr(tokens->idToken->find('.') + 1,
                              tokens->idToken->rfind('.') - tokens->idToken->find('.') - 1));
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find("\"iss\":\"https://sso.example.test\""), std::string::npos) << *payload;
  EXPECT_NE(payload->find("\"sub\":\"alice\""), std::string::npos);
  EXPECT_NE(payload->find("\"aud\":\"" + *client_.clientId + "\""), std::string::npos);
  EXPECT_NE(payload->find("\"email\":\"alice@example.com\""), std::string::npos);
  EXPECT_NE(payload->find("\"auth_time\":" + std::to_string(clock_.now_epoch_seconds() - 5)),
            std::string::npos);
}

// The reference (aws-sso-oidc-api.md 3.3) documents CreateToken's idToken as "not implemented or
// supported" and nowhere has one in a refresh_token grant's response; this server adds one to the
// authorization_code grant only, so a refresh with openid in scope returns none.
TEST_F(AuthorizationCodeTest, RefreshGrantReturnsNoIdTokenEvenWithOpenid) {
  auto tokens = exchange(client_, code_for(client_));
  ASSERT_TRUE(tokens.has_value()) << tokens.error().error_description;
  ASSERT_TRUE(tokens->idToken.has_value());
  CreateTokenRequest r;
  r.clientId = *client_.clientId;
  r.clientSecret = *client_.clientSecret;
  r.grantType = std::string(kGrantRefreshToken);
  r.refreshToken = *tokens->refreshToken;
  auto refreshed = tokens_->create_token(r);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().error_description;
  EXPECT_TRUE(refreshed->accessToken.has_value());
  EXPECT_TRUE(refreshed->refreshToken.has_value());
  EXPECT_FALSE(refreshed->idToken.has_value());
}

TEST_F(AuthorizationCodeTest, ReplayIsInvalidGrantAndRevokesIssuedTokens) {
  const std::string code = code_for(client_);
  auto first = exchange(client_, code);
  ASSERT_TRUE(first.has_value());
  auto again = exchange(client_, code);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().type, ErrorType::kInvalidGrant);
  auto access = store_->tokens().find(crypto::secret_hash(first->accessToken.value()));
  ASSERT_TRUE(access.has_value() && access->has_value());
  EXPECT_TRUE((*access)->revoked);
  CreateTokenRequest refresh{.clientId = *client_.clientId,
                             .clientSecret = *client_.clientSecret,
                             .grantType = std::string(kGrantRefreshToken)};
  refresh.refreshToken = first->refreshToken;
  EXPECT_EQ(tokens_->create_token(refresh).error().type, ErrorType::kInvalidGrant);
}

TEST_F(AuthorizationCodeTest, WrongVerifierRedirectOrClientIsInvalidGrant) {
  const std::string code = code_for(client_);
  EXPECT_EQ(exchange(client_, code, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK").error().type,
            ErrorType::kInvalidGrant);
  EXPECT_EQ(exchange(client_, code, kVerifier, "http://127.0.0.1:1/oauth/callback").error().type,
            ErrorType::kInvalidGrant);
  const auto other = reg();
  EXPECT_EQ(exchange(other, code).error().type, ErrorType::kInvalidGrant);
  EXPECT_EQ(exchange(client_, "unknown-code").error().type, ErrorType::kInvalidGrant);
  // None of these used the code up.
  EXPECT_TRUE(exchange(client_, code).has_value());
}

TEST_F(AuthorizationCodeTest, MissingMembersAreInvalidRequest) {
  const std::string code = code_for(client_);
  EXPECT_EQ(exchange(client_, code, "").error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(exchange(client_, code, kVerifier, "").error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(exchange(client_, "").error().type, ErrorType::kInvalidRequest);
}

TEST_F(AuthorizationCodeTest, ExpiredCodeIsInvalidGrant) {
  const std::string code = code_for(client_);
  clock_.advance_seconds(ctx_->settings.authorization_code_ttl_seconds);
  EXPECT_EQ(exchange(client_, code).error().type, ErrorType::kInvalidGrant);
}

TEST_F(AuthorizationCodeTest, ScopeNarrowsAndMustBeGranted) {
  std::string code = code_for(client_);
  CreateTokenRequest r{.clientId = *client_.clientId,
                       .clientSecret = *client_.clientSecret,
                       .grantType = std::string(kGrantAuthorizationCode)};
  r.code = code;
  r.redirectUri = std::string(kRedirect);
  r.codeVerifier = std::string(kVerifier);
  r.scope = std::vector<std::string>{"sso:account:access", "codewhisperer:completions"};
  EXPECT_EQ(tokens_->create_token(r).error().type, ErrorType::kInvalidScope);
  r.scope = std::vector<std::string>{"sso:account:access"};
  auto narrowed = tokens_->create_token(r);
  ASSERT_TRUE(narrowed.has_value());
  EXPECT_FALSE(narrowed->idToken.has_value());  // openid was narrowed away
  auto stored = store_->tokens().find(crypto::secret_hash(*narrowed->accessToken));
  EXPECT_EQ((*stored)->scopes, std::vector<std::string>{"sso:account:access"});
}

TEST_F(AuthorizationCodeTest, DeviceOnlyClientCannotAuthorize) {
  RegisterClientRequest r{.clientName = "device", .clientType = "public"};
  r.scopes = std::vector<std::string>{"sso:account:access"};
  auto device = *clients_->register_client(r);
  auto p = params(device);
  auto result = authorize_->validate(p);
  ASSERT_FALSE(result.has_value());
  EXPECT_FALSE(result.error().redirect);  // it has no redirect URI to send the error to
}

TEST_F(AuthorizationCodeTest, SigningKeysRotateAndStayPublishedUntilTokensExpire) {
  auto jwks = id_tokens_->jwks_json();
  ASSERT_TRUE(jwks.has_value());
  auto keys = *store_->signing_keys().list();
  ASSERT_EQ(keys.size(), 1u);
  const std::string first_kid = keys[0].kid;
  EXPECT_NE(jwks->find(first_kid), std::string::npos);
  // Same key until the rotation period is over.
  clock_.advance_seconds(ctx_->settings.signing_key_rotation_seconds - 1);
  ASSERT_TRUE(id_tokens_->issue({"alice", "c", 0, ""}).has_value());
  EXPECT_EQ(store_->signing_keys().list()->size(), 1u);
  clock_.advance_seconds(1);
  ASSERT_TRUE(id_tokens_->issue({"alice", "c", 0, ""}).has_value());
  keys = *store_->signing_keys().list();
  ASSERT_EQ(keys.size(), 2u);
  jwks = id_tokens_->jwks_json();
  EXPECT_NE(jwks->find(first_kid), std::string::npos);
  EXPECT_NE(jwks->find(keys[1].kid), std::string::npos);
  // The old key's last token expires id_token_ttl_seconds after it retired.
  clock_.advance_seconds(ctx_->settings.id_token_ttl_seconds);
  jwks = id_tokens_->jwks_json();
  EXPECT_EQ(jwks->find(first_kid), std::string::npos);
  EXPECT_NE(jwks->find(keys[1].kid), std::string::npos);
}

// The key id in the header of a compact JWS.
std::string kid_of(const std::string& jwt) {
  auto header = crypto::base64url_decode(jwt.substr(0, jwt.find('.')));
  EXPECT_TRUE(header.has_value());
  const std::string& h = header ? *header : std::string();
  const auto at = h.find("\"kid\":\"");
  if (at == std::string::npos) return {};
  const auto from = at + 7;
  return h.substr(from, h.find('"', from) - from);
}

TEST_F(AuthorizationCodeTest, RetiredKeyIsPurgedOnlyAfterItsTokensExpire) {
  const std::int64_t rotation = ctx_->settings.signing_key_rotation_seconds;
  const std::int64_t ttl = ctx_->settings.id_token_ttl_seconds;
  constexpr std::int64_t kMargin = 24 * 3600;
  auto in_jwks = [&](const std::string& kid) {
    auto jwks = id_tokens_->jwks_json();
    EXPECT_TRUE(jwks.has_value());
    return jwks && jwks->find(kid) != std::string::npos;
  };
  auto stored = [&] {
    std::vector<std::string> kids;
    auto keys = store_->signing_keys().list();
    EXPECT_TRUE(keys.has_value());
    if (keys)
      for (const auto& k : *keys) kids.push_back(k.kid);
    return kids;
  };

  // The first key signs its last token just before it retires.
  auto first_token = id_tokens_->issue({"alice", "c", 0, ""});
  ASSERT_TRUE(first_token.has_value());
  const std::string first = kid_of(*first_token);
  clock_.advance_seconds(rotation - 1);
  auto last_token = id_tokens_->issue({"alice", "c", 0, ""});
  ASSERT_EQ(kid_of(*last_token), first);
  clock_.advance_seconds(1);
  const std::string second = kid_of(*id_tokens_->issue({"alice", "c", 0, ""}));
  ASSERT_NE(second, first);
  EXPECT_EQ(*id_tokens_->purge_retired_keys(kMargin), 0);

  // While the last token lives (it expires at retirement - 1 + ttl), the key is published.
  clock_.advance_seconds(ttl - 2);
  EXPECT_TRUE(in_jwks(first));
  EXPECT_EQ(*id_tokens_->purge_retired_keys(kMargin), 0);
  EXPECT_EQ(*id_tokens_->purge_retired_keys(0), 0);
  // From retirement + ttl it leaves the JWKS, and stays stored for the margin.
  clock_.advance_seconds(2);
  EXPECT_FALSE(in_jwks(first));
  EXPECT_TRUE(in_jwks(second));
  EXPECT_EQ(*id_tokens_->purge_retired_keys(kMargin), 0);
  clock_.advance_seconds(kMargin);
  EXPECT_EQ(*id_tokens_->purge_retired_keys(kMargin), 0);  // bounds are strict
  EXPECT_EQ(stored(), (std::vector<std::string>{first, second}));
  clock_.advance_seconds(1);
  EXPECT_EQ(*id_tokens_->purge_retired_keys(kMargin), 1);
  EXPECT_EQ(stored(), std::vector<std::string>{second});

  // The signing key survives any purge, even with no margin, and keeps signing.
  EXPECT_EQ(*id_tokens_->purge_retired_keys(0), 0);
  EXPECT_EQ(kid_of(*id_tokens_->issue({"alice", "c", 0, ""})), second);
  EXPECT_TRUE(in_jwks(second));
  EXPECT_EQ(stored(), std::vector<std::string>{second});
}

TEST_F(AuthorizationCodeTest, PurgeKeepsKeysForTheLongerOfTheOldAndNewTokenLifetime) {
  ASSERT_TRUE(id_tokens_->issue({"alice", "c", 0, ""}).has_value());
  const auto key = store_->signing_keys().list()->front();
  // The TTL was raised after the key was made: tokens it signed late live longer than
  // publish_until says, so the current TTL decides.
  ctx_->settings.id_token_ttl_seconds *= 2;
  clock_.advance_seconds(key.publish_until + 10 - clock_.now_epoch_seconds());
  EXPECT_EQ(*id_tokens_->purge_retired_keys(0), 0);
  clock_.advance_seconds(key.retire_after + ctx_->settings.id_token_ttl_seconds + 1 -
                         clock_.now_epoch_seconds());
  EXPECT_EQ(*id_tokens_->purge_retired_keys(0), 1);
}

// Issue 11 item 9: signing keys are stored sealed with a key kept outside the database; keys
// stored in clear by older versions are sealed at start-up; the wrong key-encryption key is
// refused at start-up, not at the first ID token.
TEST_F(AuthorizationCodeTest, SigningKeysAreSealedAtRestAndClearOnesMigrated) {
  const std::string kek(32, 'k');
  IdTokenIssuer issuer(*ctx_, kek);
  ASSERT_TRUE(issuer.jwks_json().has_value());  // makes the first key
  auto keys = store_->signing_keys().list();
  ASSERT_TRUE(keys && keys->size() == 1u);
  const std::string stored = keys->front().private_pem;
  EXPECT_TRUE(stored.starts_with("sealed:")) << stored;
  EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos);

  // Another issuer with the same key file reads it; one with another key refuses to start.
  IdTokenIssuer same(*ctx_, kek);
  EXPECT_EQ(same.seal_stored_keys().value_or(-1), 0);
  EXPECT_EQ(same.jwks_json().value_or("?"), issuer.jwks_json().value_or("!"));
  IdTokenIssuer wrong(*ctx_, std::string(32, 'w'));
  auto refused = wrong.seal_stored_keys();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, ErrorType::kInternalServer);
  EXPECT_NE(refused.error().error_description.find("key file"), std::string::npos);

  // A key left in clear by an older version: sealed by the start-up migration, same key after.
  auto clear = crypto::SigningKey::generate("k-clear");
  ASSERT_TRUE(clear.has_value());
  storage::SigningKeyRecord legacy = keys->front();
  legacy.kid = "k-clear";
  legacy.private_pem = clear->private_pem();
  legacy.created_at += 1;
  ASSERT_TRUE(store_->signing_keys().insert(legacy).has_value());
  EXPECT_EQ(same.seal_stored_keys().value_or(-1), 1);
  auto all = store_->signing_keys().list();
  ASSERT_TRUE(all.has_value());
  for (const auto& record : *all)
    EXPECT_TRUE(record.private_pem.starts_with("sealed:")) << record.kid;
  EXPECT_NE(same.jwks_json().value_or("").find(clear->public_jwk_json()), std::string::npos);
  EXPECT_EQ(same.seal_stored_keys().value_or(-1), 0);
}

}  // namespace
}  // namespace ssooidc::domain
