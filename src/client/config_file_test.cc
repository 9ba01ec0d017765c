#include "client/config_file.h"

#include <gtest/gtest.h>

namespace ssooidc::client {
namespace {

TEST(ConfigFileTest, ReadsProfilesSessionsAndNestedServices) {
  auto file = parse_config_file(R"(# comment
[default]
region = us-west-2
; another comment
[profile   dev]
Region=eu-west-1
services = local
sso_session = my-sso

[sso-session my-sso]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[services local]
sso_oidc =
  endpoint_url = http://127.0.0.1:8080
s3 =
  endpoint_url = http://127.0.0.1:9000
)",
                                "config");
  ASSERT_TRUE(file.has_value()) << file.error().error_description;
  ASSERT_NE(file->profile("default"), nullptr);
  EXPECT_EQ(file->profile("default")->get("region"), "us-west-2");
  ASSERT_NE(file->profile("dev"), nullptr);
  EXPECT_EQ(file->profile("dev")->get("region"), "eu-west-1");  // keys are case-insensitive
  EXPECT_EQ(file->profile("dev")->get("services"), "local");
  ASSERT_NE(file->sso_session("my-sso"), nullptr);
  EXPECT_EQ(file->sso_session("my-sso")->get("sso_region"), "us-east-1");
  ASSERT_NE(file->services("local"), nullptr);
  EXPECT_EQ(file->services("local")->get_nested("sso_oidc", "endpoint_url"),
            "http://127.0.0.1:8080");
  EXPECT_EQ(file->services("local")->get_nested("s3", "endpoint_url"), "http://127.0.0.1:9000");
  EXPECT_EQ(file->profile("missing"), nullptr);
}

TEST(ConfigFileTest, ProfileDefaultMayBeWrittenEitherWay) {
  auto file = parse_config_file("[profile default]\nregion = ap-south-1\n", "config");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->profile("default")->get("region"), "ap-south-1");
}

TEST(ConfigFileTest, EmptyValueReadsAsAbsentAndCrLfIsAccepted) {
  auto file = parse_config_file("[default]\r\nregion =\r\noutput = json\r\n", "config");
  ASSERT_TRUE(file.has_value());
  EXPECT_FALSE(file->profile("default")->get("region").has_value());
  EXPECT_EQ(file->profile("default")->get("output"), "json");
}

TEST(ConfigFileTest, MalformedLinesNameTheSourceAndLine) {
  auto no_section = parse_config_file("region = x\n", "/h/.aws/config");
  ASSERT_FALSE(no_section.has_value());
  EXPECT_EQ(no_section.error().error_description, "/h/.aws/config line 1: property outside of any section");
  auto garbage = parse_config_file("[default]\n\njust words\n", "cfg");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().error_description, "cfg line 3: expected 'key = value'");
  EXPECT_FALSE(parse_config_file("[default\n", "cfg").has_value());
}

TEST(ConfigFileTest, PathsFollowEnvironmentAndExpandHome) {
  InMemoryEnv env;
  EXPECT_EQ(config_file_path(env), "/home/test/.aws/config");
  EXPECT_EQ(credentials_file_path(env), "/home/test/.aws/credentials");
  env.set_env("AWS_CONFIG_FILE", "~/alt/config");
  env.set_env("AWS_SHARED_CREDENTIALS_FILE", "/etc/creds");
  EXPECT_EQ(config_file_path(env), "/home/test/alt/config");
  EXPECT_EQ(credentials_file_path(env), "/etc/creds");
  env.set_home(std::nullopt);
  env.unset_env("AWS_CONFIG_FILE");
  EXPECT_EQ(config_file_path(env), "");
  auto missing = load_config_file(env, "");
  ASSERT_TRUE(missing.has_value());
  EXPECT_TRUE(missing->sections.empty());
}

}  // namespace
}  // namespace ssooidc::client
