// GET|POST /authorize driven with HttpRequest values: sign-in, consent, the redirect back to the
// client, and the refusals that must never redirect.
#include "web/authorize_page.h"

#include <gtest/gtest.h>

#include <regex>

#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "web/form.h"
#include "web/web.h"
#include "web/web_test_support.h"

namespace ssooidc::web {
namespace {

constexpr const char* kRedirect = "http://127.0.0.1:53682/oauth/callback";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

using testing::Browser;
using testing::contains;
using testing::header_of;
using testing::kOrigin;

class AuthorizePageTest : public testing::PagesTest {
 protected:
  void SetUp() override {
    PagesTest::SetUp();
    RegisterClientRequest reg{.clientName = "<b>botocore-client-test</b>", .clientType = "public"};
    reg.scopes = std::vector<std::string>{"sso:account:access", "openid"};
    reg.grantTypes = std::vector<std::string>{"authorization_code", "refresh_token"};
    reg.redirectUris = std::vector<std::string>{"http://127.0.0.1/oauth/callback"};
    auto client = clients_->register_client(reg);
    ASSERT_TRUE(client.has_value());
    client_id_ = *client->clientId;
  }

  std::string target(std::string redirect = kRedirect) const {
    return "/authorize?response_type=code&client_id=" + client_id_ +
           "&redirect_uri=" + url_encode(redirect) +
           "&state=st-1&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20openid"
           "&code_challenge=" +
           kChallenge;
  }

  // The value of the hidden field `name` in the last form of `body`, HTML-unescaped as a browser
  // would before submitting it.
  static std::string hidden_field(const std::string& body, const std::string& name) {
    const std::regex input("name=\"" + name + "\" value=\"([^\"]*)\"");
    std::smatch m;
    if (!std::regex_search(body, m, input)) return "<missing>";
    std::string value = m[1];
    for (const auto& [entity, text] : {std::pair{"&amp;", "&"},
                                       {"&quot;", "\""},
                                       {"&#39;", "'"},
                                       {"&lt;", "<"},
                                       {"&gt;", ">"}}) {
      for (std::size_t at = 0; (at = value.find(entity, at)) != std::string::npos; ++at)
        value.replace(at, std::string_view(entity).size(), text);
    }
    return value;
  }

  // Opens /authorize signed out, follows it to the sign-in page, signs in there with the form's
  // fields and follows the redirect back; returns the page it lands on (the consent page).
  core::HttpResponse sign_in_and_consent_page(Browser& b) {
    auto to_sign_in = b.send("GET", target());
    EXPECT_EQ(to_sign_in.status, 303);
    EXPECT_EQ(header_of(to_sign_in, "Location"),
              "/device/sign-in?return_to=" + url_encode(target()));
    auto form = b.send("GET", header_of(to_sign_in, "Location"));
    EXPECT_EQ(form.status, 200);
    EXPECT_TRUE(contains(form.body, "name=\"password\""));
    EXPECT_EQ(hidden_field(form.body, "return_to"), target());
    auto signed_in = b.send("POST", "/device/sign-in",
                            "csrf_token=" + url_encode(b.csrf) +
                                "&return_to=" + url_encode(hidden_field(form.body, "return_to")) +
                                "&username=alice&password=correct+horse+battery");
    EXPECT_EQ(signed_in.status, 303);
    EXPECT_EQ(header_of(signed_in, "Location"), target());
    return b.send("GET", header_of(signed_in, "Location"));
  }

  std::string client_id_;
};

TEST_F(AuthorizePageTest, ConsentNamesClientAndScopesAndAllowRedirectsWithCode) {
  Browser b{*web_};
  auto consent = sign_in_and_consent_page(b);
  ASSERT_EQ(consent.status, 200);
  EXPECT_TRUE(contains(consent.body, "&lt;b&gt;botocore-client-test&lt;/b&gt;"));
  EXPECT_FALSE(contains(consent.body, "<b>botocore"));
  EXPECT_TRUE(contains(consent.body, "sso:account:access openid"));
  // The form's redirect to the client must be allowed by form-action.
  EXPECT_TRUE(contains(header_of(consent, "Content-Security-Policy"),
                       "form-action 'self' http://127.0.0.1:53682;"));
  auto allowed = b.send("POST", target(), "csrf_token=" + url_encode(b.csrf) + "&decision=allow");
  ASSERT_EQ(allowed.status, 302);
  const std::string location = header_of(allowed, "Location");
  ASSERT_TRUE(location.starts_with(std::string(kRedirect) + "?code=")) << location;
  EXPECT_TRUE(location.ends_with("&state=st-1")) << location;
  const auto query = parse_form(location.substr(location.find('?') + 1));
  auto code = store_->authorization_codes().find(crypto::secret_hash(field(query, "code")));
  ASSERT_TRUE(code.has_value() && code->has_value());
  EXPECT_EQ((*code)->user_name, "alice");
  EXPECT_EQ((*code)->redirect_uri, kRedirect);
}

TEST_F(AuthorizePageTest, DenyRedirectsAccessDenied) {
  Browser b{*web_};
  sign_in_and_consent_page(b);
  auto denied = b.send("POST", target(), "csrf_token=" + url_encode(b.csrf) + "&decision=deny");
  ASSERT_EQ(denied.status, 302);
  EXPECT_TRUE(
      header_of(denied, "Location").starts_with(std::string(kRedirect) + "?error=access_denied&"));
  EXPECT_TRUE(header_of(denied, "Location").ends_with("&state=st-1"));
}

TEST_F(AuthorizePageTest, ForgedDecisionIsRefused) {
  Browser b{*web_};
  sign_in_and_consent_page(b);
  auto forged = b.send("POST", target(), "csrf_token=wrong&decision=allow");
  EXPECT_EQ(forged.status, 403);
  EXPECT_TRUE(header_of(forged, "Location").empty());
}

TEST_F(AuthorizePageTest, UnregisteredRedirectUriIsAnErrorPage) {
  Browser b{*web_};
  auto page = b.send("GET", target("https://attacker.example/oauth/callback"));
  EXPECT_EQ(page.status, 400);
  EXPECT_TRUE(header_of(page, "Location").empty());
  EXPECT_TRUE(contains(page.body, "not registered"));
}

TEST_F(AuthorizePageTest, InvalidRequestIsRedirectedBeforeSignIn) {
  Browser b{*web_};
  std::string t = target();
  t.replace(t.find("S256"), 4, "plain");
  auto resp = b.send("GET", t);
  ASSERT_EQ(resp.status, 302);
  EXPECT_TRUE(
      header_of(resp, "Location").starts_with(std::string(kRedirect) + "?error=invalid_request&"));
}

TEST_F(AuthorizePageTest, SignedOutGoesToSignInAndComesBackToConsent) {
  Browser b{*web_};
  ASSERT_EQ(b.send("GET", target()).status, 303);
  const std::string anonymous = b.cookie;
  ASSERT_FALSE(anonymous.empty());
  auto consent = sign_in_and_consent_page(b);
  EXPECT_NE(b.cookie, anonymous) << "sign-in must issue a fresh session id";
  ASSERT_EQ(consent.status, 200);
  EXPECT_TRUE(contains(consent.body, "Allow access?"));
  EXPECT_TRUE(contains(consent.body, "is asking to sign in as <strong>alice</strong>"));
  // The consent form posts back to the same authorize request.
  EXPECT_EQ(hidden_field(consent.body, "csrf_token"), b.csrf);
  EXPECT_TRUE(contains(consent.body, "action=\"/authorize?response_type=code&amp;client_id="));
  // Signed in now: /authorize goes straight to consent.
  EXPECT_EQ(b.send("GET", target()).status, 200);
}

TEST_F(AuthorizePageTest, FailedSignInKeepsTheReturnTarget) {
  Browser b{*web_};
  b.send("GET", header_of(b.send("GET", target()), "Location"));  // the sign-in form
  auto failed = b.send("POST", "/device/sign-in",
                       "csrf_token=" + url_encode(b.csrf) + "&return_to=" + url_encode(target()) +
                           "&username=alice&password=wrong");
  EXPECT_EQ(failed.status, 401);
  EXPECT_EQ(hidden_field(failed.body, "return_to"), target());
  auto signed_in = b.send("POST", "/device/sign-in",
                          "csrf_token=" + url_encode(b.csrf) +
                              "&return_to=" + url_encode(hidden_field(failed.body, "return_to")) +
                              "&username=alice&password=correct+horse+battery");
  EXPECT_EQ(signed_in.status, 303);
  EXPECT_EQ(header_of(signed_in, "Location"), target());
}

TEST_F(AuthorizePageTest, AuthorizeNoLongerTakesPasswords) {
  Browser b{*web_};
  b.send("GET", header_of(b.send("GET", target()), "Location"));  // a session and its token
  auto resp = b.send("POST", target(),
                     "csrf_token=" + url_encode(b.csrf) +
                         "&username=alice&password=correct+horse+battery&decision=allow");
  EXPECT_EQ(resp.status, 303);
  EXPECT_TRUE(header_of(resp, "Location").starts_with("/device/sign-in?return_to=%2Fauthorize%3F"));
  // Still signed out, and nothing went back to the client.
  EXPECT_EQ(b.send("GET", target()).status, 303);
}

}  // namespace
}  // namespace ssooidc::web
