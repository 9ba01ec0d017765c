#include <gtest/gtest.h>

#include "cli/credential_output.h"
#include "cli/role_target.h"
#include "client/role_credentials_cache.h"  // the key material, to compare with botocore's
#include "ssooidc/json.h"

namespace ssooidc::cli {
namespace {

SharedConfig parse(const char* text) {
  auto c = SharedConfig::parse(text, "config");
  EXPECT_TRUE(c.has_value());
  return c.value_or(SharedConfig{});
}

constexpr const char* kConfig =
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = AdministratorAccess\n"
    "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n"
    "[profile legacy]\nsso_start_url = https://d-2.awsapps.com/start\nsso_region = us-east-2\n"
    "sso_account_id = 444455556666\nsso_role_name = ReadOnly\n"
    "[profile nothing]\nregion = us-east-1\n";

TEST(RoleTargetTest, ProfileWithAnSsoSession) {
  auto t = resolve_role_target(parse(kConfig), "dev", RoleFlags{});
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(t->account_id, "111122223333");
  EXPECT_EQ(t->role_name, "AdministratorAccess");
  EXPECT_EQ(t->sso.session, "corp");
  EXPECT_EQ(t->sso.start_url, "https://d-1.awsapps.com/start");
  EXPECT_EQ(t->sso.region, "eu-west-1");
  // botocore's key for (role, account, sessionName=corp).
  EXPECT_EQ(
      client::role_credentials_key_material(t->cache_key()),
      R"({"accountId":"111122223333","roleName":"AdministratorAccess","sessionName":"corp"})");
}

TEST(RoleTargetTest, LegacyProfileKeysByStartUrl) {
  auto t = resolve_role_target(parse(kConfig), "legacy", RoleFlags{});
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_FALSE(t->sso.session.has_value());
  EXPECT_EQ(t->sso.region, "us-east-2");
  EXPECT_EQ(client::role_credentials_key_material(t->cache_key()),
            R"({"accountId":"444455556666","roleName":"ReadOnly",)"
            R"("startUrl":"https://d-2.awsapps.com/start"})");
}

TEST(RoleTargetTest, FlagsWinOverTheProfile) {
  RoleFlags flags;
  flags.account_id = "999988887777";
  flags.role_name = "Other";
  flags.sso.session = "corp";
  auto t = resolve_role_target(parse(kConfig), "nothing", flags);
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(t->account_id, "999988887777");
  EXPECT_EQ(t->role_name, "Other");
  EXPECT_EQ(t->sso.start_url, "https://d-1.awsapps.com/start");
}

TEST(RoleTargetTest, MissingPiecesAreNamed) {
  auto none = resolve_role_target(parse(kConfig), "nothing", RoleFlags{});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().error_description,
            "No sso_account_id for the credentials: pass --account-id or set sso_account_id in "
            "profile \"nothing\"");
  RoleFlags only_account;
  only_account.account_id = "1";
  auto no_role = resolve_role_target(parse(kConfig), "nothing", only_account);
  ASSERT_FALSE(no_role.has_value());
  EXPECT_NE(no_role.error().error_description.find("--role-name"), std::string::npos);
  RoleFlags no_login = only_account;
  no_login.role_name = "R";
  auto no_sso = resolve_role_target(parse(kConfig), "nothing", no_login);
  ASSERT_FALSE(no_sso.has_value());
  EXPECT_NE(no_sso.error().error_description.find("No SSO login named"), std::string::npos);
}

const CachedRoleCredentials kCredentials{"ASIAEXAMPLE", "se/cr+et=", "tok'en", 1796119200,
                                         "111122223333"};

TEST(CredentialOutputTest, ProcessFormatIsTheCredentialProcessJson) {
  const std::string text = credential_process_json(kCredentials);
  EXPECT_EQ(text,
            "{\n    \"Version\": 1,\n    \"AccessKeyId\": \"ASIAEXAMPLE\",\n"
            "    \"SecretAccessKey\": \"se/cr+et=\",\n    \"SessionToken\": \"tok'en\",\n"
            "    \"Expiration\": \"2026-12-01T10:00:00Z\"\n}\n");
  auto doc = json::parse(text);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->find("Version")->as_int(), 1);
}

TEST(CredentialOutputTest, EnvFormatExportsQuotedWhenNeeded) {
  EXPECT_EQ(credential_env_exports(kCredentials),
            "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE\n"
            "export AWS_SECRET_ACCESS_KEY=se/cr+et=\n"
            "export AWS_SESSION_TOKEN='tok'\\''en'\n"
            "export AWS_CREDENTIAL_EXPIRATION=2026-12-01T10:00:00Z\n");
  EXPECT_EQ(shell_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
}

}  // namespace
}  // namespace ssooidc::cli
