// SharedConfig (ssooidc/shared_config.h): the public view of a parsed config file.
#include "ssooidc/shared_config.h"

#include <gtest/gtest.h>

namespace ssooidc {
namespace {

constexpr const char* kConfig =
    "[default]\nregion = us-east-1\n"
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nempty =\n"
    "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\n"
    "sso_registration_scopes =\n"
    "[sso-session alpha]\nsso_region = eu-west-1\n";

TEST(SharedConfigTest, AnswersForProfilesAndSessions) {
  auto config = SharedConfig::parse(kConfig, "config");
  ASSERT_TRUE(config.has_value()) << config.error().error_description;
  EXPECT_EQ(config->profile_value("dev", "sso_session"), "corp");
  EXPECT_EQ(config->profile_value("default", "region"), "us-east-1");  // [default] is a profile
  EXPECT_EQ(config->profile_value("dev", "empty"), std::nullopt);      // empty reads as absent
  EXPECT_EQ(config->profile_value("nobody", "region"), std::nullopt);
  EXPECT_EQ(config->sso_session_value("corp", "sso_start_url"), "https://d-1.awsapps.com/start");
  EXPECT_EQ(config->sso_session_value("corp", "sso_registration_scopes"), std::nullopt);
  EXPECT_TRUE(config->sso_session_sets("corp", "sso_registration_scopes"));
  EXPECT_FALSE(config->sso_session_sets("alpha", "sso_registration_scopes"));
  EXPECT_FALSE(config->sso_session_sets("nobody", "sso_start_url"));
  EXPECT_EQ(config->sso_session_names(), (std::vector<std::string>{"alpha", "corp"}));
}

TEST(SharedConfigTest, AnEmptyConfigHasNothing) {
  const SharedConfig empty;
  EXPECT_EQ(empty.profile_value("default", "region"), std::nullopt);
  EXPECT_TRUE(empty.sso_session_names().empty());
}

TEST(SharedConfigTest, ParseErrorsNameTheSourceAndLine) {
  auto bad = SharedConfig::parse("[profile x]\nnot a property\n", "my-config");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().type, ErrorType::kConfiguration);
  EXPECT_NE(bad.error().error_description.find("my-config line 2"), std::string::npos)
      << bad.error().error_description;
}

TEST(SharedConfigTest, ProfileResolutionPrefersTheArgument) {
  EXPECT_EQ(resolve_profile("explicit"), "explicit");
}

}  // namespace
}  // namespace ssooidc
