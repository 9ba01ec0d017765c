// The pages driven with HttpRequest values, as a browser would: a cookie jar, CSRF tokens read
// back from the forms, redirects followed by hand.
#include "web/web.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "domain/user_code.h"
#include "web/form.h"
#include "web/web_test_support.h"

namespace ssooidc::web {
namespace {

using testing::Browser;
using testing::contains;
using testing::header_of;
using testing::kOrigin;

class WebTest : public testing::PagesTest {
 protected:
  // Registers a client and starts a device authorization; returns the user code as shown.
  std::string start_device(std::string client_name = "botocore-client-test") {
    RegisterClientRequest reg;
    reg.clientName = std::move(client_name);
    reg.clientType = "public";
    auto client = clients_->register_client(reg);
    EXPECT_TRUE(client) << client.error().error_description;
    StartDeviceAuthorizationRequest start;
    start.clientId = *client->clientId;
    start.clientSecret = *client->clientSecret;
    start.startUrl = "https://d-0000000000.awsapps.com/start";
    auto started = devices_->start(start, "198.51.100.23");
    EXPECT_TRUE(started) << started.error().error_description;
    return *started->userCode;
  }

  storage::DeviceState state_of(std::string_view shown_code) {
    auto rec =
        store_->device_authorizations().find_by_user_code(*domain::normalize_user_code(shown_code));
    return (*rec)->state;
  }

  static std::string form(std::initializer_list<std::pair<std::string, std::string>> fields) {
    std::string out;
    for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + k + "=" + url_encode(v);
    return out;
  }

  // verificationUriComplete as a person uses it: the link fills the code in, the person sends it.
  core::HttpResponse open_complete_uri(Browser& b, const std::string& code) {
    auto page = b.get("/device?user_code=" + code);
    if (page.status != 200) return page;
    EXPECT_TRUE(contains(page.body, "value=\"" + code + "\"")) << page.body;
    return b.follow(b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", code}})));
  }

  // Signs `b` in as alice, starting from the sign-in page.
  void sign_in(Browser& b) {
    b.get("/device/sign-in");
    auto r = b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                             {"username", "alice"},
                                             {"password", "correct horse battery"}}));
    ASSERT_EQ(r.status, 303) << r.body;
  }
};

TEST_F(WebTest, EveryResponseCarriesTheSecurityHeaders) {
  Browser b{*web_};
  for (const char* target : {"/device", "/device/sign-in", "/device/confirm?user_code=BCDF-GHJK",
                             "/", "/static/style.css", "/device/nope"}) {
    auto r = b.get(target);
    EXPECT_EQ(header_of(r, "Content-Security-Policy"),
              "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'")
        << target;
    EXPECT_EQ(header_of(r, "X-Frame-Options"), "DENY") << target;
    EXPECT_EQ(header_of(r, "X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(header_of(r, "Referrer-Policy"), "same-origin") << target;
    EXPECT_FALSE(header_of(r, "Cache-Control").empty()) << target;
  }
  EXPECT_EQ(header_of(b.get("/device"), "Cache-Control"), "no-store");
  auto css = b.get("/static/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(header_of(css, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(b.get("/").status, 303);
  EXPECT_EQ(header_of(b.get("/"), "Location"), "/device");
  EXPECT_EQ(b.get("/device/nope").status, 404);
}

TEST_F(WebTest, OtherPathsAreNotThePagesBusiness) {
  core::HttpRequest req;
  req.method = "GET";
  req.path = "/token";
  EXPECT_FALSE(web_->handle(req));
  req.path = "/devices";
  EXPECT_FALSE(web_->handle(req));
}

TEST_F(WebTest, WrongMethodsGet405) {
  Browser b{*web_};
  auto r = b.send("PUT", "/device");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header_of(r, "Allow"), "GET, POST");
  EXPECT_EQ(b.get("/device/sign-out").status, 405);
}

TEST_F(WebTest, SessionCookieIsHttpOnlyLaxAndSecureOverTls) {
  Browser plain{*web_};
  auto r = plain.get("/device");
  EXPECT_EQ(r.status, 200);
  const std::string c = header_of(r, "Set-Cookie");
  EXPECT_TRUE(c.starts_with("ssooidc_session=")) << c;
  EXPECT_TRUE(contains(c, "; HttpOnly")) << c;
  EXPECT_TRUE(contains(c, "; SameSite=Lax")) << c;
  EXPECT_TRUE(contains(c, "; Path=/")) << c;
  EXPECT_FALSE(contains(c, "Secure")) << c;
  // The next request with the cookie does not get a new one.
  EXPECT_EQ(header_of(plain.get("/device"), "Set-Cookie"), "");

  Browser tls{*web_};
  tls.tls = true;
  const std::string s = header_of(tls.get("/device"), "Set-Cookie");
  EXPECT_TRUE(s.starts_with("__Host-ssooidc_session=")) << s;
  EXPECT_TRUE(contains(s, "; Secure")) << s;
  EXPECT_TRUE(contains(s, "; HttpOnly")) << s;
}

TEST_F(WebTest, TypedCodeSignInAndAllow) {
  const std::string code = start_device("My <b>Laptop</b>");
  Browser b{*web_};
  auto page = b.get("/device");
  EXPECT_TRUE(contains(page.body, R"(<label for="user_code">Code</label>)"));
  EXPECT_TRUE(contains(page.body, ">Next</button>"));
  const std::string anonymous_id = b.session_id();

  // Lower case, spaces instead of the dash: still the code.
  std::string typed = code;
  for (char& c : typed) c = c == '-' ? ' ' : static_cast<char>(std::tolower(c));
  auto r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", " " + typed + " "}}));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header_of(r, "Location"), "/device/confirm?user_code=" + code);
  r = b.get(header_of(r, "Location"));
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), "/device/sign-in?user_code=" + code);
  r = b.get(header_of(r, "Location"));
  EXPECT_TRUE(contains(r.body, R"(<label for="username">Username</label>)"));
  EXPECT_TRUE(contains(r.body, R"(<label for="password">Password</label>)"));
  EXPECT_TRUE(contains(r.body, ">Sign in</button>"));

  r = b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                      {"user_code", code},
                                      {"username", "alice"},
                                      {"password", "correct horse battery"}}));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_NE(b.session_id(), anonymous_id) << "sign-in must issue a fresh session id";
  EXPECT_EQ(header_of(r, "Location"), "/device/confirm?user_code=" + code);

  r = b.get(header_of(r, "Location"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(contains(r.body, "My &lt;b&gt;Laptop&lt;/b&gt;")) << r.body;
  EXPECT_FALSE(contains(r.body, "<b>Laptop"));
  EXPECT_TRUE(contains(r.body, code));
  EXPECT_TRUE(contains(r.body, "Make sure this code matches the one shown on your device"));
  EXPECT_TRUE(contains(r.body, "198.51.100.23"));
  EXPECT_TRUE(contains(r.body, "2023-11-14 22:13:20 UTC"));  // FakeClock's start
  EXPECT_TRUE(contains(r.body, ">Allow</button>"));
  EXPECT_TRUE(contains(r.body, ">Deny</button>"));
  EXPECT_TRUE(contains(r.body, "Signed in as <strong>alice</strong>"));
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending);

  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "allow"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(contains(r.body, "Device allowed"));
  EXPECT_EQ(state_of(code), storage::DeviceState::kApproved);
  auto rec = store_->device_authorizations().find_by_user_code(*domain::normalize_user_code(code));
  EXPECT_EQ((*rec)->user_name, "alice");

  // Allowing twice is "already used", not a second approval.
  b.get("/device/confirm?user_code=" + code);
  r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", code}}));
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(contains(r.body, "already been used"));
}

TEST_F(WebTest, SignedInBrowserGoesStraightToConfirmationAndCanDeny) {
  Browser b{*web_};
  sign_in(b);
  const std::string code = start_device();
  auto r = open_complete_uri(b, code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(contains(r.body, "Allow access?"));
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending) << "the link alone approves nothing";
  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "deny"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "Request denied"));
  EXPECT_EQ(state_of(code), storage::DeviceState::kDenied);
}

// Issue 11 item 9: a client cannot spoof its name with bidi overrides or control characters.
TEST_F(WebTest, ClientNamesAreShownWithoutBidiOrControlCharacters) {
  Browser b{*web_};
  sign_in(b);
  const std::string code = start_device("aws-cli\xE2\x80\xAE" "exe.txt\x1B[2J\xE2\x81\xA6");
  auto r = open_complete_uri(b, code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(contains(r.body, "aws-cliexe.txt[2J")) << r.body;
  EXPECT_FALSE(contains(r.body, "\xE2\x80\xAE"));
  EXPECT_FALSE(contains(r.body, "\x1B"));
  EXPECT_FALSE(contains(r.body, "\xE2\x81\xA6"));
  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "deny"}}));
  EXPECT_TRUE(contains(r.body, "aws-cliexe.txt[2J was not given access")) << r.body;
}

TEST_F(WebTest, CompleteUriWhenSignedOutLeadsThroughSignIn) {
  const std::string code = start_device();
  Browser b{*web_};
  auto r = open_complete_uri(b, code);
  EXPECT_TRUE(contains(r.body, "Sign in to review the request with code"));
  r = b.follow(b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                               {"user_code", code},
                                               {"username", "alice"},
                                               {"password", "correct horse battery"}})));
  EXPECT_TRUE(contains(r.body, "Allow access?")) << r.body;
}

TEST_F(WebTest, SignInReturnsToAPathOnThisServer) {
  const std::string back = "/device/confirm?user_code=BCDF-GHJK&x=%2F%2Fy";
  Browser b{*web_};
  auto page = b.get("/device/sign-in?return_to=" + url_encode(back));
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(
      page.body, R"(name="return_to" value="/device/confirm?user_code=BCDF-GHJK&amp;x=%2F%2Fy")"))
      << page.body;
  auto r = b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                           {"return_to", back},
                                           {"username", "alice"},
                                           {"password", "correct horse battery"}}));
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), back);
  // Already signed in, the sign-in page passes straight through to the target.
  r = b.get("/device/sign-in?return_to=" + url_encode(back));
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), back);
}

TEST_F(WebTest, SignInNeverRedirectsOffSite) {
  for (const std::string attempt : {"https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", "evil.example"}) {
    Browser b{*web_};
    auto page = b.get("/device/sign-in?return_to=" + url_encode(attempt));
    ASSERT_EQ(page.status, 200) << attempt;
    EXPECT_TRUE(contains(page.body, R"(name="return_to" value="")")) << attempt;
    EXPECT_FALSE(contains(page.body, "evil.example")) << attempt;
    // A hand-made form is refused the same way: the default page instead.
    auto r = b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                             {"return_to", attempt},
                                             {"username", "alice"},
                                             {"password", "correct horse battery"}}));
    EXPECT_EQ(r.status, 303) << attempt;
    EXPECT_EQ(header_of(r, "Location"), "/device") << attempt;
    r = b.get("/device/sign-in?return_to=" + url_encode(attempt));
    EXPECT_EQ(r.status, 303) << attempt;
    EXPECT_EQ(header_of(r, "Location"), "/device") << attempt;
  }
}

TEST_F(WebTest, FormsWithoutAValidCsrfTokenAreRefused) {
  const std::string code = start_device();
  Browser b{*web_};
  sign_in(b);
  open_complete_uri(b, code);
  ASSERT_FALSE(b.csrf.empty());
  const std::string good = b.csrf;

  auto r = b.post("/device/confirm", form({{"user_code", code}, {"decision", "allow"}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(contains(r.body, "This form has expired"));
  r = b.post("/device/confirm",
             form({{"csrf_token", good + "x"}, {"user_code", code}, {"decision", "allow"}}));
  EXPECT_EQ(r.status, 403);
  // The right token from another site's page.
  r = b.post("/device/confirm",
             form({{"csrf_token", good}, {"user_code", code}, {"decision", "allow"}}),
             {{"Origin", "http://evil.example"}});
  EXPECT_EQ(r.status, 403);
  r = b.post("/device/confirm",
             form({{"csrf_token", good}, {"user_code", code}, {"decision", "allow"}}),
             {{"Origin", "null"}});
  EXPECT_EQ(r.status, 403);
  r = b.post("/device/confirm",
             form({{"csrf_token", good}, {"user_code", code}, {"decision", "allow"}}),
             {{"Sec-Fetch-Site", "same-site"}});
  EXPECT_EQ(r.status, 403);
  // Another browser's token is no good either.
  Browser other{*web_};
  other.get("/device");
  r = other.post("/device", form({{"csrf_token", good}, {"user_code", code}}));
  EXPECT_EQ(r.status, 403);
  // Without a session cookie at all.
  Browser cookieless{*web_};
  r = cookieless.post("/device", form({{"csrf_token", good}, {"user_code", code}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending);

  // Sign-out is a form too.
  r = b.post("/device/sign-out", form({{"csrf_token", "nope"}}));
  EXPECT_EQ(r.status, 403);

  // The real thing, with a Referer instead of Origin, still works.
  r = b.post("/device/confirm",
             form({{"csrf_token", good}, {"user_code", code}, {"decision", "allow"}}),
             {{"Origin", ""}, {"Referer", std::string(kOrigin) + "/device/confirm"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(state_of(code), storage::DeviceState::kApproved);
}

TEST_F(WebTest, WrongCodesAreLimitedPerBrowserSession) {
  Browser b{*web_};
  b.get("/device");
  for (int i = 0; i < 5; ++i) {
    auto r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "BCDF-GHJK"}}));
    EXPECT_EQ(r.status, 404) << i;
    EXPECT_TRUE(contains(r.body, "couldn&#39;t find that code")) << r.body;
  }
  const std::string code = start_device();
  auto r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", code}}));
  EXPECT_EQ(r.status, 429) << "even a right code waits once the limit is reached";
  EXPECT_EQ(header_of(r, "Retry-After"), "600");
  EXPECT_TRUE(contains(r.body, "Too many attempts"));
  EXPECT_TRUE(contains(r.body, "Try again in 10 minutes"));
  // Malformed input is not a guess and is not counted (nor looked up).
  r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "AEIOU"}}));
  EXPECT_EQ(r.status, 400);
  // Another browser on another network is not affected.
  Browser other{*web_, "192.0.2.1"};
  other.get("/device");
  EXPECT_EQ(other.post("/device", form({{"csrf_token", other.csrf}, {"user_code", code}})).status,
            303);
  clock_.advance_seconds(600);
  const std::string fresh = start_device();  // the first one has expired meanwhile
  EXPECT_EQ(b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", fresh}})).status, 303);
}

TEST_F(WebTest, WrongCodesAreLimitedPerAddressAcrossFreshSessions) {
  for (int i = 0; i < 20; ++i) {
    Browser b{*web_};  // throws its cookie away every time
    b.get("/device");
    EXPECT_EQ(b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "BCDF-GHJK"}})).status,
              404)
        << i;
  }
  Browser b{*web_};
  b.get("/device");
  auto r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "BCDF-GHJK"}}));
  EXPECT_EQ(r.status, 429);
  // The complete URI only fills the form in: it shows, but looks nothing up.
  r = b.get("/device?user_code=BCDF-GHJK");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, R"(value="BCDF-GHJK")")) << r.body;
}

// Issue 11 item 4: another site's page full of <img src="/device?user_code=..."> must not spend
// the visitor's address budget (GETs carry no CSRF token).
TEST_F(WebTest, CodesInGetRequestsAreNeverCounted) {
  for (int i = 0; i < 100; ++i) {
    Browser victim{*web_};  // a cookie-less image request each time
    auto r = victim.get("/device?user_code=BCDF-GHJ" + std::string(1, "KLMNPQRSTV"[i % 10]));
    ASSERT_EQ(r.status, 200) << i;
  }
  const std::string code = start_device();
  Browser person{*web_};
  person.get("/device");
  auto r = person.follow(person.post("/device", form({{"csrf_token", person.csrf}, {"user_code", code}})));
  EXPECT_TRUE(contains(r.body, "Sign in to review the request with code")) << r.status << r.body;
}

// Issue 11 item 5: cookie-less page requests store nothing, and a flood of them cannot sign
// anyone out.
TEST_F(WebTest, AnonymousRequestsStoreNoSessionAndSignNobodyOut) {
  WebOptions options;
  options.sessions.max_sessions = 10;
  Web small(WebServices{t_.graph.devices, t_.graph.users, t_.graph.authorizations,
                        t_.graph.context.settings, t_.clock, t_.random, t_.graph.shared},
            options);
  Browser alice{small};
  alice.get("/device/sign-in");
  ASSERT_EQ(alice.post("/device/sign-in", form({{"csrf_token", alice.csrf},
                                                {"username", "alice"},
                                                {"password", "correct horse battery"}}))
                .status,
            303);
  for (int i = 0; i < 1000; ++i) {
    Browser stranger{small};
    auto r = stranger.get(i % 2 ? "/device" : "/device/sign-in");
    ASSERT_EQ(r.status, 200);
    ASSERT_FALSE(stranger.csrf.empty());
    ASSERT_TRUE(stranger.cookie.starts_with("ssooidc_session=a.")) << stranger.cookie;
  }
  EXPECT_TRUE(contains(alice.get("/device").body, "Signed in as <strong>alice</strong>"));
  // An anonymous browser's form works with its stateless token, and not with another's.
  Browser b{small};
  b.get("/device");
  Browser other{small};
  other.get("/device");
  EXPECT_NE(b.csrf, other.csrf);
  EXPECT_EQ(b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "BCDF-GHJK"}})).status,
            404);
  EXPECT_EQ(b.post("/device", form({{"csrf_token", other.csrf}, {"user_code", "BCDF-GHJK"}})).status,
            403);
}

// Issue 11 item 7: 12 concurrent wrong passwords get 5 password checks, not more.
TEST_F(WebTest, ConcurrentWrongPasswordsAreCountedBeforeTheyAreChecked) {
  std::vector<Browser> browsers;
  for (int i = 0; i < 12; ++i) {
    browsers.push_back(Browser{*web_, "192.0.2.1"});
    browsers.back().get("/device/sign-in");
  }
  std::atomic<int> checked{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (auto& b : browsers)
    threads.emplace_back([&] {
      auto r = b.post("/device/sign-in",
                      form({{"csrf_token", b.csrf}, {"username", "alice"}, {"password", "guess"}}));
      if (r.status == 401) ++checked;
      if (r.status == 429) ++limited;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(checked.load(), 5);
  EXPECT_EQ(limited.load(), 7);
}

TEST_F(WebTest, Ipv6AddressesShareALimitPerSlash64) {
  for (int i = 0; i < 20; ++i) {
    Browser b{*web_, "2001:db8:1:2::" + std::to_string(i + 1)};
    b.get("/device");
    b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "BCDF-GHJK"}}));
  }
  Browser same_net{*web_, "2001:db8:1:2:ffff::1"};
  same_net.get("/device");
  EXPECT_EQ(
      same_net.post("/device", form({{"csrf_token", same_net.csrf}, {"user_code", "BCDF-GHJK"}}))
          .status,
      429);
  Browser other_net{*web_, "2001:db8:1:3::1"};
  other_net.get("/device");
  EXPECT_EQ(
      other_net.post("/device", form({{"csrf_token", other_net.csrf}, {"user_code", "BCDF-GHJK"}}))
          .status,
      404);
}

// Signs in from `b` (fetching the form first for its CSRF token); returns the response.
core::HttpResponse try_sign_in(Browser& b, const std::string& user, const std::string& password) {
  b.get("/device/sign-in");
  return b.post("/device/sign-in", "csrf_token=" + url_encode(b.csrf) + "&username=" +
                                       url_encode(user) + "&password=" + url_encode(password));
}

TEST_F(WebTest, FailedSignInsFromOneAddressDoNotLockTheUserOutElsewhere) {
  Browser attacker{*web_, "192.0.2.1"};
  for (int i = 0; i < 5; ++i) {
    auto r = try_sign_in(attacker, "alice", "guess");
    EXPECT_EQ(r.status, 401) << i;
    EXPECT_TRUE(contains(r.body, "Wrong user name or password")) << r.body;
  }
  // That address is paused for alice, even with the right password...
  auto r = try_sign_in(attacker, "alice", "correct horse battery");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header_of(r, "Retry-After"), "900");
  EXPECT_TRUE(contains(r.body, "too many failed sign-ins from this browser or network"));
  EXPECT_TRUE(contains(r.body, "Try again in 15 minutes"));
  // ...but not for other users there (within its per-address budget),
  ASSERT_TRUE(users_->add("bob", "bobs password"));
  Browser bob{*web_, "192.0.2.1"};
  EXPECT_EQ(try_sign_in(bob, "bob", "bobs password").status, 303);
  // and alice herself, at another address, is not locked out.
  Browser alice{*web_, "198.51.100.10"};
  EXPECT_EQ(try_sign_in(alice, "alice", "correct horse battery").status, 303);
  // The pause ends with the window (fake clock: no sleeping).
  clock_.advance_seconds(899);
  EXPECT_EQ(try_sign_in(attacker, "alice", "correct horse battery").status, 429);
  clock_.advance_seconds(1);
  EXPECT_EQ(try_sign_in(attacker, "alice", "correct horse battery").status, 303);
}

TEST_F(WebTest, SuccessForgetsThePairsFailures) {
  Browser b{*web_, "192.0.2.1"};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(try_sign_in(b, "alice", "typo").status, 401);
  EXPECT_EQ(try_sign_in(b, "alice", "correct horse battery").status, 303);
  Browser again{*web_, "192.0.2.1"};  // same address, signed out
  for (int i = 0; i < 4; ++i) EXPECT_EQ(try_sign_in(again, "alice", "typo").status, 401) << i;
  EXPECT_EQ(try_sign_in(again, "alice", "correct horse battery").status, 303);
}

TEST_F(WebTest, GuessingFromManyAddressesHitsThePerUserCeiling) {
  // 20 addresses, 5 failures each but one short: 99 failures at alice in 15 minutes.
  for (int a = 0; a < 20; ++a) {
    Browser b{*web_, "192.0.2." + std::to_string(a + 1)};
    for (int i = 0; i < (a == 19 ? 4 : 5); ++i)
      ASSERT_EQ(try_sign_in(b, "alice", "guess").status, 401) << a << " " << i;
    clock_.advance_seconds(10);
  }
  // Below the ceiling, alice signs in from a clean address; that does not reset the ceiling.
  Browser first{*web_, "198.51.100.1"};
  EXPECT_EQ(try_sign_in(first, "alice", "correct horse battery").status, 303);
  Browser last{*web_, "192.0.2.20"};
  EXPECT_EQ(try_sign_in(last, "alice", "guess").status, 401);  // the 100th
  // Now alice is paused everywhere until the oldest failure leaves the 15-minute window...
  Browser elsewhere{*web_, "198.51.100.2"};
  auto r = try_sign_in(elsewhere, "alice", "correct horse battery");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header_of(r, "Retry-After"), std::to_string(900 - 20 * 10));
  EXPECT_TRUE(contains(r.body, "too many failed sign-ins to this account, from many networks"));
  // ...while other users are not.
  ASSERT_TRUE(users_->add("bob", "bobs password"));
  EXPECT_EQ(try_sign_in(elsewhere, "bob", "bobs password").status, 303);
  clock_.advance_seconds(900 - 20 * 10);
  Browser later{*web_, "198.51.100.3"};
  EXPECT_EQ(try_sign_in(later, "alice", "correct horse battery").status, 303);
}

TEST_F(WebTest, FailedSignInsAreLimitedPerAddress) {
  Browser b{*web_};
  b.get("/device/sign-in");
  for (int i = 0; i < 20; ++i) {
    auto r = b.post("/device/sign-in", form({{"csrf_token", b.csrf},
                                             {"username", "user" + std::to_string(i)},
                                             {"password", "guess"}}));
    EXPECT_EQ(r.status, 401) << i;
  }
  auto r = b.post(
      "/device/sign-in",
      form({{"csrf_token", b.csrf}, {"username", "alice"}, {"password", "correct horse battery"}}));
  EXPECT_EQ(r.status, 429);
}

TEST_F(WebTest, DisabledUsersCannotSignInOrApprove) {
  ASSERT_TRUE(users_->add("bob", "bobs password"));
  const std::string code = start_device();
  Browser b{*web_};
  b.get("/device/sign-in");
  auto r =
      b.post("/device/sign-in",
             form({{"csrf_token", b.csrf}, {"username", "bob"}, {"password", "bobs password"}}));
  ASSERT_EQ(r.status, 303);
  open_complete_uri(b, code);
  ASSERT_TRUE(users_->set_disabled("bob", true));
  // Disabled while signed in: the confirmation is refused and the browser signed out.
  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "allow"}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(contains(r.body, "Your account is disabled"));
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending);
  EXPECT_EQ(b.get("/device/confirm?user_code=" + code).status, 303);  // to sign-in again
  // And cannot sign in again.
  b.get("/device/sign-in");
  r = b.post("/device/sign-in",
             form({{"csrf_token", b.csrf}, {"username", "bob"}, {"password", "bobs password"}}));
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(contains(r.body, "disabled"));
}

TEST_F(WebTest, ExpiredCodesSayToStartAgain) {
  const std::string code = start_device();
  Browser b{*web_};
  sign_in(b);
  open_complete_uri(b, code);
  clock_.advance_seconds(601);
  auto r = b.get("/device/confirm?user_code=" + code);
  EXPECT_EQ(r.status, 410);
  EXPECT_TRUE(contains(r.body, "This code has expired"));
  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "allow"}}));
  EXPECT_EQ(r.status, 410);
  r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", code}}));
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending);
}

TEST_F(WebTest, ConfirmationNeedsALookedUpCode) {
  const std::string code = start_device();
  Browser b{*web_};
  sign_in(b);
  b.get("/device");  // the form's token after sign-in
  // Straight to the confirmation with a code this browser never entered: back to the code page,
  // which counts the lookup.
  auto r = b.get("/device/confirm?user_code=" + code);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), "/device?user_code=" + code);
  r = b.post("/device/confirm",
             form({{"csrf_token", b.csrf}, {"user_code", code}, {"decision", "allow"}}));
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(state_of(code), storage::DeviceState::kPending);
}

TEST_F(WebTest, SignOutEndsTheSession) {
  const std::string code = start_device();
  Browser b{*web_};
  sign_in(b);
  const std::string old_cookie = b.cookie;
  b.get("/device");
  auto r = b.post("/device/sign-out", form({{"csrf_token", b.csrf}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "You have signed out"));
  EXPECT_TRUE(contains(header_of(r, "Set-Cookie"), "Max-Age=0"));
  EXPECT_TRUE(b.cookie.empty());
  // Replaying the old cookie does not bring the session back.
  b.cookie = old_cookie;
  r = b.get("/device");
  EXPECT_FALSE(contains(r.body, "Signed in as"));
  EXPECT_FALSE(header_of(r, "Set-Cookie").empty());
  r = open_complete_uri(b, code);
  EXPECT_TRUE(contains(r.body, "Sign in to review"));
}

TEST_F(WebTest, BadFormsAreRefusedPolitely) {
  Browser b{*web_};
  b.get("/device");
  auto r = b.send("POST", "/device", std::string(20000, 'a'));
  EXPECT_EQ(r.status, 413);
  core::HttpRequest json;
  json.method = "POST";
  json.path = "/device";
  json.headers = {{"Content-Type", "application/json"}, {"Cookie", b.cookie}};
  json.body = "{}";
  EXPECT_EQ(web_->handle(json)->status, 415);
  r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", ""}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(contains(r.body, "Enter the code shown on your device"));
  // What was typed comes back escaped.
  r = b.post("/device", form({{"csrf_token", b.csrf}, {"user_code", "\"><script>"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(contains(r.body, "value=\"&quot;&gt;&lt;script&gt;\"")) << r.body;
}

}  // namespace
}  // namespace ssooidc::web
