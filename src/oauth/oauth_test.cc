#include "oauth/oauth.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "oauth/error_response.h"
#include "oauth/operations.h"
#include "testing/http_values.h"
#include "testing/test_services.h"

namespace ssooidc::oauth {
namespace {

using test_support::header_of;

// The value of "name" in a flat JSON object, or "" (enough for the answers of this face).
std::string json_value(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const auto at = body.find(key);
  if (at == std::string::npos) return {};
  auto start = at + key.size();
  if (body[start] == '"') {
    const auto end = body.find('"', start + 1);
    return body.substr(start + 1, end - start - 1);
  }
  const auto end = body.find_first_of(",}", start);
  return body.substr(start, end - start);
}

std::string jwt_payload(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  return crypto::base64url_decode(jwt.substr(first + 1, second - first - 1)).value_or("");
}

class OAuthTest : public test_support::ServicesTest {
 protected:
  void SetUp() override {
    ctx_->settings.public_url = "https://sso.example.test";
    ctx_->settings.poll_interval_seconds = 5;
    ASSERT_TRUE(users_->add("alice", "correct horse battery", "alice@example.test").has_value());
    oauth_ = std::make_unique<OAuth>(Services{*clients_, *devices_, *tokens_,
                                              t_.graph.inspection, ctx_->settings});
    domain::ClientService::OperatorClient tool;
    tool.client_id = "cli-tool";
    tool.client_name = "A command-line tool";
    tool.with_secret = false;
    ASSERT_TRUE(clients_->add_operator_client(tool).has_value());
    domain::ClientService::OperatorClient api;
    api.client_id = "resource-api";
    api.client_name = "An API";
    auto secret = clients_->add_operator_client(api);
    ASSERT_TRUE(secret.has_value());
    api_secret_ = *secret;
  }

  core::HttpResponse post(std::string path, std::string body, std::string authorization = "") {
    core::HttpRequest req;
    req.method = "POST";
    req.path = std::move(path);
    req.body = std::move(body);
    req.remote_address = "127.0.0.1";
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
    auto resp = oauth_->handle(req);
    EXPECT_TRUE(resp.has_value());
    return resp.value_or(core::HttpResponse{});
  }
  static std::string basic(const std::string& id, const std::string& secret) {
    return "Basic " + crypto::base64_encode(id + ":" + secret);
  }
  // A device login of the public operator client, approved by alice; returns the device code.
  std::string approved_device_code(const std::string& scope = "openid sso:account:access") {
    auto started = post("/device_authorization", "client_id=cli-tool&scope=" + scope);
    EXPECT_EQ(started.status, 200) << started.body;
    EXPECT_TRUE(devices_->decide(json_value(started.body, "user_code"), true, "alice"));
    return json_value(started.body, "device_code");
  }

  std::unique_ptr<OAuth> oauth_;
  std::string api_secret_;
};

TEST_F(OAuthTest, DiscoveryListsTheEndpointsAndTheIssuerOfTheIdTokens) {
  core::HttpRequest req;
  req.method = "GET";
  for (const char* path :
       {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
    req.path = path;
    auto r = oauth_->handle(req);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json_value(r->body, "issuer"), "https://sso.example.test");
    EXPECT_EQ(json_value(r->body, "device_authorization_endpoint"),
              "https://sso.example.test/device_authorization");
    EXPECT_NE(r->body.find("\"none\""), std::string::npos);
  }
  req.method = "POST";
  EXPECT_EQ(oauth_->handle(req)->status, 405);
}

TEST_F(OAuthTest, JsonAndGetRequestsToTheAwsPathsAreLeftToTheAwsFace) {
  core::HttpRequest req;
  req.method = "POST";
  req.path = "/token";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = "{}";
  EXPECT_FALSE(oauth_->handle(req).has_value());
  req.headers.clear();
  EXPECT_FALSE(oauth_->handle(req).has_value());
  req.headers.emplace_back("Content-Type", "Application/X-WWW-Form-Urlencoded; charset=UTF-8");
  EXPECT_TRUE(oauth_->handle(req).has_value());
  req.method = "GET";
  EXPECT_FALSE(oauth_->handle(req).has_value());
}

TEST_F(OAuthTest, DeviceGrantPollsThenIssuesTokensScopeAndIdToken) {
  auto started = post("/device_authorization", "client_id=cli-tool&scope=openid");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(header_of(started, "Cache-Control"), "no-store");
  EXPECT_EQ(json_value(started.body, "verification_uri"), "https://sso.example.test/device");
  EXPECT_EQ(json_value(started.body, "interval"), "5");
  const std::string device = json_value(started.body, "device_code");
  const std::string poll = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
                           "&client_id=cli-tool&device_code=" + device;
  auto pending = post("/token", poll);
  EXPECT_EQ(pending.status, 400);
  EXPECT_EQ(json_value(pending.body, "error"), "authorization_pending");
  EXPECT_EQ(json_value(post("/token", poll).body, "error"), "authorization_pending");  // 2 free
  auto fast = post("/token", poll);
  EXPECT_EQ(json_value(fast.body, "error"), "slow_down");
  ASSERT_TRUE(devices_->decide(json_value(started.body, "user_code"), true, "alice"));
  auto issued = post("/token", poll);
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_EQ(json_value(issued.body, "token_type"), "Bearer");
  EXPECT_EQ(json_value(issued.body, "scope"), "openid");
  EXPECT_EQ(json_value(issued.body, "expires_in"), "3600");
  EXPECT_FALSE(json_value(issued.body, "refresh_token").empty());
  const std::string claims = jwt_payload(json_value(issued.body, "id_token"));
  EXPECT_EQ(json_value(claims, "iss"), "https://sso.example.test");
  EXPECT_EQ(json_value(claims, "aud"), "cli-tool");
  EXPECT_EQ(json_value(claims, "sub"), "alice");
  EXPECT_EQ(claims.find("nonce"), std::string::npos);
  auto again = post("/token", poll);
  EXPECT_EQ(again.status, 200);  // the retry grace: the same answer
  EXPECT_EQ(again.body, issued.body);
}

TEST_F(OAuthTest, DeviceCodeRedeemedInOneFaceCannotBeRedeemedInTheOther) {
  RegisterClientRequest r{.clientName = "aws-tool", .clientType = "public",
                          .scopes = std::vector<std::string>{"openid", "sso:account:access"}};
  auto reg = clients_->register_client(r);
  ASSERT_TRUE(reg.has_value());
  auto started = devices_->start({*reg->clientId, *reg->clientSecret, "https://x/start"}, "");
  ASSERT_TRUE(started.has_value());
  ASSERT_TRUE(devices_->decide(*started->userCode, true, "alice"));
  auto issued = post("/token",
                     "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=" +
                         *started->deviceCode,
                     basic(*reg->clientId, *reg->clientSecret));
  ASSERT_EQ(issued.status, 200) << issued.body;
  CreateTokenRequest aws;
  aws.clientId = *reg->clientId;
  aws.clientSecret = *reg->clientSecret;
  aws.grantType = std::string(kGrantDeviceCode);
  aws.deviceCode = *started->deviceCode;
  auto second = tokens_->create_token(aws);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().type, ErrorType::kInvalidGrant);
  // The standard face's refresh token refreshes through the AWS face, without an idToken there.
  aws.grantType = std::string(kGrantRefreshToken);
  aws.refreshToken = json_value(issued.body, "refresh_token");
  auto refreshed = tokens_->create_token(aws);
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().error_description;
  EXPECT_FALSE(refreshed->idToken.has_value());
}

// The other way round: the AWS face redeems (and, as AWS does, answers without an idToken even
// with openid granted); the standard face then finds the code used.
TEST_F(OAuthTest, DeviceCodeRedeemedByTheAwsFaceIsUsedUpForTheStandardFace) {
  RegisterClientRequest r{.clientName = "aws-tool", .clientType = "public",
                          .scopes = std::vector<std::string>{"openid", "sso:account:access"}};
  auto reg = clients_->register_client(r);
  ASSERT_TRUE(reg.has_value());
  auto started = devices_->start({*reg->clientId, *reg->clientSecret, "https://x/start"}, "");
  ASSERT_TRUE(started.has_value());
  ASSERT_TRUE(devices_->decide(*started->userCode, true, "alice"));
  CreateTokenRequest aws;
  aws.clientId = *reg->clientId;
  aws.clientSecret = *reg->clientSecret;
  aws.grantType = std::string(kGrantDeviceCode);
  aws.deviceCode = *started->deviceCode;
  auto first = tokens_->create_token(aws);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->idToken.has_value());
  auto second = post("/token",
                     "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=" +
                         *started->deviceCode,
                     basic(*reg->clientId, *reg->clientSecret));
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(json_value(second.body, "error"), "invalid_grant");
  // Its refresh token refreshes through the standard face, with an ID token there.
  auto refreshed = post("/token", "grant_type=refresh_token&refresh_token=" + *first->refreshToken,
                        basic(*reg->clientId, *reg->clientSecret));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_FALSE(json_value(refreshed.body, "id_token").empty());
}

TEST_F(OAuthTest, ClientAuthenticationErrorsHaveTheRfcShape) {
  const std::string refresh = "grant_type=refresh_token&refresh_token=x";
  auto wrong = post("/token", refresh, basic("resource-api", "wrong"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json_value(wrong.body, "error"), "invalid_client");
  EXPECT_EQ(header_of(wrong, "WWW-Authenticate"), "Basic realm=\"ssooidc\"");
  EXPECT_EQ(header_of(wrong, "Cache-Control"), "no-store");
  // A confidential client must authenticate; naming it is not enough.
  EXPECT_EQ(post("/token", refresh + "&client_id=resource-api").status, 401);
  EXPECT_EQ(post("/token", refresh).status, 401);
  auto both = post("/token", refresh + "&client_secret=" + api_secret_,
                   basic("resource-api", api_secret_));
  EXPECT_EQ(json_value(both.body, "error"), "invalid_request");
  auto repeated = post("/token", refresh + "&client_id=cli-tool&client_id=cli-tool");
  EXPECT_EQ(json_value(repeated.body, "error"), "invalid_request");
  EXPECT_EQ(json_value(post("/token", "client_id=cli-tool").body, "error"), "invalid_request");
  auto unsupported = post("/token", "grant_type=password&client_id=cli-tool");
  EXPECT_EQ(json_value(unsupported.body, "error"), "unsupported_grant_type");
  auto not_allowed = post("/token", "grant_type=authorization_code&client_id=cli-tool&code=c"
                                    "&redirect_uri=http://127.0.0.1/cb&code_verifier=v");
  EXPECT_EQ(json_value(not_allowed.body, "error"), "unauthorized_client");
  auto post_secret =
      post("/token", refresh + "&client_id=resource-api&client_secret=" + api_secret_);
  EXPECT_EQ(json_value(post_secret.body, "error"), "invalid_grant");  // authenticated
  auto bad_scope = post("/device_authorization", "client_id=cli-tool&scope=admin");
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_EQ(json_value(bad_scope.body, "error"), "invalid_scope");
}

TEST_F(OAuthTest, RefreshIssuesANewIdTokenAndNarrowsScope) {
  const std::string device = approved_device_code();
  auto issued = post("/token", "grant_type=urn:ietf:params:oauth:grant-type:device_code"
                               "&client_id=cli-tool&device_code=" + device);
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_EQ(json_value(issued.body, "scope"), "openid sso:account:access");
  auto refreshed = post("/token", "grant_type=refresh_token&client_id=cli-tool&scope=openid"
                                  "&refresh_token=" + json_value(issued.body, "refresh_token"));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(json_value(refreshed.body, "scope"), "openid");
  EXPECT_EQ(json_value(jwt_payload(json_value(refreshed.body, "id_token")), "sub"), "alice");
  auto wider = post("/token", "grant_type=refresh_token&client_id=cli-tool&scope=admin"
                              "&refresh_token=" + json_value(refreshed.body, "refresh_token"));
  EXPECT_EQ(json_value(wider.body, "error"), "invalid_scope");
}

TEST_F(OAuthTest, IntrospectionRevocationAndUserinfo) {
  auto issued = post("/token", "grant_type=urn:ietf:params:oauth:grant-type:device_code"
                               "&client_id=cli-tool&device_code=" + approved_device_code());
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string access = json_value(issued.body, "access_token");
  const std::string refresh = json_value(issued.body, "refresh_token");

  core::HttpRequest info;
  info.method = "GET";
  info.path = "/userinfo";
  info.headers.emplace_back("Authorization", "Bearer " + access);
  auto me = oauth_->handle(info);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(me->body, R"({"sub":"alice","email":"alice@example.test"})");

  // Introspection needs a secret; the operator's resource server may look at any token.
  EXPECT_EQ(post("/introspect", "client_id=cli-tool&token=" + access).status, 401);
  auto active = post("/introspect", "token=" + access, basic("resource-api", api_secret_));
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(json_value(active.body, "active"), "true");
  EXPECT_EQ(json_value(active.body, "username"), "alice");
  EXPECT_EQ(json_value(active.body, "client_id"), "cli-tool");
  EXPECT_EQ(json_value(active.body, "token_type"), "Bearer");
  EXPECT_EQ(post("/introspect", "token=nonsense", basic("resource-api", api_secret_)).body,
            R"({"active":false})");

  // Another client's revocation changes nothing; the owner's revokes the whole grant.
  EXPECT_EQ(post("/revoke", "token=" + refresh, basic("resource-api", api_secret_)).status, 200);
  EXPECT_EQ(json_value(post("/introspect", "token=" + access, basic("resource-api", api_secret_))
                           .body,
                       "active"),
            "true");
  auto revoked = post("/revoke", "client_id=cli-tool&token=" + refresh +
                                     "&token_type_hint=refresh_token");
  EXPECT_EQ(revoked.status, 200);
  EXPECT_TRUE(revoked.body.empty());
  EXPECT_EQ(post("/introspect", "token=" + access, basic("resource-api", api_secret_)).body,
            R"({"active":false})");
  auto gone = oauth_->handle(info);
  EXPECT_EQ(gone->status, 401);
  EXPECT_TRUE(header_of(*gone, "WWW-Authenticate").starts_with("Bearer realm=\"ssooidc\", error=\"invalid_token\""))
      << header_of(*gone, "WWW-Authenticate");
  auto again = post("/token", "grant_type=refresh_token&client_id=cli-tool&refresh_token=" +
                                  refresh);
  EXPECT_EQ(json_value(again.body, "error"), "invalid_grant");
  info.headers.clear();
  auto anonymous = oauth_->handle(info);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(header_of(*anonymous, "WWW-Authenticate"), "Bearer realm=\"ssooidc\"");
}

TEST_F(OAuthTest, UserinfoWithoutOpenidIsInsufficientScope) {
  auto issued = post("/token", "grant_type=urn:ietf:params:oauth:grant-type:device_code"
                               "&client_id=cli-tool&device_code=" +
                                   approved_device_code("sso:account:access"));
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_EQ(json_value(issued.body, "id_token"), "");
  core::HttpRequest info;
  info.method = "POST";
  info.path = "/userinfo";
  info.headers.emplace_back("Authorization", "Bearer " + json_value(issued.body, "access_token"));
  auto r = oauth_->handle(info);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(header_of(*r, "WWW-Authenticate").find("insufficient_scope"), std::string::npos);
}

// The nonce of /authorize reaches the ID token of the code it led to, in either face; none sent,
// none in the token.
TEST_F(OAuthTest, NonceIsCarriedFromAuthorizeIntoTheIdToken) {
  domain::ClientService::OperatorClient app;
  app.client_id = "native-app";
  app.client_name = "App";
  app.with_secret = false;
  app.redirect_uris = {"http://127.0.0.1/callback"};
  app.grant_types = {"authorization_code", "refresh_token"};
  ASSERT_TRUE(clients_->add_operator_client(app).has_value());
  const std::string verifier(43, 'v');
  for (const std::string nonce : {"n-0S6_WzA2Mj", ""}) {
    domain::AuthorizeParams p;
    p.response_type = "code";
    p.client_id = "native-app";
    p.redirect_uri = "http://127.0.0.1:5555/callback";
    p.state = "st";
    p.code_challenge = crypto::s256_challenge(verifier);
    p.code_challenge_method = "S256";
    p.scope = "openid";
    if (!nonce.empty()) p.nonce = nonce;
    auto valid = authorize_->validate(p);
    ASSERT_TRUE(valid.has_value()) << valid.error().description;
    auto code = authorize_->issue_code(*valid, "alice", clock_.now_epoch_seconds());
    ASSERT_TRUE(code.has_value());
    auto issued = post("/token", "grant_type=authorization_code&client_id=native-app&code=" +
                                     *code + "&redirect_uri=http://127.0.0.1:5555/callback" +
                                     "&code_verifier=" + verifier);
    ASSERT_EQ(issued.status, 200) << issued.body;
    const std::string claims = jwt_payload(json_value(issued.body, "id_token"));
    EXPECT_EQ(json_value(claims, "nonce"), nonce);
    EXPECT_EQ(claims.find("\"nonce\"") != std::string::npos, !nonce.empty());
    EXPECT_FALSE(json_value(claims, "auth_time").empty());
  }
}

// Operator clients: a fixed id, a secret shown once (stored as SHA-256) or none, and removal that
// takes effect at once although registrations are cached (operator clients are not).
TEST_F(OAuthTest, OperatorClientsAreAddedListedAndRemoved) {
  auto listed = clients_->list_operator_clients();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].client_id, "cli-tool");
  EXPECT_EQ((*listed)[0].client_type, "public");
  EXPECT_FALSE((*listed)[0].has_secret);
  EXPECT_TRUE((*listed)[1].has_secret);
  // Stored as SHA-256 (the view carries no secret; the row does).
  EXPECT_TRUE((*store_->clients().find("cli-tool"))->secret_hash.empty());
  EXPECT_EQ((*store_->clients().find("resource-api"))->secret_hash, crypto::sha256_hex(api_secret_));
  EXPECT_TRUE(clients_->authenticate_oauth("cli-tool", std::nullopt).has_value());
  EXPECT_EQ(clients_->authenticate_oauth("cli-tool", "guess").error().type,
            ErrorType::kInvalidClient);
  EXPECT_EQ(clients_->authenticate("cli-tool", "x").error().type, ErrorType::kInvalidClient);
  EXPECT_EQ(clients_->authenticate_oauth("resource-api", std::nullopt).error().type,
            ErrorType::kInvalidClient);
  domain::ClientService::OperatorClient dup;
  dup.client_id = "cli-tool";
  dup.client_name = "again";
  EXPECT_FALSE(clients_->add_operator_client(dup).has_value());
  dup.client_id = "bad id!";
  EXPECT_EQ(clients_->add_operator_client(dup).error().type, ErrorType::kInvalidClientMetadata);
  dup.client_id = "web";
  dup.grant_types = {"authorization_code"};
  EXPECT_EQ(clients_->add_operator_client(dup).error().type, ErrorType::kInvalidRedirectUri);

  auto issued = post("/token", "grant_type=urn:ietf:params:oauth:grant-type:device_code"
                               "&client_id=cli-tool&device_code=" + approved_device_code());
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_TRUE(*clients_->remove_operator_client("cli-tool"));
  EXPECT_FALSE(*clients_->remove_operator_client("cli-tool"));
  EXPECT_EQ(post("/device_authorization", "client_id=cli-tool").status, 401);
  EXPECT_EQ(post("/introspect", "token=" + json_value(issued.body, "access_token"),
                 basic("resource-api", api_secret_))
                .body,
            R"({"active":false})");
  RegisterClientRequest r{.clientName = "registered", .clientType = "public"};
  auto reg = clients_->register_client(r);
  ASSERT_TRUE(reg.has_value());
  EXPECT_FALSE(*clients_->remove_operator_client(*reg->clientId));  // registrations expire
}

TEST(OAuthErrorShapeTest, StorageDetailsStayInTheServer) {
  auto r = error_response(Error::make(ErrorType::kInternalServer, "storage: find token: disk I/O"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"error":"server_error","error_description":"The server could not complete the request"})");
  EXPECT_EQ(error_response(Error::make(ErrorType::kExpiredToken, "x")).body,
            R"({"error":"expired_token","error_description":"x"})");
  EXPECT_EQ(error_response(Error::make(ErrorType::kAccessDenied, "x")).status, 400);
}

}  // namespace
}  // namespace ssooidc::oauth
