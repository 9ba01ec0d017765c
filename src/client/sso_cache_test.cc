#include "client/sso_cache.h"

#include <gtest/gtest.h>

namespace ssooidc::client {
namespace {

constexpr const char* kPortalStartUrl = "https://my-sso-portal.awsapps.com/start";
constexpr const char* kSsoCacheDir = "/home/test/.aws/sso/cache";

TEST(SsoCacheTest, TokenKeysAreSha1OfSessionOrStartUrl) {
  // Reference 6.6.
  EXPECT_EQ(token_cache_key(std::string("my-sso"), kPortalStartUrl),
            "0ad374308c5a4e22f723adf10145eafad7c4031c");
  EXPECT_EQ(token_cache_key(std::nullopt, kPortalStartUrl), "c7aaaf71fcc8777ae2475525ed049d39fe16c484");
}

TEST(SsoCacheTest, RegistrationKeysMatchBotocore) {
  // Reference 6.6: the exact hashed string and both hashes.
  const std::vector<std::string> scopes{"sso:account:access"};
  EXPECT_EQ(
      registration_key_material(kPortalStartUrl, "us-east-1", scopes, std::string("my-sso")),
      R"({"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "my-sso", )"
      R"("startUrl": "https://my-sso-portal.awsapps.com/start", "tool": "botocore"})");
  EXPECT_EQ(registration_cache_key(kPortalStartUrl, "us-east-1", scopes, std::string("my-sso")),
            "c5cfae6e3e4f067423a532368c8b514b6a4b0ace");
  EXPECT_EQ(registration_cache_key(kPortalStartUrl, "us-east-1", std::nullopt, std::nullopt),
            "0e093f10f65cee6c5c1898a8e240f5726875bf08");
}

TEST(SsoCacheTest, TimesFormatAndParse) {
  EXPECT_EQ(format_cache_time(1753080845), "2025-07-21T06:54:05Z");
  EXPECT_EQ(format_cache_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(parse_cache_time("2025-07-21T06:54:05Z"), 1753080845);
  EXPECT_EQ(parse_cache_time("2025-07-21T06:54:05.000Z"), 1753080845);  // JS SDK
  EXPECT_EQ(parse_cache_time("2025-07-21T06:54:05.999999Z"), 1753080845);
  EXPECT_EQ(parse_cache_time("2025-07-21T08:54:05+02:00"), 1753080845);
  EXPECT_EQ(parse_cache_time("2025-07-21T06:54:05+0000"), 1753080845);
  EXPECT_EQ(parse_cache_time("2025-07-21T06:54:05"), 1753080845);
  EXPECT_EQ(parse_cache_time("2024-02-29T00:00:00Z"), 1709164800);
  for (const char* bad :
       {"", "2025-07-21", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-07-21T06:54:05.Z",
        "2025-07-21T06:54:05Q", "2025-7-21T06:54:05Z", "2025-07-21T24:00:00Z"}) {
    EXPECT_FALSE(parse_cache_time(bad).has_value()) << bad;
  }
}

SsoToken sample_token() {
  SsoToken t;
  t.start_url = "https://d-9a6772b5aa.awsapps.com/start";
  t.region = "us-east-2";
  t.access_token = "aoa-token";
  t.expires_at = 1753080845;
  t.client_id = "qGLAlyjg3Fz26xGjHyARG3VzLWVhc3QtMg";
  t.client_secret = "secret";
  t.registration_expires_at = 1760828040;
  return t;
}

TEST(SsoCacheTest, TokenFileIsWrittenLikeBotocore) {
  // Python: json.dumps(token) with botocore's member order and date format.
  SsoToken t = sample_token();
  EXPECT_EQ(serialize_token(t),
            R"({"startUrl": "https://d-9a6772b5aa.awsapps.com/start", "region": "us-east-2", )"
            R"("accessToken": "aoa-token", "expiresAt": "2025-07-21T06:54:05Z", )"
            R"("clientId": "qGLAlyjg3Fz26xGjHyARG3VzLWVhc3QtMg", "clientSecret": "secret", )"
            R"("registrationExpiresAt": "2025-10-18T22:54:00Z"})");
  t.refresh_token = "aor-refresh";
  EXPECT_TRUE(serialize_token(t).ends_with(R"(, "refreshToken": "aor-refresh"})"));
}

TEST(SsoCacheTest, ReadsTheJsSdkForm) {
  // JS writeSSOTokenToFile: JSON.stringify(token, null, 2), ISO dates with milliseconds.
  auto t = parse_token(R"({
  "startUrl": "https://x.awsapps.com/start",
  "region": "eu-west-1",
  "accessToken": "js-token",
  "expiresAt": "2025-07-21T06:54:05.000Z",
  "clientId": "cid",
  "clientSecret": "cs",
  "registrationExpiresAt": "2025-10-18T22:54:00.000Z",
  "refreshToken": "rt",
  "somethingElse": {"nested": true}
})");
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(t->access_token, "js-token");
  EXPECT_EQ(t->expires_at, 1753080845);
  EXPECT_EQ(t->registration_expires_at, 1760828040);
  EXPECT_EQ(t->refresh_token, "rt");
}

TEST(SsoCacheTest, TokenWithoutAccessTokenOrDateIsRejected) {
  EXPECT_FALSE(parse_token(R"({"expiresAt": "2025-07-21T06:54:05Z"})").has_value());
  EXPECT_FALSE(parse_token(R"({"accessToken": "a"})").has_value());
  EXPECT_FALSE(parse_token(R"({"accessToken": "a", "expiresAt": "tomorrow"})").has_value());
  EXPECT_FALSE(parse_token("[]").has_value());
}

TEST(SsoCacheTest, RegistrationRoundTrips) {
  SsoRegistration r{"cid", "cs", 1760828040, std::vector<std::string>{"sso:account:access"},
                    std::nullopt};
  const std::string text = serialize_registration(r);
  EXPECT_EQ(text,
            R"({"clientId": "cid", "clientSecret": "cs", "expiresAt": "2025-10-18T22:54:00Z", )"
            R"("scopes": ["sso:account:access"]})");
  auto back = parse_registration(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->client_id, "cid");
  EXPECT_EQ(back->expires_at, 1760828040);
  EXPECT_EQ(back->scopes, r.scopes);
  EXPECT_FALSE(back->grant_types.has_value());
}

TEST(SsoCacheTest, SavesWithMode0600UnderHomeAndListsOnlyTokens) {
  InMemoryEnv env;
  SsoCache cache(env, SsoCache::default_dir(env));
  EXPECT_EQ(cache.dir(), kSsoCacheDir);
  const std::string key = token_cache_key(std::string("my-sso"), kPortalStartUrl);
  ASSERT_TRUE(cache.save_token(key, sample_token()).has_value());
  ASSERT_TRUE(cache.save_registration("reg", SsoRegistration{"c", "s", 1, {}, {}}).has_value());
  env.put_file(std::string(kSsoCacheDir) + "/broken.json", "{");
  env.put_file(std::string(kSsoCacheDir) + "/notes.txt", "x");

  EXPECT_EQ(env.file_mode(cache.path_for(key)), 0600u);
  EXPECT_EQ(cache.path_for(key), std::string(kSsoCacheDir) + "/" + key + ".json");
  auto entries = cache.list_tokens();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].key, key);
  EXPECT_EQ(entries[0].token.access_token, "aoa-token");

  auto loaded = cache.load_token(key);
  ASSERT_TRUE(loaded.has_value());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->client_id, "qGLAlyjg3Fz26xGjHyARG3VzLWVhc3QtMg");

  auto missing = cache.load_token("nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  auto broken = cache.load_token("broken");
  EXPECT_FALSE(broken.has_value());

  ASSERT_TRUE(cache.remove(key).has_value());
  EXPECT_TRUE(cache.list_tokens().empty());
  ASSERT_TRUE(cache.remove(key).has_value());  // idempotent
}

TEST(SsoCacheTest, WriteFailuresAreReported) {
  InMemoryEnv env;
  env.fail_writes(true);
  SsoCache cache(env, kSsoCacheDir);
  auto saved = cache.save_token("k", sample_token());
  ASSERT_FALSE(saved.has_value());
  EXPECT_NE(saved.error().error_description.find("injected failure"), std::string::npos);
}

}  // namespace
}  // namespace ssooidc::client
