// The device login and token refresh against scripted answers, with a fake clock: no test sleeps.
#include "client/sso_login.h"

#include <gtest/gtest.h>

#include "client/client_internal.h"
#include "client/fake_transport.h"

namespace ssooidc::client {
namespace {

using testing::FakeTransport;
using testing::ok;
using testing::service_error;

constexpr const char* kDeviceStartUrl = "https://d-0000000000.awsapps.com/start";
constexpr std::int64_t kDeviceNow = 1'700'000'000;

class RecordingLoginPrompt final : public LoginPrompt {
 public:
  void show(const StartDeviceAuthorizationResponse& a) override {
    ++shown;
    last_user_code = a.userCode.value_or("");
  }
  int shown = 0;
  std::string last_user_code;
};

class SsoLoginTest : public ::testing::Test {
 protected:
  SsoLoginTest() : cache(env, SsoCache::default_dir(env)) {}

  Client make_client_for(const std::string& region) {
    ClientDependencies deps;
    deps.env = &env;
    deps.clock = &clock;
    deps.sleeper = &retry_sleeper;
    deps.transport = std::make_unique<FakeTransport>(shared);
    Config config;
    config.region = region;
    config.endpoint = "http://127.0.0.1:1";
    auto c = make_client(config, std::move(deps));
    EXPECT_TRUE(c.has_value());
    return std::move(*c);
  }

  void answer(const std::string& path, HttpReply reply) {
    shared->answers[path].push_back(std::move(reply));
  }

  void script_registration_and_authorization(int interval = 1, int expires_in = 600) {
    answer("/client/register", ok(R"({"clientId":"cid","clientSecret":"cs","clientIdIssuedAt":)" +
                                  std::to_string(kDeviceNow) + R"(,"clientSecretExpiresAt":)" +
                                  std::to_string(kDeviceNow + 90 * 86400) + "}"));
    answer("/device_authorization",
           ok(R"({"deviceCode":"dc","expiresIn":)" + std::to_string(expires_in) +
              R"(,"interval":)" + std::to_string(interval) +
              R"(,"userCode":"BCDF-GHJK","verificationUri":"http://v/",)"
              R"("verificationUriComplete":"http://v/?user_code=BCDF-GHJK"})"));
  }

  static HttpReply pending() {
    return service_error(400, "AuthorizationPendingException", "authorization_pending",
                         "Authorization is still pending");
  }
  static HttpReply token_ok() {
    return ok(
        R"({"accessToken":"aoa","expiresIn":3600,"refreshToken":"aor","tokenType":"Bearer"})");
  }

  LoginRequest session_request() {
    return LoginRequest{kDeviceStartUrl, "us-east-1", std::string("my-sso"),
                        std::vector<std::string>{"sso:account:access"}};
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& c : shared->calls)
      out.push_back(c.url.substr(std::string("http://127.0.0.1:1").size()));
    return out;
  }

  InMemoryEnv env;
  core::FakeClock clock{kDeviceNow};
  FakeSleeper sleeper{&clock};
  FakeSleeper retry_sleeper{&clock};
  RecordingLoginPrompt prompt;
  SsoCache cache;
  std::shared_ptr<FakeTransport::Shared> shared = std::make_shared<FakeTransport::Shared>();
};

TEST_F(SsoLoginTest, FirstPollIsImmediateThenPollsAtTheInterval) {
  script_registration_and_authorization(/*interval=*/2);
  answer("/token", pending());
  answer("/token", pending());
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value()) << r.error().error_description;

  EXPECT_EQ(paths(), (std::vector<std::string>{"/client/register", "/device_authorization",
                                               "/token", "/token", "/token"}));
  EXPECT_EQ(prompt.shown, 1);
  EXPECT_EQ(prompt.last_user_code, "BCDF-GHJK");
  ASSERT_EQ(sleeper.sleeps.size(), 2u);
  EXPECT_EQ(sleeper.sleeps[0], std::chrono::seconds(2));
  EXPECT_EQ(sleeper.sleeps[1], std::chrono::seconds(2));
  EXPECT_NE(shared->calls[2].body.find(R"(urn:ietf:params:oauth:grant-type:device_code)"),
            std::string::npos);
  EXPECT_NE(shared->calls[0].body.find(R"("clientName":"ssooidc-client-my-sso")"),
            std::string::npos);

  // The token file: sha1("my-sso"), botocore's fields, mode 0600.
  const std::string token_path =
      SsoCache::default_dir(env) + "/0ad374308c5a4e22f723adf10145eafad7c4031c.json";
  EXPECT_EQ(r->token_path, token_path);
  EXPECT_EQ(env.file_mode(token_path), 0600u);
  auto text = env.read_file(token_path);
  ASSERT_TRUE(text.has_value());
  const std::int64_t expires = kDeviceNow + 4 + 3600;  // two 2 s sleeps before the answer
  EXPECT_EQ(*text,
            R"({"startUrl": "https://d-0000000000.awsapps.com/start", "region": "us-east-1", )"
            R"("accessToken": "aoa", "expiresAt": ")" +
                format_cache_time(expires) +
                R"(", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": ")" +
                format_cache_time(kDeviceNow + 90 * 86400) + R"(", "refreshToken": "aor"})");
  // The registration file: the botocore registration key.
  const std::string reg_key = registration_cache_key(
      kDeviceStartUrl, "us-east-1", std::vector<std::string>{"sso:account:access"}, "my-sso");
  auto reg = cache.load_registration(reg_key);
  ASSERT_TRUE(reg.has_value() && reg->has_value());
  EXPECT_EQ((*reg)->client_id, "cid");
  EXPECT_EQ((*reg)->scopes, (std::vector<std::string>{"sso:account:access"}));
}

TEST_F(SsoLoginTest, PreAuthorizedDeviceNeedsNoPrompt) {
  script_registration_and_authorization();
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(prompt.shown, 0);
  EXPECT_TRUE(sleeper.sleeps.empty());
}

TEST_F(SsoLoginTest, SlowDownAddsFiveSecondsCumulatively) {
  script_registration_and_authorization(/*interval=*/1);
  answer("/token", service_error(400, "SlowDownException", "slow_down"));
  answer("/token", service_error(400, "SlowDownException", "slow_down"));
  answer("/token", pending());
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(sleeper.sleeps,
            (std::vector<std::chrono::milliseconds>{
                std::chrono::seconds(6), std::chrono::seconds(11), std::chrono::seconds(11)}));
}

TEST_F(SsoLoginTest, MissingIntervalDefaultsToFiveSeconds) {
  answer("/client/register",
         ok(R"({"clientId":"cid","clientSecret":"cs","clientSecretExpiresAt":1800000000})"));
  answer("/device_authorization", ok(R"({"deviceCode":"dc","expiresIn":600,"userCode":"U",)"
                                     R"("verificationUri":"v","verificationUriComplete":"vc"})"));
  answer("/token", pending());
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  ASSERT_TRUE(device_login(client, cache, session_request(), prompt, clock, sleeper));
  EXPECT_EQ(sleeper.sleeps, (std::vector<std::chrono::milliseconds>{std::chrono::seconds(5)}));
}

TEST_F(SsoLoginTest, DenialStopsWithAccessDenied) {
  script_registration_and_authorization();
  answer("/token", pending());
  answer("/token", service_error(400, "AccessDeniedException", "access_denied", "User denied"));
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kAccessDenied);
  EXPECT_EQ(r.error().error_description, "The authorization request was denied. (User denied)");
  EXPECT_TRUE(cache.list_tokens().empty());
}

TEST_F(SsoLoginTest, ServerExpiryStopsWithExpiredToken) {
  script_registration_and_authorization();
  answer("/token", pending());
  answer("/token", service_error(400, "ExpiredTokenException", "expired_token"));
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kExpiredToken);
  EXPECT_TRUE(r.error().error_description.starts_with(
      "The pending authorization to retrieve an SSO token has expired."));
}

TEST_F(SsoLoginTest, ClientSideDeadlineStopsASilentServer) {
  script_registration_and_authorization(/*interval=*/5, /*expires_in=*/30);
  for (int i = 0; i < 20; ++i) answer("/token", pending());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kExpiredToken);
  // Polls at 0, 5, ..., 30 s at most: never past the device code's lifetime.
  EXPECT_LE(clock.now_epoch_seconds() - kDeviceNow, 30);
  EXPECT_LE(shared->calls.size(), 2u + 7u);
}

TEST_F(SsoLoginTest, OtherErrorsAbort) {
  script_registration_and_authorization();
  answer("/token", service_error(401, "InvalidClientException", "invalid_client"));
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kInvalidClient);
  EXPECT_EQ(r.error().http_status, 401);
}

TEST_F(SsoLoginTest, CachedRegistrationIsReusedUntilFifteenMinutesBeforeExpiry) {
  const LoginRequest req = session_request();
  const std::string reg_key =
      registration_cache_key(req.start_url, req.region, req.scopes, req.session_name);
  ASSERT_TRUE(cache.save_registration(
      reg_key, SsoRegistration{"cached-id", "cached-secret", kDeviceNow + 16 * 60, req.scopes, {}}));
  answer("/device_authorization", ok(R"({"deviceCode":"dc","expiresIn":600,"interval":1,)"
                                     R"("userCode":"U","verificationUri":"v",)"
                                     R"("verificationUriComplete":"vc"})"));
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, req, prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->reused_registration);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/device_authorization", "/token"}));
  EXPECT_NE(shared->calls[0].body.find(R"("clientId":"cached-id")"), std::string::npos);

  // 14 minutes left: register again.
  ASSERT_TRUE(cache.save_registration(
      reg_key, SsoRegistration{"cached-id", "cached-secret", kDeviceNow + 14 * 60, req.scopes, {}}));
  script_registration_and_authorization();
  answer("/token", token_ok());
  r = device_login(client, cache, req, prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->reused_registration);
  EXPECT_EQ(r->token.client_id, "cid");
}

TEST_F(SsoLoginTest, PkceRegistrationIsNotReused) {
  const LoginRequest req = session_request();
  const std::string reg_key =
      registration_cache_key(req.start_url, req.region, req.scopes, req.session_name);
  ASSERT_TRUE(cache.save_registration(
      reg_key, SsoRegistration{"pkce-id", "s", kDeviceNow + 86400, req.scopes,
                               std::vector<std::string>{"authorization_code", "refresh_token"}}));
  script_registration_and_authorization();
  answer("/token", token_ok());
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, req, prompt, clock, sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->reused_registration);
}

TEST_F(SsoLoginTest, LegacyLoginUsesStartUrlKeyAndNoScopes) {
  script_registration_and_authorization();
  answer("/token", ok(R"({"accessToken":"legacy","expiresIn":28800,"tokenType":"Bearer"})"));
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, LoginRequest{kDeviceStartUrl, "us-east-1", {}, {}}, prompt, clock,
                        sleeper);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(shared->calls[0].body.find("scopes"), std::string::npos);
  EXPECT_NE(shared->calls[0].body.find(R"("clientName":"ssooidc-client-1700000000")"),
            std::string::npos);
  auto loaded = cache.load_token(token_cache_key(std::nullopt, kDeviceStartUrl));
  ASSERT_TRUE(loaded.has_value() && loaded->has_value());
  EXPECT_FALSE((*loaded)->refresh_token.has_value());
}

TEST_F(SsoLoginTest, CacheWriteFailureIsReported) {
  script_registration_and_authorization();
  env.fail_writes(true);
  Client client = make_client_for("us-east-1");
  auto r = device_login(client, cache, session_request(), prompt, clock, sleeper);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_NE(r.error().error_description.find("SSO cache"), std::string::npos);
}

// ---- token refresh -------------------------------------------------------------------------

class TokenRefreshTest : public SsoLoginTest {
 protected:
  SsoToken cached(std::int64_t expires_in) {
    SsoToken t;
    t.start_url = kDeviceStartUrl;
    t.region = "eu-west-1";
    t.access_token = "old";
    t.expires_at = kDeviceNow + expires_in;
    t.client_id = "cid";
    t.client_secret = "cs";
    t.registration_expires_at = kDeviceNow + 86400;
    t.refresh_token = "old-refresh";
    return t;
  }
  ClientFactory factory() {
    return [this](const std::string& region) -> std::expected<Client, Error> {
      regions.push_back(region);
      return make_client_for(region);
    };
  }
  const std::string key = token_cache_key(std::string("my-sso"), kDeviceStartUrl);
  TokenRequest request{std::string("my-sso"), kDeviceStartUrl, "us-east-1", false};
  std::vector<std::string> regions;
};

TEST_F(TokenRefreshTest, ValidTokenIsReturnedWithoutNetwork) {
  ASSERT_TRUE(cache.save_token(key, cached(16 * 60)));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->token.access_token, "old");
  EXPECT_FALSE(r->refreshed);
  EXPECT_TRUE(regions.empty());
}

TEST_F(TokenRefreshTest, TokenNearExpiryIsRefreshedAndWrittenBack) {
  ASSERT_TRUE(cache.save_token(key, cached(14 * 60)));
  answer("/token", ok(R"({"accessToken":"new","expiresIn":3600,"refreshToken":"new-refresh"})"));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_TRUE(r->refreshed);
  EXPECT_EQ(r->token.access_token, "new");
  EXPECT_EQ(regions, (std::vector<std::string>{"eu-west-1"}));  // the token's own region
  EXPECT_NE(shared->calls.at(0).body.find(R"("grantType":"refresh_token")"), std::string::npos);
  EXPECT_NE(shared->calls.at(0).body.find(R"("refreshToken":"old-refresh")"), std::string::npos);
  auto text = env.read_file(cache.path_for(key));
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text,
            R"({"startUrl": "https://d-0000000000.awsapps.com/start", "region": "eu-west-1", )"
            R"("accessToken": "new", "expiresAt": ")" +
                format_cache_time(kDeviceNow + 3600) +
                R"(", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": ")" +
                format_cache_time(kDeviceNow + 86400) + R"(", "refreshToken": "new-refresh"})");
}

TEST_F(TokenRefreshTest, FailedRefreshKeepsAStillValidToken) {
  ASSERT_TRUE(cache.save_token(key, cached(5 * 60)));
  answer("/token", service_error(400, "InvalidGrantException", "invalid_grant", "bad"));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->token.access_token, "old");
  ASSERT_TRUE(r->refresh_error.has_value());
  EXPECT_EQ(r->refresh_error->type, ErrorType::kInvalidGrant);
}

TEST_F(TokenRefreshTest, FailedRefreshOfAnExpiredTokenIsTheError) {
  ASSERT_TRUE(cache.save_token(key, cached(-60)));
  answer("/token", service_error(400, "InvalidGrantException", "invalid_grant", "bad"));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kInvalidGrant);
}

TEST_F(TokenRefreshTest, ExpiredLegacyTokenAsksForLogin) {
  SsoToken t = cached(-60);
  t.refresh_token.reset();
  ASSERT_TRUE(cache.save_token(key, t));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kExpiredToken);
  EXPECT_NE(r.error().error_description.find("run `ssooidc login`"), std::string::npos);
  EXPECT_TRUE(regions.empty());
}

TEST_F(TokenRefreshTest, ExpiredRegistrationIsNotUsed) {
  SsoToken t = cached(60);
  t.registration_expires_at = kDeviceNow - 1;
  ASSERT_TRUE(cache.save_token(key, t));
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->refreshed);
  EXPECT_TRUE(regions.empty());
}

TEST_F(TokenRefreshTest, ForceRefreshRefreshesAValidToken) {
  ASSERT_TRUE(cache.save_token(key, cached(3600)));
  answer("/token", ok(R"({"accessToken":"forced","expiresIn":3600})"));
  request.force_refresh = true;
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->token.access_token, "forced");
  EXPECT_FALSE(r->token.refresh_token.has_value());  // not returned, so not kept (as botocore)
}

TEST_F(TokenRefreshTest, MissingCacheAsksForLogin) {
  auto r = load_or_refresh_token(cache, request, factory(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_NE(r.error().error_description.find("No cached SSO token for SSO session \"my-sso\""),
            std::string::npos);
}

}  // namespace
}  // namespace ssooidc::client
