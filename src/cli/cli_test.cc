#include <gtest/gtest.h>

#include "cli/browser.h"
#include "cli/output.h"
#include "cli/sso_target.h"
#include "cli/terminal_qr.h"

namespace ssooidc::cli {
namespace {

std::size_t utf8_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

TEST(TerminalQrTest, DrawsASquareWithAQuietZone) {
  auto qr = render_qr_utf8("http://127.0.0.1:8080/device?user_code=BCDF-GHJK", 2);
  ASSERT_TRUE(qr.has_value()) << qr.error().error_description;
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < qr->size()) {
    auto nl = qr->find('\n', start);
    lines.push_back(qr->substr(start, nl - start));
    start = nl + 1;
  }
  // Version 3 or 4 for this length: 29 or 33 modules + 2 * 2 quiet zone.
  const std::size_t width = utf8_chars(lines.front());
  EXPECT_TRUE(width == 33 || width == 37) << width;
  EXPECT_EQ(lines.size(), (width + 1) / 2);
  for (const auto& line : lines) EXPECT_EQ(utf8_chars(line), width);
  // The top line is all quiet zone (light over light: full blocks).
  EXPECT_EQ(lines.front().find(' '), std::string::npos);
  // The finder pattern's dark top edge starts after the two quiet-zone modules.
  EXPECT_EQ(lines[1].substr(0, 6), "\xe2\x96\x88\xe2\x96\x88");
}

TEST(OutputTest, DescribesErrorsLikeTheAwsCli) {
  Error pending = Error::make(ErrorType::kAuthorizationPending, "Authorization is still pending");
  EXPECT_EQ(describe_error(pending, "CreateToken"),
            "An error occurred (AuthorizationPendingException) when calling the CreateToken "
            "operation: Authorization is still pending");
  Error unknown;
  unknown.type = ErrorType::kUnknown;
  unknown.error = "ThrottlingException";
  unknown.error_description = "Rate exceeded";
  unknown.http_status = 400;
  EXPECT_EQ(describe_error(unknown, ""), "An error occurred (ThrottlingException): Rate exceeded");
  EXPECT_EQ(describe_error(Error::make(ErrorType::kConfiguration, "No region"), "CreateToken"),
            "ssooidc: No region");
}

TEST(OutputTest, PrettyPrintsCompactJson) {
  EXPECT_EQ(pretty_json(R"({"accessToken":"a","expiresIn":3600})"),
            "{\n    \"accessToken\": \"a\",\n    \"expiresIn\": 3600\n}");
}

SharedConfig config_of(const char* text) {
  auto c = SharedConfig::parse(text, "config");
  EXPECT_TRUE(c.has_value());
  return c.value_or(SharedConfig{});
}

TEST(SsoTargetTest, SessionSectionSuppliesDefaults) {
  auto config = config_of(
      "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n"
      "sso_registration_scopes = sso:account:access, codewhisperer:completions\n");
  auto t = resolve_sso_target(config, "default", SsoFlags{"", "", "corp", {}}, true);
  ASSERT_TRUE(t.has_value()) << t.error().error_description;
  EXPECT_EQ(t->start_url, "https://d-1.awsapps.com/start");
  EXPECT_EQ(t->region, "eu-west-1");
  EXPECT_EQ(t->session, "corp");
  EXPECT_EQ(t->scopes,
            (std::vector<std::string>{"sso:account:access", "codewhisperer:completions"}));
}

TEST(SsoTargetTest, FlagsWinAndSessionsDefaultToAccountAccess) {
  SharedConfig empty;
  auto t = resolve_sso_target(empty, "default",
                              SsoFlags{"https://x.awsapps.com/start", "us-east-1", "s", {}}, true);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->scopes, (std::vector<std::string>{"sso:account:access"}));
  t = resolve_sso_target(empty, "default",
                         SsoFlags{"https://x.awsapps.com/start", "us-east-1", "s", {"a", "b"}},
                         true);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->scopes, (std::vector<std::string>{"a", "b"}));
}

TEST(SsoTargetTest, LegacyLoginHasNoSessionAndNoScopes) {
  SharedConfig empty;
  auto t = resolve_sso_target(empty, "default",
                              SsoFlags{"https://x.awsapps.com/start", "us-east-1", "", {}}, true);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->session.has_value());
  EXPECT_FALSE(t->scopes.has_value());
}

TEST(SsoTargetTest, ProfileNamesTheSessionOrTheLegacyStartUrl) {
  auto config = config_of(
      "[profile dev]\nsso_session = corp\n[profile old]\nsso_start_url = "
      "https://o.awsapps.com/start\n"
      "sso_region = us-west-2\n[sso-session corp]\nsso_start_url = https://c.awsapps.com/start\n"
      "sso_region = us-east-2\n");
  auto dev = resolve_sso_target(config, "dev", SsoFlags{}, true);
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->session, "corp");
  EXPECT_EQ(dev->region, "us-east-2");
  auto old = resolve_sso_target(config, "old", SsoFlags{}, true);
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->session.has_value());
  EXPECT_EQ(old->start_url, "https://o.awsapps.com/start");
  EXPECT_EQ(old->region, "us-west-2");
}

TEST(SsoTargetTest, MissingPiecesAreNamed) {
  SharedConfig empty;
  auto none = resolve_sso_target(empty, "default", SsoFlags{}, true);
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().error_description.find("--start-url"), std::string::npos);
  auto no_region = resolve_sso_target(empty, "default",
                                      SsoFlags{"https://x.awsapps.com/start", "", "", {}}, true);
  ASSERT_FALSE(no_region.has_value());
  EXPECT_NE(no_region.error().error_description.find("--region"), std::string::npos);
  auto no_url = resolve_sso_target(empty, "default", SsoFlags{"", "r", "ghost", {}}, true);
  ASSERT_FALSE(no_url.has_value());
  EXPECT_NE(no_url.error().error_description.find("[sso-session ghost]"), std::string::npos);
}

TEST(LoginFlowTest, PkceForAnSsoSessionUnlessTheDeviceCodeIsAskedFor) {
  SsoTarget session{"https://x.awsapps.com/start", "us-east-1", std::string("s"), {}};
  EXPECT_EQ(login_flow_for(session, false), LoginFlow::kAuthorizationCode);
  EXPECT_EQ(login_flow_for(session, true), LoginFlow::kDeviceCode);
  SsoTarget legacy{"https://x.awsapps.com/start", "us-east-1", std::nullopt, std::nullopt};
  EXPECT_EQ(login_flow_for(legacy, false), LoginFlow::kDeviceCode);
  EXPECT_EQ(login_flow_for(legacy, true), LoginFlow::kDeviceCode);
}

using Commands = std::vector<std::vector<std::string>>;

TEST(BrowserTest, XdgOpenWithoutBrowserVariable) {
  EXPECT_EQ(browser_commands(std::nullopt, "http://h/a?b=1&c=2"),
            (Commands{{"xdg-open", "http://h/a?b=1&c=2"}}));
  EXPECT_EQ(browser_commands(std::string(""), "u"), (Commands{{"xdg-open", "u"}}));
}

TEST(BrowserTest, BrowserVariableListsCommandsTriedBeforeXdgOpen) {
  // As Python's webbrowser: ':'-separated commands, "%s" replaced, else the URL appended.
  EXPECT_EQ(browser_commands(std::string("firefox:chromium --headless --app=%s:  :w3m  -o x"),
                             "http://h/a?b=1&c=$(id)"),
            (Commands{{"firefox", "http://h/a?b=1&c=$(id)"},
                      {"chromium", "--headless", "--app=http://h/a?b=1&c=$(id)"},
                      {"w3m", "-o", "x", "http://h/a?b=1&c=$(id)"},
                      {"xdg-open", "http://h/a?b=1&c=$(id)"}}));
}

TEST(BrowserTest, PercentSInTheUrlIsNotSubstitutedAgain) {
  EXPECT_EQ(browser_commands(std::string("open %s %s"), "u%s"),
            (Commands{{"open", "u%s", "u%s"}, {"xdg-open", "u%s"}}));
}

}  // namespace
}  // namespace ssooidc::cli
