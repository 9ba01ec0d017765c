// The PKCE pieces against RFC 7636 and the AWS CLI's /authorize URL (reference 5.5).
#include "client/pkce.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "crypto/crypto.h"

namespace ssooidc::client::pkce {
namespace {

TEST(PkceTest, ChallengeOfTheRfc7636AppendixBVerifier) {
  EXPECT_EQ(code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(PkceTest, VerifierIsSixtyFourCharactersOfTheUnreservedSet) {
  crypto::SecureRandom random;
  std::set<char> seen;
  std::set<std::string> verifiers;
  for (int i = 0; i < 300; ++i) {
    const std::string v = make_code_verifier(random);
    ASSERT_EQ(v.size(), 64u);
    for (char c : v) {
      ASSERT_NE(kVerifierAlphabet.find(c), std::string_view::npos) << "'" << c << "' in " << v;
      seen.insert(c);
    }
    verifiers.insert(v);
  }
  EXPECT_EQ(kVerifierAlphabet.size(), 66u);  // A-Z a-z 0-9 - . _ ~
  // 19,200 draws reach every one of the 66 characters (a miss has probability ~1e-124).
  EXPECT_EQ(seen.size(), 66u);
  EXPECT_EQ(verifiers.size(), 300u);
}

TEST(PkceTest, StateIsAUuid4) {
  crypto::SecureRandom random;
  const std::string a = make_state(random);
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
  EXPECT_NE(a, make_state(random));
}

TEST(PkceTest, RedirectUriCarriesThePort) {
  EXPECT_EQ(loopback_redirect_uri(62822), "http://127.0.0.1:62822/oauth/callback");
}

TEST(PkceTest, PercentEncodingIsPythonQuoteWithSafeUnreserved) {
  // urllib.parse.quote("a b:/?&=+~._-Zz09é", safe="-._~")
  EXPECT_EQ(percent_encode("a b:/?&=+~._-Zz09\xc3\xa9"), "a%20b%3A%2F%3F%26%3D%2B~._-Zz09%C3%A9");
}

TEST(PkceTest, AuthorizeBaseKeepsOnlySchemeAndHost) {
  EXPECT_EQ(authorize_base_url("https://oidc.us-east-1.amazonaws.com"),
            "https://oidc.us-east-1.amazonaws.com");
  EXPECT_EQ(authorize_base_url("http://127.0.0.1:8080/prefix/path"), "http://127.0.0.1:8080");
  EXPECT_EQ(authorize_base_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  EXPECT_EQ(authorize_base_url("http://[::1]:8080?x=1"), "http://[::1]:8080");
}

TEST(PkceTest, AuthorizeUrlIsTheAwsBlogExample) {
  // The real example of reference 5.5, byte for byte.
  EXPECT_EQ(authorize_url("https://oidc.us-east-1.amazonaws.com",
                          AuthorizeRequest{
                              .client_id = "clientId",
                              .redirect_uri = "http://127.0.0.1:62822/oauth/callback",
                              .state = "3593bb11-2407-4d41-8bae-4f121d6d8a5d",
                              .scopes = {"sso:account:access"},
                              .code_challenge = "codeChallenge",
                          }),
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=clientId"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A62822%2Foauth%2Fcallback"
            "&state=3593bb11-2407-4d41-8bae-4f121d6d8a5d&code_challenge_method=S256"
            "&scopes=sso%3Aaccount%3Aaccess&code_challenge=codeChallenge");
}

TEST(PkceTest, AuthorizeUrlJoinsScopesWithEncodedSpacesAndEncodesTheClientId) {
  EXPECT_EQ(authorize_url("http://127.0.0.1:8080",
                          AuthorizeRequest{
                              .client_id = "a+b/c=",
                              .redirect_uri = "http://127.0.0.1:1/oauth/callback",
                              .state = "s",
                              .scopes = {"sso:account:access", "openid"},
                              .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                          }),
            "http://127.0.0.1:8080/authorize?response_type=code&client_id=a%2Bb%2Fc%3D"
            "&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Foauth%2Fcallback&state=s"
            "&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20openid"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace ssooidc::client::pkce
