// The SSO portal page: the signed-in user's accounts and roles, and credentials of one role.
#include <gtest/gtest.h>

#include "domain/directory_service.h"
#include "domain/portal_service.h"
#include "web/form.h"
#include "web_test_support.h"

namespace ssooidc::web {
namespace {

using testing::Browser;
using testing::contains;
using testing::header_of;

class PortalPageTest : public testing::PagesTest {
 protected:
  void SetUp() override {
    PagesTest::SetUp();
    web_->enable_portal(t_.graph.portal);
    domain::DirectoryService& directory = t_.graph.directory;
    ASSERT_TRUE(directory.put_account({"111111111111", "Prod <script>alert(1)</script>", "", 0}));
    ASSERT_TRUE(directory.put_account({"222222222222", "Hidden", "", 0}));
    storage::RoleRecord role;
    role.account_id = "111111111111";
    role.role_name = "ReadOnly";
    ASSERT_TRUE(directory.put_role(role));
    role.account_id = "222222222222";
    ASSERT_TRUE(directory.put_role(role));
    ASSERT_TRUE(directory.assign(storage::PrincipalType::kUser, "alice", "111111111111", "ReadOnly"));
  }

  void sign_in(Browser& b) {
    b.get("/device/sign-in");
    auto r = b.post("/device/sign-in", "csrf_token=" + url_encode(b.csrf) +
                                           "&username=alice&password=correct+horse+battery");
    ASSERT_EQ(r.status, 303) << r.body;
    // Nothing was pending: the person lands on the portal.
    EXPECT_EQ(header_of(r, "Location"), "/portal");
  }

  std::string credentials_form(const Browser& b, std::string account, std::string role) {
    return "csrf_token=" + url_encode(b.csrf) + "&account_id=" + account + "&role_name=" + role;
  }

};

TEST_F(PortalPageTest, RootAndSignedOutPortalLeadToSignIn) {
  Browser b{*web_};
  EXPECT_EQ(header_of(b.get("/"), "Location"), "/portal");
  auto r = b.get("/portal");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), "/device/sign-in?return_to=%2Fportal");
}

TEST_F(PortalPageTest, ListsOnlyTheUsersAccountsAndRolesEscaped) {
  Browser b{*web_};
  sign_in(b);
  auto r = b.get("/portal");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "Prod &lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_FALSE(contains(r.body, "<script>"));
  EXPECT_TRUE(contains(r.body, "111111111111"));
  EXPECT_FALSE(contains(r.body, "222222222222"));
  EXPECT_TRUE(contains(r.body, "ReadOnly"));
  EXPECT_TRUE(contains(r.body, "AWS access portal"));
  EXPECT_FALSE(contains(r.body, "Only enter codes"));  // not the device-code footer
  EXPECT_TRUE(contains(r.body, R"(action="/portal/credentials")"));
  EXPECT_EQ(header_of(r, "Cache-Control"), "no-store");
}

TEST_F(PortalPageTest, CredentialsNeedThePostAndItsCsrfToken) {
  Browser b{*web_};
  sign_in(b);
  b.get("/portal");
  EXPECT_EQ(b.get("/portal/credentials").status, 405);
  auto forged = b.post("/portal/credentials", "csrf_token=wrong&account_id=111111111111&role_name=ReadOnly");
  EXPECT_EQ(forged.status, 403);
  auto other_site = b.post("/portal/credentials", credentials_form(b, "111111111111", "ReadOnly"),
                           {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other_site.status, 403);
  EXPECT_TRUE(store_->credential_records().list("", 10)->empty());
}

TEST_F(PortalPageTest, CredentialsPageShowsExportsCredentialProcessAndProfile) {
  Browser b{*web_};
  sign_in(b);
  b.get("/portal");
  auto r = b.post("/portal/credentials", credentials_form(b, "111111111111", "ReadOnly"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto records = store_->credential_records().list("alice", 10);
  ASSERT_EQ(records->size(), 1u);
  const std::string key = records->front().access_key_id;
  EXPECT_TRUE(contains(r.body, "export AWS_ACCESS_KEY_ID=&#39;" + key + "&#39;")) << r.body;
  EXPECT_TRUE(contains(r.body, "export AWS_SECRET_ACCESS_KEY="));
  EXPECT_TRUE(contains(r.body, "export AWS_SESSION_TOKEN="));
  EXPECT_TRUE(contains(r.body, "credential_process = ssooidc credentials --account-id 111111111111 "
                               "--role-name ReadOnly --sso-session ssooidc"));
  EXPECT_TRUE(contains(r.body, "[profile ReadOnly-111111111111]\nsso_session = ssooidc\n"
                               "sso_account_id = 111111111111\nsso_role_name = ReadOnly"));
  EXPECT_TRUE(contains(r.body, "sso =\n  endpoint_url = http://127.0.0.1:8080"));
  EXPECT_EQ(header_of(r, "Cache-Control"), "no-store");
}

TEST_F(PortalPageTest, UnassignedRoleIsNotFound) {
  Browser b{*web_};
  sign_in(b);
  b.get("/portal");
  auto r = b.post("/portal/credentials", credentials_form(b, "222222222222", "ReadOnly"));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(contains(r.body, "not assigned to you"));
  EXPECT_TRUE(store_->credential_records().list("", 10)->empty());
}

TEST_F(PortalPageTest, DisabledUserIsSignedOut) {
  Browser b{*web_};
  sign_in(b);
  ASSERT_TRUE(users_->set_disabled("alice", true));
  EXPECT_EQ(b.get("/portal").status, 403);
}

}  // namespace
}  // namespace ssooidc::web
