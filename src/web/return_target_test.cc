// The sign-in page's return target: paths on this server pass, every open-redirect shape is
// refused.
#include "web/return_target.h"

#include <gtest/gtest.h>

namespace ssooidc::web {
namespace {

TEST(SafeReturnTarget, AcceptsPathsOnThisServer) {
  EXPECT_EQ(safe_return_target("/"), "/");
  EXPECT_EQ(safe_return_target("/device/confirm?user_code=BCDF-GHJK"),
            "/device/confirm?user_code=BCDF-GHJK");
  const std::string authorize =
      "/authorize?response_type=code&client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682"
      "%2Foauth%2Fcallback&state=st-1&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess"
      "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  EXPECT_EQ(safe_return_target(authorize), authorize);
  // "//" or a backslash in the query is data, not a host.
  EXPECT_EQ(safe_return_target("/authorize?state=a//b\\c"), "/authorize?state=a//b\\c");
  // Encoded slashes stay in the path: the browser does not decode them into a host.
  EXPECT_EQ(safe_return_target("/%2F%2Fevil.example"), "/%2F%2Fevil.example");
}

TEST(SafeReturnTarget, RefusesOtherHostsAndSchemes) {
  for (const char* attempt : {
           "https://evil.example/",
           "http://127.0.0.1:8080/authorize",  // even this server, spelt absolute
           "//evil.example",
           "//evil.example/authorize",
           "/\\evil.example",
           "/\\/evil.example",
           "\\\\evil.example",
           "/device\\..\\..\\evil",
           "javascript:alert(1)",
           "data:text/html,<script>alert(1)</script>",
           "evil.example",
           "device/confirm",
           "?return_to=/",
           "#/",
           "",
       }) {
    EXPECT_EQ(safe_return_target(attempt), std::nullopt) << attempt;
  }
}

TEST(SafeReturnTarget, RefusesControlCharactersSpacesAndNonAscii) {
  using namespace std::string_literals;
  for (const std::string& attempt : {
           "/\t/evil.example"s,  // browsers drop tabs and newlines: "//evil.example"
           "/\n/evil.example"s, "/\r\n/evil.example"s, "/device\0/evil"s, "/device\x7f"s,
           "/ /evil.example"s, "/device?next=\x1b[2J"s, "/caf\xc3\xa9"s,
           "/\xc2\x85/evil.example"s,  // U+0085 NEXT LINE
       }) {
    EXPECT_EQ(safe_return_target(attempt), std::nullopt) << attempt;
  }
}

TEST(SafeReturnTarget, LengthIsBounded) {
  const std::string longest = "/" + std::string(kMaxReturnTargetBytes - 1, 'a');
  EXPECT_EQ(safe_return_target(longest), longest);
  EXPECT_EQ(safe_return_target(longest + "a"), std::nullopt);
}

}  // namespace
}  // namespace ssooidc::web
