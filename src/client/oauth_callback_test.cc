// What the loopback listener answers and decides for each browser request (no sockets here; see
// loopback_listener_test.cc for the same over real HTTP).
#include "client/oauth_callback.h"

#include <gtest/gtest.h>

namespace ssooidc::client {
namespace {

using Outcome = CallbackVerdict::Outcome;
constexpr const char* kState = "3593bb11-2407-4d41-8bae-4f121d6d8a5d";

std::string header(const CallbackReply& reply, std::string_view name) {
  for (const auto& [n, v] : reply.headers)
    if (n == name) return v;
  return "";
}

TEST(OAuthCallbackTest, CodeWithTheExpectedStateEndsTheWait) {
  auto v = handle_callback_request(
      "GET", std::string("/oauth/callback?code=the-code&state=") + kState, kState);
  EXPECT_EQ(v.outcome, Outcome::kCode);
  EXPECT_EQ(v.code, "the-code");
  EXPECT_EQ(v.reply.status, 200);
  EXPECT_EQ(header(v.reply, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(v.reply, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(v.reply, "Content-Security-Policy").rfind("default-src 'none'", 0), 0u);
  EXPECT_NE(v.reply.body.find("Authorization received"), std::string::npos);
  EXPECT_EQ(v.reply.body.find("the-code"), std::string::npos) << "the code is never shown";
}

TEST(OAuthCallbackTest, ParametersAreFormDecoded) {
  auto v = handle_callback_request("GET", "/oauth/callback?state=a%2Db&code=x%2By+z", "a-b");
  ASSERT_EQ(v.outcome, Outcome::kCode);
  EXPECT_EQ(v.code, "x+y z");
}

TEST(OAuthCallbackTest, OtherPathsAndMethodsAreAnsweredAndIgnored) {
  auto favicon = handle_callback_request("GET", "/favicon.ico", kState);
  EXPECT_EQ(favicon.outcome, Outcome::kIgnored);
  EXPECT_EQ(favicon.reply.status, 404);

  // The CLI accepts any path; this listener only its own, so a probe cannot end the login.
  auto elsewhere = handle_callback_request("GET", std::string("/?code=c&state=") + kState, kState);
  EXPECT_EQ(elsewhere.outcome, Outcome::kIgnored);

  auto post = handle_callback_request("POST", "/oauth/callback?code=c", kState);
  EXPECT_EQ(post.outcome, Outcome::kIgnored);
  EXPECT_EQ(post.reply.status, 405);
  EXPECT_EQ(header(post.reply, "Allow"), "GET");

  auto empty = handle_callback_request("GET", "/oauth/callback?foo=bar", kState);
  EXPECT_EQ(empty.outcome, Outcome::kIgnored);
  EXPECT_EQ(empty.reply.status, 400);
}

TEST(OAuthCallbackTest, StateMismatchFailsWithoutACode) {
  auto v = handle_callback_request("GET", "/oauth/callback?code=stolen&state=other", kState);
  EXPECT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_TRUE(v.code.empty());
  EXPECT_EQ(v.error.type, ErrorType::kInvalidRequest);
  EXPECT_EQ(v.error.http_status, 0);
  EXPECT_EQ(v.error.error_description,
            "Error loading authorization code: State parameter does not match expected value.");
  EXPECT_EQ(v.reply.status, 400);
  EXPECT_NE(v.reply.body.find("Login failed"), std::string::npos);

  auto missing = handle_callback_request("GET", "/oauth/callback?code=c", kState);
  EXPECT_EQ(missing.outcome, Outcome::kFailed);
  EXPECT_EQ(missing.error.type, ErrorType::kInvalidRequest);

  auto prefix = handle_callback_request(
      "GET", std::string("/oauth/callback?code=c&state=") + std::string(kState).substr(0, 8),
      kState);
  EXPECT_EQ(prefix.outcome, Outcome::kFailed);
}

TEST(OAuthCallbackTest, DenialIsAccessDenied) {
  auto v = handle_callback_request(
      "GET",
      std::string("/oauth/callback?error=access_denied&error_description=The+user+denied&state=") +
          kState,
      kState);
  EXPECT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_EQ(v.error.type, ErrorType::kAccessDenied);
  EXPECT_EQ(v.error.error, "access_denied");
  EXPECT_EQ(v.error.error_description, "The authorization request was denied. (The user denied)");
  EXPECT_EQ(v.reply.status, 400);
  EXPECT_NE(v.reply.body.find("The authorization request was denied."), std::string::npos);
}

// Issue 11 item 9: an error without this login's state is not the server's answer.
TEST(OAuthCallbackTest, ErrorsNeedTheMatchingStateToo) {
  for (std::string target :
       {std::string("/oauth/callback?error=access_denied"),
        std::string("/oauth/callback?error=access_denied&state=forged"),
        std::string("/oauth/callback?error=access_denied&state=") + std::string(kState).substr(1)}) {
    auto v = handle_callback_request("GET", target, kState);
    EXPECT_EQ(v.outcome, Outcome::kFailed) << target;
    EXPECT_EQ(v.error.type, ErrorType::kInvalidRequest) << target;
    EXPECT_NE(v.error.error_description.find("State parameter does not match"), std::string::npos)
        << v.error.error_description;
    EXPECT_EQ(v.error.http_status, 0) << "found here, not the server's answer";
  }
}

TEST(OAuthCallbackTest, OtherRedirectedErrorsKeepTheirType) {
  auto scope = handle_callback_request(
      "GET", std::string("/oauth/callback?error=invalid_scope&state=") + kState, kState);
  EXPECT_EQ(scope.error.type, ErrorType::kInvalidScope);
  EXPECT_EQ(scope.error.error_description,
            "Failed to retrieve an authorization code (invalid_scope).");

  auto unknown =
      handle_callback_request(
          "GET", std::string("/oauth/callback?error=temporarily_unavailable&state=") + kState,
          kState);
  EXPECT_EQ(unknown.outcome, Outcome::kFailed);
  EXPECT_EQ(unknown.error.type, ErrorType::kUnknown);
  EXPECT_EQ(unknown.error.error, "temporarily_unavailable");
  EXPECT_EQ(unknown.error.http_status, 400);
}

TEST(OAuthCallbackTest, PagesNeverReflectInputUnescaped) {
  auto v = handle_callback_request(
      "GET",
      std::string("/oauth/callback?error=%3Cimg+src%3Dx%3E&error_description=%3Cscript%3Ealert(1)"
                  "%3C%2Fscript%3E%22%27%26&state=") + kState,
      kState);
  ASSERT_EQ(v.outcome, Outcome::kFailed);
  EXPECT_EQ(v.reply.body.find("<script>"), std::string::npos);
  EXPECT_EQ(v.reply.body.find("<img"), std::string::npos);
  EXPECT_NE(v.reply.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"),
            std::string::npos)
      << v.reply.body;
}

TEST(OAuthCallbackTest, ParseQuery) {
  EXPECT_EQ(parse_query("a=1&b=x+y&c&&d=%41%zz%4"),
            (std::vector<std::pair<std::string, std::string>>{
                {"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", "A%zz%4"}}));
  EXPECT_TRUE(parse_query("").empty());
}

TEST(OAuthCallbackTest, HtmlEscape) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace ssooidc::client
