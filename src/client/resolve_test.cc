#include "client/resolve.h"

#include <gtest/gtest.h>

namespace ssooidc::client {
namespace {

constexpr const char* kConfigPath = "/home/test/.aws/config";
constexpr const char* kCredentialsPath = "/home/test/.aws/credentials";

ResolvedSettings resolve_ok(const Config& config, const Env& env) {
  auto r = resolve_settings(config, env);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().error_description);
  return r.value_or(ResolvedSettings{});
}

TEST(ResolveTest, ProfileComesFromConfigThenAwsProfileThenDefault) {
  InMemoryEnv env;
  Config config;
  EXPECT_EQ(resolve_profile(config, env), "default");
  env.set_env("AWS_PROFILE", "dev");
  EXPECT_EQ(resolve_profile(config, env), "dev");
  config.credentials.profile = "ops";
  EXPECT_EQ(resolve_profile(config, env), "ops");
}

TEST(ResolveTest, RegionPrecedence) {
  InMemoryEnv env;
  env.put_file(kConfigPath,
               "[default]\nregion = eu-central-1\n[profile dev]\nregion = sa-east-1\n");
  Config config;
  EXPECT_EQ(resolve_ok(config, env).region, "eu-central-1");
  env.set_env("AWS_PROFILE", "dev");
  EXPECT_EQ(resolve_ok(config, env).region, "sa-east-1");
  env.set_env("AWS_DEFAULT_REGION", "ap-northeast-1");
  EXPECT_EQ(resolve_ok(config, env).region, "ap-northeast-1");
  env.set_env("AWS_REGION", "us-west-1");
  EXPECT_EQ(resolve_ok(config, env).region, "us-west-1");
  config.region = "ca-central-1";
  EXPECT_EQ(resolve_ok(config, env).region, "ca-central-1");
}

TEST(ResolveTest, EmptyEnvironmentValuesCountAsUnset) {
  InMemoryEnv env;
  env.set_env("AWS_REGION", "");
  env.set_env("AWS_DEFAULT_REGION", "eu-west-3");
  EXPECT_EQ(resolve_ok(Config{}, env).region, "eu-west-3");
}

TEST(ResolveTest, ConfigFileLocationFollowsAwsConfigFile) {
  InMemoryEnv env;
  env.put_file("/tmp/cfg", "[profile x]\nregion = me-south-1\n");
  env.set_env("AWS_CONFIG_FILE", "/tmp/cfg");
  env.set_env("AWS_PROFILE", "x");
  EXPECT_EQ(resolve_ok(Config{}, env).region, "me-south-1");
}

TEST(ResolveTest, MissingRegionIsAClearConfigurationError) {
  InMemoryEnv env;
  Config config;
  config.endpoint = "http://127.0.0.1:1";  // a custom endpoint does not make region optional
  auto r = resolve_settings(config, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_EQ(r.error().error_description,
            "No region configured: set Config::region, AWS_REGION or AWS_DEFAULT_REGION, or "
            "`region` in profile \"default\" of /home/test/.aws/config");
}

TEST(ResolveTest, UnparsableConfigFileIsAConfigurationError) {
  InMemoryEnv env;
  env.put_file(kConfigPath, "region = x\n");
  auto r = resolve_settings(Config{}, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_NE(r.error().error_description.find("line 1"), std::string::npos);
}

TEST(ResolveTest, EndpointPrecedence) {
  InMemoryEnv env;
  env.put_file(kConfigPath,
               "[default]\nregion = us-east-1\nservices = loc\nendpoint_url = http://global:1\n"
               "[services loc]\nsso_oidc =\n  endpoint_url = http://service:2/\n"
               "[profile plain]\nregion = us-east-1\nendpoint_url = http://global:1\n");
  Config config;
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://service:2");  // trailing '/' dropped
  env.set_env("AWS_PROFILE", "plain");
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://global:1");
  env.set_env("AWS_ENDPOINT_URL", "http://env-global:3");
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://env-global:3");
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://env-service:4");
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://env-service:4");
  config.endpoint = "https://explicit:5/prefix";
  EXPECT_EQ(resolve_ok(config, env).endpoint, "https://explicit:5/prefix");
}

TEST(ResolveTest, PortalEndpointPrecedenceUsesTheSsoNames) {
  InMemoryEnv env;
  env.put_file(kConfigPath,
               "[default]\nregion = eu-west-1\nservices = loc\n"
               "[services loc]\nsso_oidc =\n  endpoint_url = http://oidc:2\n"
               "sso =\n  endpoint_url = http://portal:2/\n"
               "[profile bare]\nregion = cn-north-1\n");
  Config config;
  auto portal = [&] {
    auto r = resolve_settings(config, env, kPortalService);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().error_description);
    return r.value_or(ResolvedSettings{}).endpoint;
  };
  EXPECT_EQ(portal(), "http://portal:2");
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://oidc:2");  // the OIDC key is separate
  env.set_env("AWS_ENDPOINT_URL", "http://env-global:3");
  EXPECT_EQ(portal(), "http://env-global:3");
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://env-oidc:4");
  EXPECT_EQ(portal(), "http://env-global:3");  // not the portal's variable
  env.set_env("AWS_ENDPOINT_URL_SSO", "http://env-portal:4");
  EXPECT_EQ(portal(), "http://env-portal:4");
  EXPECT_EQ(resolve_ok(config, env).endpoint, "http://env-oidc:4");
  config.endpoint = "https://explicit:5";
  EXPECT_EQ(portal(), "https://explicit:5");

  InMemoryEnv bare;
  bare.put_file(kConfigPath, "[profile bare]\nregion = cn-north-1\n");
  bare.set_env("AWS_PROFILE", "bare");
  auto r = resolve_settings(Config{}, bare, kPortalService);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->endpoint, "https://portal.sso.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(default_endpoint("us-gov-west-1", kPortalService),
            "https://portal.sso.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(default_endpoint("eu-central-1", kPortalService),
            "https://portal.sso.eu-central-1.amazonaws.com");
}

TEST(ResolveTest, IgnoreConfiguredEndpointUrlsFallsBackToTheDefault) {
  InMemoryEnv env;
  env.set_env("AWS_REGION", "us-east-2");
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://env-service:4");
  env.set_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
  EXPECT_EQ(resolve_ok(Config{}, env).endpoint, "https://oidc.us-east-2.amazonaws.com");
  Config explicit_endpoint;
  explicit_endpoint.endpoint = "http://explicit:1";
  EXPECT_EQ(resolve_ok(explicit_endpoint, env).endpoint, "http://explicit:1");
}

TEST(ResolveTest, EndpointMustBeHttpUrl) {
  InMemoryEnv env;
  env.set_env("AWS_REGION", "us-east-1");
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "127.0.0.1:8080");
  auto r = resolve_settings(Config{}, env);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kConfiguration);
  EXPECT_NE(r.error().error_description.find("AWS_ENDPOINT_URL_SSO_OIDC"), std::string::npos);
}

TEST(ResolveTest, DefaultEndpointFollowsThePartition) {
  // The endpoint rule set's tests (reference 1.2) and the partition table.
  EXPECT_EQ(default_endpoint("us-east-1"), "https://oidc.us-east-1.amazonaws.com");
  EXPECT_EQ(default_endpoint("cn-north-1"), "https://oidc.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(default_endpoint("us-gov-east-1"), "https://oidc.us-gov-east-1.amazonaws.com");
  EXPECT_EQ(default_endpoint("eusc-de-east-1"), "https://oidc.eusc-de-east-1.amazonaws.eu");
  EXPECT_EQ(default_endpoint("us-iso-east-1"), "https://oidc.us-iso-east-1.c2s.ic.gov");
  EXPECT_EQ(default_endpoint("us-isob-east-1"), "https://oidc.us-isob-east-1.sc2s.sgov.gov");
  EXPECT_EQ(default_endpoint("eu-isoe-west-1"), "https://oidc.eu-isoe-west-1.cloud.adc-e.uk");
  EXPECT_EQ(default_endpoint("us-isof-south-1"), "https://oidc.us-isof-south-1.csp.hci.ic.gov");
  EXPECT_EQ(default_endpoint("mars-north-1"), "https://oidc.mars-north-1.amazonaws.com");
  EXPECT_EQ(partition_of("us-gov-west-1"), "aws-us-gov");
  EXPECT_EQ(partition_of("il-central-1"), "aws");
  EXPECT_EQ(partition_of("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(partition_of("eusc-de-east-1"), "aws-eusc");
  EXPECT_EQ(partition_of("us-east"), "aws");  // no match: falls back to aws
}

TEST(ResolveTest, CredentialsPrecedence) {
  InMemoryEnv env;
  env.put_file(kCredentialsPath,
               "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n"
               "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret\n"
               "aws_session_token = dev-token\n");
  env.put_file(kConfigPath,
               "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfg-secret\n");
  Config config;

  auto c = resolve_credentials(config, env, "default");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  EXPECT_EQ(c->session_token, "");

  c = resolve_credentials(config, env, "dev");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_EQ(c->session_token, "dev-token");

  c = resolve_credentials(config, env, "cfg");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIDCFG");

  env.set_env("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set_env("AWS_SECRET_ACCESS_KEY", "env-secret");
  env.set_env("AWS_SESSION_TOKEN", "env-token");
  c = resolve_credentials(config, env, "dev");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "env-token");

  config.credentials.creds = {"AKIDCONFIG", "config-secret", ""};
  c = resolve_credentials(config, env, "dev");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIDCONFIG");
  EXPECT_EQ(c->session_token, "");
}

TEST(ResolveTest, MissingCredentialsNameWhereTheyWereLookedFor) {
  InMemoryEnv env;
  auto c = resolve_credentials(Config{}, env, "nobody");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().type, ErrorType::kConfiguration);
  EXPECT_NE(c.error().error_description.find("profile \"nobody\" of /home/test/.aws/credentials"),
            std::string::npos);
  env.set_env("AWS_ACCESS_KEY_ID", "AKID");
  c = resolve_credentials(Config{}, env, "default");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().error_description,
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

}  // namespace
}  // namespace ssooidc::client
