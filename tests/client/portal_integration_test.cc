// ssooidc::PortalClient against the real ssooidc-server on loopback: credentials, listings through
// every page at several page sizes, Logout, and each error type the portal produces, with its
// type, HTTP status and request id.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "server_process.h"
#include "ssooidc/client.h"
#include "ssooidc/portal_client.h"

namespace ssooidc {
namespace {

using testing::ServerProcess;

constexpr const char* kStartUrl = "https://d-0000000000.awsapps.com/start";
constexpr int kAccounts = 23;

std::string account_id(int i) {
  std::string digits = std::to_string(i);
  return "1000000000" + std::string(2 - digits.size(), '0') + digits;
}

class PortalIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = new ServerProcess();
    server->add_user("carol");
    server->add_user("dave");
    for (int i = 0; i < kAccounts; ++i) {
      const std::string id = account_id(i);
      ASSERT_EQ(server->admin({"account", "add", id, "--name", "acct-" + std::to_string(i)}), 0);
      ASSERT_EQ(server->admin({"role", "add", id, "Developer"}), 0);
      ASSERT_EQ(server->admin({"assign", "--user", "carol", id, "Developer"}), 0);
    }
    ASSERT_EQ(server->admin({"role", "add", account_id(0), "Admin"}), 0);  // not carol's
    ASSERT_EQ(server->admin({"account", "add", "999999999999", "--name", "daves"}), 0);
    ASSERT_EQ(server->admin({"role", "add", "999999999999", "Developer"}), 0);
    ASSERT_EQ(server->admin({"assign", "--user", "dave", "999999999999", "Developer"}), 0);
    carol_token = new std::string(log_in("carol"));
  }
  static void TearDownTestSuite() {
    delete carol_token;
    delete server;
    server = nullptr;
  }

  static Config config() {
    Config c;
    c.endpoint = server->url();
    c.region = "us-east-1";
    c.max_retries = 0;  // every error must surface as the server sent it
    return c;
  }

  static PortalClient portal() {
    auto p = PortalClient::create(config());
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().error_description);
    return std::move(*p);
  }

  // The device flow with the OIDC client, approved for `user` by the operator command.
  static std::string log_in(const std::string& user) {
    auto c = Client::create(config());
    if (!c) return "";
    auto reg = c->register_client({.clientName = "portal-it",
                                   .clientType = "public",
                                   .scopes = std::vector<std::string>{"sso:account:access"}});
    if (!reg) return "";
    auto auth = c->start_device_authorization({*reg->clientId, *reg->clientSecret, kStartUrl});
    if (!auth) return "";
    if (server->admin({"device", "approve", *auth->userCode, "--user", user}) != 0) return "";
    CreateTokenRequest poll{.clientId = *reg->clientId,
                            .clientSecret = *reg->clientSecret,
                            .grantType = std::string(kGrantDeviceCode),
                            .deviceCode = *auth->deviceCode};
    auto token = c->create_token(poll);
    for (int i = 0; !token && i < 10; ++i) {  // the poll interval, as a real client waits it
      std::this_thread::sleep_for(std::chrono::seconds(auth->interval.value_or(1)));
      token = c->create_token(poll);
    }
    return token && token->accessToken ? *token->accessToken : "";
  }

  static void expect_error(const Error& e, ErrorType type, int status) {
    EXPECT_EQ(e.type, type) << "got " << e.shape() << ": " << e.error_description;
    EXPECT_EQ(e.http_status, status);
    EXPECT_FALSE(e.request_id.empty());
    EXPECT_FALSE(e.error_description.empty());
  }

  static ServerProcess* server;
  static std::string* carol_token;
};

ServerProcess* PortalIntegrationTest::server = nullptr;
std::string* PortalIntegrationTest::carol_token = nullptr;

TEST_F(PortalIntegrationTest, EveryPageSizeListsTheSameAccounts) {
  ASSERT_FALSE(carol_token->empty());
  PortalClient p = portal();
  std::vector<std::string> expected;
  for (int i = 0; i < kAccounts; ++i) expected.push_back(account_id(i));
  for (std::optional<std::int32_t> size : {std::optional<std::int32_t>(1), {7}, {100}, {}}) {
    auto all = p.list_all_accounts(*carol_token, size);
    ASSERT_TRUE(all.has_value()) << all.error().error_description;
    std::vector<std::string> ids;
    for (const auto& a : *all) ids.push_back(a.accountId.value_or(""));
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, expected) << "page size " << size.value_or(0);
  }
  auto one = p.list_accounts({.maxResults = 1, .accessToken = *carol_token});
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->accountList->size(), 1u);
  EXPECT_TRUE(one->nextToken.has_value());
}

TEST_F(PortalIntegrationTest, RolesAndCredentials) {
  PortalClient p = portal();
  auto roles = p.list_all_account_roles(*carol_token, account_id(0), 1);
  ASSERT_TRUE(roles.has_value()) << roles.error().error_description;
  ASSERT_EQ(roles->size(), 1u);  // Admin exists but is not assigned to carol
  EXPECT_EQ((*roles)[0].roleName, "Developer");
  EXPECT_EQ((*roles)[0].accountId, account_id(0));

  const auto before = std::chrono::system_clock::now();
  auto creds = p.get_role_credentials(
      {.roleName = "Developer", .accountId = account_id(3), .accessToken = *carol_token});
  ASSERT_TRUE(creds.has_value()) << creds.error().error_description;
  const RoleCredentials& c = *creds->roleCredentials;
  ASSERT_TRUE(c.accessKeyId && c.secretAccessKey && c.sessionToken && c.expiration);
  EXPECT_TRUE(c.accessKeyId->starts_with("ASIA")) << *c.accessKeyId;
  EXPECT_EQ(c.accessKeyId->size(), 20u);
  EXPECT_EQ(c.secretAccessKey->size(), 40u);
  // Epoch milliseconds, later than now and at most the SSO session away (1 h by default).
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  EXPECT_GT(*c.expiration, now_ms);
  EXPECT_LE(*c.expiration, now_ms + 3600 * 1000 + 60 * 1000);
}

TEST_F(PortalIntegrationTest, ErrorsAreTypedAsTheServerSendsThem) {
  PortalClient p = portal();
  auto bad_token = p.list_accounts({.accessToken = "not-a-token"});
  ASSERT_FALSE(bad_token.has_value());
  expect_error(bad_token.error(), ErrorType::kUnauthorized, 401);

  auto too_big = p.list_accounts({.maxResults = 101, .accessToken = *carol_token});
  ASSERT_FALSE(too_big.has_value());
  expect_error(too_big.error(), ErrorType::kInvalidRequest, 400);

  auto forged = p.list_accounts({.nextToken = "forged", .accessToken = *carol_token});
  ASSERT_FALSE(forged.has_value());
  expect_error(forged.error(), ErrorType::kInvalidRequest, 400);

  // Not assigned (dave's account, an unassigned role) and nonexistent read the same.
  for (auto [account, role] : {std::pair<std::string, std::string>{"999999999999", "Developer"},
                               {account_id(0), "Admin"},
                               {"123412341234", "Developer"}}) {
    auto r = p.get_role_credentials(
        {.roleName = role, .accountId = account, .accessToken = *carol_token});
    ASSERT_FALSE(r.has_value()) << account << " " << role;
    expect_error(r.error(), ErrorType::kResourceNotFound, 404);
  }
  // The model requires both query parameters.
  auto missing = p.get_role_credentials(
      {.roleName = "", .accountId = account_id(0), .accessToken = *carol_token});
  ASSERT_FALSE(missing.has_value());
  expect_error(missing.error(), ErrorType::kInvalidRequest, 400);
}

TEST_F(PortalIntegrationTest, LogoutRevokesTheToken) {
  const std::string token = log_in("carol");
  ASSERT_FALSE(token.empty());
  PortalClient p = portal();
  ASSERT_TRUE(p.list_accounts({.maxResults = 1, .accessToken = token}).has_value());
  auto out = p.logout({token});
  ASSERT_TRUE(out.has_value()) << out.error().error_description;
  auto after = p.get_role_credentials(
      {.roleName = "Developer", .accountId = account_id(0), .accessToken = token});
  ASSERT_FALSE(after.has_value());
  expect_error(after.error(), ErrorType::kUnauthorized, 401);
  // The other token of the same user is untouched.
  EXPECT_TRUE(p.list_accounts({.maxResults = 1, .accessToken = *carol_token}).has_value());
}

}  // namespace
}  // namespace ssooidc
