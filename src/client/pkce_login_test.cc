// The PKCE login against scripted answers (fake transport) and a scripted browser (a receiver
// that feeds request targets through the listener's own request handling): the registration
// request and its cache, the exact /authorize URL, state and error handling, the code exchange
// and the token file. No socket, no browser, no sleep.
#include "client/pkce_login.h"

#include <gtest/gtest.h>

#include <deque>

#include "client/client_internal.h"
#include "client/fake_transport.h"
#include "client/json.h"
#include "client/login_steps.h"
#include "client/oauth_callback.h"
#include "client/pkce.h"
#include "crypto/crypto.h"

namespace ssooidc::client {
namespace {

using testing::FakeTransport;
using testing::ok;
using testing::service_error;

constexpr const char* kStartUrl = "https://d-0000000000.awsapps.com/start";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::uint16_t kPort = 62822;

// Plays the browser: each scripted request target ("{state}" replaced by the login's state) is
// decided by handle_callback_request, exactly as LoopbackListener does.
class ScriptedBrowser final : public AuthorizationCodeReceiver {
 public:
  std::uint16_t port() const override { return kPort; }
  std::expected<std::string, Error> wait_for_code(std::string_view expected_state) override {
    state = std::string(expected_state);
    ++waits;
    while (!targets.empty()) {
      std::string target = targets.front();
      targets.pop_front();
      if (auto at = target.find("{state}"); at != std::string::npos) {
        target.replace(at, 7, expected_state);
      }
      CallbackVerdict v = handle_callback_request("GET", target, expected_state);
      statuses.push_back(v.reply.status);
      if (v.outcome == CallbackVerdict::Outcome::kCode) return v.code;
      if (v.outcome == CallbackVerdict::Outcome::kFailed) return std::unexpected(v.error);
    }
    return std::unexpected(Error::make(ErrorType::kExpiredToken, "script ran out"));
  }

  std::deque<std::string> targets;
  std::string state;
  std::vector<int> statuses;
  int waits = 0;
};

class RecordingPrompt final : public AuthorizePrompt {
 public:
  void show(const std::string& url) override { urls.push_back(url); }
  std::vector<std::string> urls;
};

class PkceLoginTest : public ::testing::Test {
 protected:
  PkceLoginTest() : cache(env, SsoCache::default_dir(env)) {}

  Client make_client(const std::string& endpoint = "http://127.0.0.1:1") {
    ClientDependencies deps;
    deps.env = &env;
    deps.clock = &clock;
    deps.sleeper = &retry_sleeper;
    deps.transport = std::make_unique<FakeTransport>(shared);
    Config config;
    config.region = "us-east-1";
    config.endpoint = endpoint;
    auto c = client::make_client(config, std::move(deps));
    EXPECT_TRUE(c.has_value());
    return std::move(*c);
  }

  void answer(const std::string& path, HttpReply reply) {
    shared->answers[path].push_back(std::move(reply));
  }
  void script_registration(const std::string& id = "cid") {
    answer("/client/register", ok(R"({"clientId":")" + id +
                                  R"(","clientSecret":"cs",)"
                                  R"("clientIdIssuedAt":)" +
                                  std::to_string(kNow) + R"(,"clientSecretExpiresAt":)" +
                                  std::to_string(kNow + 90 * 86400) + "}"));
  }
  static HttpReply token_ok() {
    return ok(
        R"({"accessToken":"aoa","expiresIn":3600,"refreshToken":"aor","tokenType":"Bearer"})");
  }

  LoginRequest session_request() {
    return LoginRequest{kStartUrl, "us-east-1", std::string("my-sso"),
                        std::vector<std::string>{"sso:account:access"}};
  }
  std::string registration_key(const LoginRequest& r) {
    return registration_cache_key(r.start_url, r.region, r.scopes, r.session_name);
  }

  std::expected<LoginResult, Error> login(const LoginRequest& request) {
    Client client = make_client();
    return pkce_login(client, cache, request, browser, prompt, clock, random);
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& c : shared->calls)
      out.push_back(c.url.substr(std::string("http://127.0.0.1:1").size()));
    return out;
  }
  json::Value body(std::size_t call) const {
    auto doc = json::parse(shared->calls.at(call).body);
    EXPECT_TRUE(doc.has_value());
    return std::move(*doc);
  }
  static std::vector<std::string> strings(const json::Value& doc, std::string_view key) {
    std::vector<std::string> out;
    const json::Value* v = doc.find(key);
    if (v == nullptr || v->as_array() == nullptr) return out;
    for (const auto& item : *v->as_array()) out.push_back(*item.as_string());
    return out;
  }

  InMemoryEnv env;
  core::FakeClock clock{kNow};
  FakeSleeper retry_sleeper{&clock};
  crypto::SecureRandom random;
  ScriptedBrowser browser;
  RecordingPrompt prompt;
  SsoCache cache;
  std::shared_ptr<FakeTransport::Shared> shared = std::make_shared<FakeTransport::Shared>();
};

TEST_F(PkceLoginTest, RegistersOpensAuthorizeExchangesTheCodeAndWritesTheCache) {
  script_registration();
  answer("/token", token_ok());
  browser.targets = {"/favicon.ico", "/oauth/callback?code=the-code&state={state}"};
  auto r = login(session_request());
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_EQ(paths(), (std::vector<std::string>{"/client/register", "/token"}));
  EXPECT_EQ(browser.statuses, (std::vector<int>{404, 200}));

  // RegisterClient as SSOTokenFetcherAuth sends it (reference 6.4 step 2).
  const json::Value reg = body(0);
  EXPECT_EQ(reg.string_member("clientName"), "ssooidc-client-my-sso");
  EXPECT_EQ(reg.string_member("clientType"), "public");
  EXPECT_EQ(strings(reg, "grantTypes"),
            (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(strings(reg, "redirectUris"),
            (std::vector<std::string>{"http://127.0.0.1/oauth/callback"}));
  EXPECT_EQ(reg.string_member("issuerUrl"), kStartUrl);
  EXPECT_EQ(strings(reg, "scopes"), (std::vector<std::string>{"sso:account:access"}));

  // CreateToken with the code, the verifier and the port-carrying redirect URI (6.4 step 6).
  const json::Value token = body(1);
  EXPECT_EQ(token.string_member("grantType"), "authorization_code");
  EXPECT_EQ(token.string_member("clientId"), "cid");
  EXPECT_EQ(token.string_member("clientSecret"), "cs");
  EXPECT_EQ(token.string_member("code"), "the-code");
  EXPECT_EQ(token.string_member("redirectUri"), "http://127.0.0.1:62822/oauth/callback");
  const std::string verifier = token.string_member("codeVerifier").value_or("");
  EXPECT_EQ(verifier.size(), 64u);
  EXPECT_EQ(verifier.find_first_not_of(pkce::kVerifierAlphabet), std::string::npos);

  // The /authorize URL, byte for byte (reference 5.5), with the state the browser was checked
  // against and the challenge of the verifier that was sent.
  ASSERT_EQ(prompt.urls.size(), 1u);
  EXPECT_EQ(prompt.urls[0],
            "http://127.0.0.1:1/authorize?response_type=code&client_id=cid"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A62822%2Foauth%2Fcallback&state=" +
                browser.state +
                "&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=" +
                pkce::code_challenge_s256(verifier));
  EXPECT_EQ(browser.state.size(), 36u);

  // The token file is the device flow's, byte for byte.
  const std::string token_path =
      SsoCache::default_dir(env) + "/0ad374308c5a4e22f723adf10145eafad7c4031c.json";
  EXPECT_EQ(r->token_path, token_path);
  EXPECT_EQ(env.file_mode(token_path), 0600u);
  EXPECT_EQ(env.read_file(token_path).value_or(""),
            R"({"startUrl": "https://d-0000000000.awsapps.com/start", "region": "us-east-1", )"
            R"("accessToken": "aoa", "expiresAt": ")" +
                format_cache_time(kNow + 3600) +
                R"(", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": ")" +
                format_cache_time(kNow + 90 * 86400) + R"(", "refreshToken": "aor"})");
  // The registration file under botocore's key, with grantTypes (reference 6.6).
  EXPECT_EQ(env.read_file(cache.path_for(registration_key(session_request()))).value_or(""),
            R"({"clientId": "cid", "clientSecret": "cs", "expiresAt": ")" +
                format_cache_time(kNow + 90 * 86400) +
                R"(", "scopes": ["sso:account:access"], )"
                R"("grantTypes": ["authorization_code", "refresh_token"]})");
  EXPECT_FALSE(r->reused_registration);
}

TEST_F(PkceLoginTest, EveryLoginHasItsOwnVerifierAndState) {
  script_registration();
  answer("/token", token_ok());
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  ASSERT_TRUE(login(session_request()));
  const std::string first_state = browser.state;
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  ASSERT_TRUE(login(session_request()));
  EXPECT_NE(browser.state, first_state);
  EXPECT_NE(body(1).string_member("codeVerifier"), body(2).string_member("codeVerifier"));
}

TEST_F(PkceLoginTest, AuthorizeUrlKeepsOnlySchemeAndHostOfTheEndpoint) {
  answer("/prefix/client/register",
         ok(R"({"clientId":"cid","clientSecret":"cs","clientSecretExpiresAt":1800000000})"));
  answer("/prefix/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  Client client = make_client("http://127.0.0.1:1/prefix");
  ASSERT_TRUE(pkce_login(client, cache, session_request(), browser, prompt, clock, random));
  ASSERT_EQ(prompt.urls.size(), 1u);
  EXPECT_TRUE(prompt.urls[0].starts_with("http://127.0.0.1:1/authorize?response_type=code&"))
      << prompt.urls[0];
}

TEST_F(PkceLoginTest, StateMismatchNeverExchangesTheCode) {
  script_registration();
  browser.targets = {"/oauth/callback?code=stolen&state=3593bb11-2407-4d41-8bae-4f121d6d8a5d"};
  auto r = login(session_request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(r.error().error_description,
            "Error loading authorization code: State parameter does not match expected value.");
  EXPECT_EQ(paths(), (std::vector<std::string>{"/client/register"}));
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(PkceLoginTest, DenialInTheBrowserIsAccessDenied) {
  script_registration();
  browser.targets = {
      "/oauth/callback?error=access_denied&error_description=Denied+by+alice&state={state}"};
  auto r = login(session_request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kAccessDenied);
  EXPECT_EQ(r.error().error_description, "The authorization request was denied. (Denied by alice)");
  EXPECT_EQ(paths(), (std::vector<std::string>{"/client/register"}));
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(PkceLoginTest, ReceiverTimeoutIsReturned) {
  script_registration();
  auto r = login(session_request());  // the browser never comes back
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kExpiredToken);
  EXPECT_EQ(browser.waits, 1);
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(PkceLoginTest, CachedPkceRegistrationIsReused) {
  const LoginRequest req = session_request();
  ASSERT_TRUE(cache.save_registration(
      registration_key(req),
      SsoRegistration{"cached-id", "cached-secret", kNow + 16 * 60, req.scopes,
                      std::vector<std::string>{"authorization_code", "refresh_token"}}));
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  auto r = login(req);
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_TRUE(r->reused_registration);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/token"}));
  EXPECT_EQ(body(0).string_member("clientId"), "cached-id");
  EXPECT_NE(prompt.urls.at(0).find("&client_id=cached-id&"), std::string::npos);
}

TEST_F(PkceLoginTest, ExpiringPkceRegistrationIsReplaced) {
  const LoginRequest req = session_request();
  ASSERT_TRUE(cache.save_registration(
      registration_key(req),
      SsoRegistration{"cached-id", "cached-secret", kNow + 14 * 60, req.scopes,
                      std::vector<std::string>{"authorization_code", "refresh_token"}}));
  script_registration("fresh-id");
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  auto r = login(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->reused_registration);
  EXPECT_EQ(r->token.client_id, "fresh-id");
}

TEST_F(PkceLoginTest, DeviceFlowRegistrationIsNotReusedButReplaced) {
  // A registration written by the device flow (no grantTypes) under the same key, far from
  // expiring: the CLI >= 2.22 registers a PKCE client instead (reference 6.3 step 1, 6.4 step 2).
  const LoginRequest req = session_request();
  ASSERT_TRUE(cache.save_registration(
      registration_key(req),
      SsoRegistration{"device-id", "device-secret", kNow + 80 * 86400, req.scopes, {}}));
  script_registration("pkce-id");
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  auto r = login(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->reused_registration);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/client/register", "/token"}));
  auto saved = cache.load_registration(registration_key(req));
  ASSERT_TRUE(saved.has_value() && saved->has_value());
  EXPECT_EQ((*saved)->client_id, "pkce-id");
  EXPECT_EQ((*saved)->grant_types,
            (std::vector<std::string>{"authorization_code", "refresh_token"}));

  // And the device flow does not take the PKCE registration back.
  EXPECT_FALSE(registration_usable(**saved, RegistrationKind::kDeviceCode, kNow));
  EXPECT_TRUE(registration_usable(**saved, RegistrationKind::kAuthorizationCode, kNow));
}

TEST_F(PkceLoginTest, ARegistrationWithOtherGrantTypesIsNotReused) {
  const LoginRequest req = session_request();
  EXPECT_FALSE(registration_usable(
      SsoRegistration{"id", "s", kNow + 86400, req.scopes,
                      std::vector<std::string>{"urn:ietf:params:oauth:grant-type:device_code"}},
      RegistrationKind::kAuthorizationCode, kNow));
}

TEST_F(PkceLoginTest, UnscopedSessionRegistersWithTheDefaultScope) {
  script_registration();
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  LoginRequest req = session_request();
  req.scopes.reset();
  ASSERT_TRUE(login(req));
  EXPECT_EQ(strings(body(0), "scopes"), (std::vector<std::string>{"sso:account:access"}));
  EXPECT_NE(prompt.urls.at(0).find("&scopes=sso%3Aaccount%3Aaccess&"), std::string::npos);
}

TEST_F(PkceLoginTest, SeveralScopesAreSpaceSeparatedInTheUrl) {
  script_registration();
  answer("/token", token_ok());
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  LoginRequest req = session_request();
  req.scopes = std::vector<std::string>{"sso:account:access", "openid"};
  ASSERT_TRUE(login(req));
  EXPECT_NE(prompt.urls.at(0).find("&scopes=sso%3Aaccount%3Aaccess%20openid&"), std::string::npos);
}

TEST_F(PkceLoginTest, ExpiredCodeIsReportedInTheCliWords) {
  script_registration();
  answer("/token", service_error(400, "ExpiredTokenException", "expired_token", "too late"));
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  auto r = login(session_request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kExpiredToken);
  EXPECT_EQ(r.error().error_description,
            "The pending authorization to retrieve an SSO token has expired. The login flow to "
            "retrieve an SSO token must be restarted. (too late)");
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(PkceLoginTest, RefusedExchangeIsReturnedAndNothingIsCached) {
  script_registration();
  answer("/token", service_error(400, "InvalidGrantException", "invalid_grant", "bad verifier"));
  browser.targets = {"/oauth/callback?code=c&state={state}"};
  auto r = login(session_request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kInvalidGrant);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(PkceLoginTest, NeedsAnSsoSession) {
  LoginRequest req = session_request();
  req.session_name.reset();
  auto r = login(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_TRUE(shared->calls.empty());
  EXPECT_TRUE(prompt.urls.empty());
}

TEST_F(PkceLoginTest, CacheWriteFailureIsReported) {
  script_registration();
  env.fail_writes(true);
  auto r = login(session_request());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_NE(r.error().error_description.find("SSO cache"), std::string::npos);
  EXPECT_TRUE(prompt.urls.empty()) << "no browser is opened for a login that cannot finish";
}

}  // namespace
}  // namespace ssooidc::client
