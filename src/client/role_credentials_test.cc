#include "client/role_credentials.h"

#include <gtest/gtest.h>

#include "client/client_internal.h"
#include "client/fake_transport.h"
#include "client/sso_cache.h"

namespace ssooidc::client {
namespace {

using testing::FakeTransport;
using testing::ok;

constexpr const char* kCliCacheDir = "/home/test/.aws/cli/cache";

// Keys computed by botocore 1.43.11 itself:
//   SSOCredentialFetcher(start_url=..., sso_region="us-east-1", role_name=..., account_id=...,
//                        client_creator=None, sso_session_name=...)._cache_key
TEST(RoleCredentialsKeyTest, EqualsBotocoresKey) {
  EXPECT_EQ(role_credentials_cache_key(
                {"111122223333", "AdministratorAccess", "dev", "https://d-1.awsapps.com/start"}),
            "2ceb6a6e1b5a99be1eecc570d7de7cfb898a31e4");
  EXPECT_EQ(role_credentials_cache_key({"111122223333", "AdministratorAccess", std::nullopt,
                                        "https://d-1234567890.awsapps.com/start"}),
            "5d75f29ec892c31fc5dfa93f050e4c57fca1c1e6");
  // With a session the start URL is not part of the key.
  EXPECT_EQ(role_credentials_cache_key({"000000000001", "ReadOnly", "my-sso", "https://ignored"}),
            "f39ff2a16d47e7615f2ed4ecf9c4aa091b7a0dd9");
  // Non-ASCII is hashed in json.dumps' \uXXXX form.
  EXPECT_EQ(role_credentials_cache_key(
                {"123456789012", "R\xc3\xb4le", "sessi\xc3\xb6n", "https://d-1.awsapps.com/start"}),
            "5bc5c72429d90c9420dc0607bed6fd406323a9ef");
}

TEST(RoleCredentialsKeyTest, MaterialIsSortedCompactJson) {
  EXPECT_EQ(role_credentials_key_material({"1", "R", "s", "u"}),
            R"({"accountId":"1","roleName":"R","sessionName":"s"})");
  EXPECT_EQ(role_credentials_key_material({"1", "R", std::nullopt, "u"}),
            R"({"accountId":"1","roleName":"R","startUrl":"u"})");
  // An empty session name is falsy in botocore: the start URL is used.
  EXPECT_EQ(role_credentials_key_material({"1", "R", "", "u"}),
            R"({"accountId":"1","roleName":"R","startUrl":"u"})");
}

TEST(RoleCredentialsFileTest, WrittenAsBotocoreWritesIt) {
  CachedRoleCredentials c{"ASIA", "s", "t", 1796119200, "1"};
  // json.dumps({"ProviderType": "sso", "Credentials": {...}}) of botocore 1.43.11.
  EXPECT_EQ(serialize_role_credentials(c),
            R"({"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA", )"
            R"("SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-12-01T10:00:00Z", )"
            R"("AccountId": "1"}})");
  auto back = parse_role_credentials(serialize_role_credentials(c));
  ASSERT_TRUE(back.has_value()) << back.error().error_description;
  EXPECT_EQ(back->access_key_id, "ASIA");
  EXPECT_EQ(back->secret_access_key, "s");
  EXPECT_EQ(back->session_token, "t");
  EXPECT_EQ(back->expiration, 1796119200);
  EXPECT_EQ(back->account_id, "1");
}

TEST(RoleCredentialsFileTest, ReadsOlderAndOtherWriters) {
  // AWS CLI 2.9 (no AccountId) and an isoformat() expiration with an offset.
  auto old = parse_role_credentials(
      R"({"ProviderType": "sso", "Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S",)"
      R"( "SessionToken": "T", "Expiration": "2026-12-01T10:00:00+00:00"}})");
  ASSERT_TRUE(old.has_value()) << old.error().error_description;
  EXPECT_EQ(old->expiration, 1796119200);
  EXPECT_FALSE(old->account_id.has_value());
  EXPECT_FALSE(parse_role_credentials(R"({"Credentials": {"AccessKeyId": "A"}})").has_value());
  EXPECT_FALSE(parse_role_credentials("not json").has_value());
}

TEST(RoleCredentialsFileTest, FreshMeansMoreThanFifteenMinutesLeft) {
  CachedRoleCredentials c;
  c.expiration = 10000;
  EXPECT_TRUE(role_credentials_fresh(c, 10000 - 900));
  EXPECT_FALSE(role_credentials_fresh(c, 10000 - 899));
}

TEST(RoleCredentialsCacheTest, LivesInTheAwsCliCacheAndLogoutSweepsOnlySso) {
  InMemoryEnv env;
  EXPECT_EQ(RoleCredentialsCache::default_dir(env), kCliCacheDir);
  RoleCredentialsCache cache(env, kCliCacheDir);
  ASSERT_TRUE(cache.save("k1", CachedRoleCredentials{"A", "S", "T", 1, std::nullopt}));
  EXPECT_EQ(env.file_mode(std::string(kCliCacheDir) + "/k1.json"), 0600u);
  env.put_file(std::string(kCliCacheDir) + "/assume.json",
               R"({"ProviderType": "assume-role", "Credentials": {}})");
  env.put_file(std::string(kCliCacheDir) + "/garbage.json", "{");
  auto removed = cache.remove_sso_credentials();
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(env.list_files(kCliCacheDir), (std::vector<std::string>{"assume.json", "garbage.json"}));
}

class FetchRoleCredentialsTest : public ::testing::Test {
 protected:
  FetchRoleCredentialsTest() {
    env.set_env("AWS_REGION", "us-east-1");
    env.set_env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:8080");
  }

  PortalClient portal() {
    ClientDependencies deps;
    deps.env = &env;
    deps.sleeper = &sleeper;
    deps.transport = std::make_unique<FakeTransport>(shared);
    return std::move(*make_portal_client(Config{}, std::move(deps)));
  }

  static std::string credentials_body(const std::string& akid, std::int64_t expiration_ms) {
    return R"({"roleCredentials":{"accessKeyId":")" + akid +
           R"(","secretAccessKey":"secret","sessionToken":"session","expiration":)" +
           std::to_string(expiration_ms) + "}}";
  }

  // A token source that records its calls and hands out "token-1", "token-2", ...
  AccessTokenSource counting_tokens() {
    return [this](bool after_unauthorized) -> std::expected<std::string, Error> {
      token_calls.push_back(after_unauthorized);
      return "token-" + std::to_string(token_calls.size());
    };
  }

  const std::string kPath = "/federation/credentials?role_name=Admin&account_id=111122223333";
  const RoleCredentialsRequest request{{"111122223333", "Admin", "dev", "https://x/start"}};
  InMemoryEnv env;
  core::FakeClock clock{1796112000};  // 2026-12-01T08:00:00Z
  FakeSleeper sleeper{&clock};
  RoleCredentialsCache cache{env, kCliCacheDir};
  std::vector<bool> token_calls;
  std::shared_ptr<FakeTransport::Shared> shared = std::make_shared<FakeTransport::Shared>();
};

TEST_F(FetchRoleCredentialsTest, FetchesThenServesFromTheCache) {
  shared->answers[kPath].push_back(ok(credentials_body("ASIAFIRST", 1796115600999)));
  PortalClient p = portal();
  auto first = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(first.has_value()) << first.error().error_description;
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->credentials.access_key_id, "ASIAFIRST");
  EXPECT_EQ(first->credentials.expiration, 1796115600);  // milliseconds truncated
  EXPECT_EQ(first->credentials.account_id, "111122223333");
  EXPECT_EQ(token_calls, std::vector<bool>{false});

  const std::string file =
      std::string(kCliCacheDir) + "/" + role_credentials_cache_key(request.key) + ".json";
  auto text = env.read_file(file);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find(R"("Expiration": "2026-12-01T09:00:00Z")"), std::string::npos) << *text;

  auto second = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(second->credentials.access_key_id, "ASIAFIRST");
  EXPECT_EQ(shared->calls.size(), 1u);
  EXPECT_EQ(token_calls.size(), 1u);  // no token needed for cached credentials
}

TEST_F(FetchRoleCredentialsTest, CredentialsNearExpiryAreReplaced) {
  shared->answers[kPath].push_back(ok(credentials_body("ASIAFIRST", 1796112000000 + 1000000)));
  shared->answers[kPath].push_back(ok(credentials_body("ASIASECOND", 1796115600000)));
  PortalClient p = portal();
  ASSERT_TRUE(fetch_role_credentials(p, cache, request, counting_tokens(), clock));
  clock.advance_millis(200 * 1000);  // 800 s left: inside the 15-minute window
  auto again = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->from_cache);
  EXPECT_EQ(again->credentials.access_key_id, "ASIASECOND");
}

TEST_F(FetchRoleCredentialsTest, UnauthorizedAsksForANewTokenOnce) {
  HttpReply unauthorized{401,
                         {{"x-amzn-ErrorType", "UnauthorizedException"}},
                         R"({"message":"Session token not found or invalid"})"};
  shared->answers[kPath].push_back(unauthorized);
  shared->answers[kPath].push_back(ok(credentials_body("ASIAAFTERLOGIN", 1796115600000)));
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  EXPECT_EQ(r->credentials.access_key_id, "ASIAAFTERLOGIN");
  EXPECT_EQ(token_calls, (std::vector<bool>{false, true}));
  ASSERT_EQ(shared->calls.size(), 2u);
  EXPECT_EQ(shared->calls[1].headers.back().second, "token-2");
}

TEST_F(FetchRoleCredentialsTest, SecondUnauthorizedIsReturnedAndNothingIsCached) {
  HttpReply unauthorized{
      401, {{"x-amzn-ErrorType", "UnauthorizedException"}}, R"({"message":"no"})"};
  shared->answers[kPath].push_back(unauthorized);
  shared->answers[kPath].push_back(unauthorized);
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kUnauthorized);
  EXPECT_EQ(token_calls.size(), 2u);
  EXPECT_TRUE(env.list_files(kCliCacheDir).empty());
}

TEST_F(FetchRoleCredentialsTest, NotFoundIsNotRetriedWithAnotherToken) {
  shared->answers[kPath].push_back(HttpReply{
      404, {{"x-amzn-ErrorType", "ResourceNotFoundException"}}, R"({"message":"No access"})"});
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kResourceNotFound);
  EXPECT_EQ(r.error().error_description, "No access");
  EXPECT_EQ(token_calls.size(), 1u);
}

TEST_F(FetchRoleCredentialsTest, TokenSourceErrorsComeThrough) {
  PortalClient p = portal();
  auto r = fetch_role_credentials(
      p, cache, request,
      [](bool) -> std::expected<std::string, Error> {
        return std::unexpected(Error::make(ErrorType::kConfiguration, "no token; log in"));
      },
      clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_TRUE(shared->calls.empty());
}

TEST_F(FetchRoleCredentialsTest, IncompleteAnswerIsMalformed) {
  shared->answers[kPath].push_back(ok(R"({"roleCredentials":{"accessKeyId":"A"}})"));
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kUnknown);
}

TEST_F(FetchRoleCredentialsTest, UnwritableCacheStillReturnsTheCredentials) {
  shared->answers[kPath].push_back(ok(credentials_body("ASIA", 1796115600000)));
  env.fail_writes(true);
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->credentials.access_key_id, "ASIA");
  ASSERT_TRUE(r->cache_error.has_value());
  EXPECT_NE(r->cache_error->error_description.find(kCliCacheDir), std::string::npos);
}

TEST_F(FetchRoleCredentialsTest, CorruptCacheFileIsReplaced) {
  env.put_file(cache.path_for(role_credentials_cache_key(request.key)), "{not json");
  shared->answers[kPath].push_back(ok(credentials_body("ASIANEW", 1796115600000)));
  PortalClient p = portal();
  auto r = fetch_role_credentials(p, cache, request, counting_tokens(), clock);
  ASSERT_TRUE(r.has_value());
  auto reread = cache.load(role_credentials_cache_key(request.key));
  ASSERT_TRUE(reread.has_value() && reread->has_value());
  EXPECT_EQ((*reread)->access_key_id, "ASIANEW");
}

TEST_F(FetchRoleCredentialsTest, IgnoreCacheFetchesAgain) {
  shared->answers[kPath].push_back(ok(credentials_body("ASIA1", 1796115600000)));
  shared->answers[kPath].push_back(ok(credentials_body("ASIA2", 1796115600000)));
  PortalClient p = portal();
  ASSERT_TRUE(fetch_role_credentials(p, cache, request, counting_tokens(), clock));
  RoleCredentialsRequest fresh = request;
  fresh.ignore_cache = true;
  auto r = fetch_role_credentials(p, cache, fresh, counting_tokens(), clock);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->credentials.access_key_id, "ASIA2");
}

}  // namespace
}  // namespace ssooidc::client
