#include "web/form.h"

#include <gtest/gtest.h>

namespace ssooidc::web {
namespace {

TEST(ParseForm, DecodesPlusAndPercentAndKeepsTheFirstOfRepeatedNames) {
  auto f = parse_form("user_code=wdjb+mjht&csrf_token=a%2Bb%3D&x=1&x=2&empty=&flag");
  EXPECT_EQ(field(f, "user_code"), "wdjb mjht");
  EXPECT_EQ(field(f, "csrf_token"), "a+b=");
  EXPECT_EQ(field(f, "x"), "1");
  EXPECT_EQ(field(f, "empty"), "");
  EXPECT_TRUE(f.contains("flag"));
  EXPECT_EQ(field(f, "absent"), "");
}

TEST(ParseForm, KeepsMalformedEscapesLiterally) {
  auto f = parse_form("a=%zz&b=%4&c=100%");
  EXPECT_EQ(field(f, "a"), "%zz");
  EXPECT_EQ(field(f, "b"), "%4");
  EXPECT_EQ(field(f, "c"), "100%");
}

TEST(UrlEncode, LeavesOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("WDJB-MJHT"), "WDJB-MJHT");
  EXPECT_EQ(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("a=1; ssooidc_session=abc; b=2", "ssooidc_session"), "abc");
  EXPECT_EQ(cookie_value("ssooidc_session=first;ssooidc_session=second", "ssooidc_session"),
            "first");
  EXPECT_EQ(cookie_value("x_ssooidc_session=no", "ssooidc_session"), "");
  EXPECT_EQ(cookie_value("s=\"quoted\"", "s"), "quoted");
  EXPECT_EQ(cookie_value("", "s"), "");
}

}  // namespace
}  // namespace ssooidc::web
