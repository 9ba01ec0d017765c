// The SSO portal operations over the domain and the in-memory storage: token acceptance, error
// shapes, pagination, credentials from each source, records, rate limit and logout.
#include "portal/portal.h"

#include <gtest/gtest.h>

#include <regex>

#include "crypto/crypto.h"
#include "domain/directory_service.h"
#include "domain/user_service.h"
#include "portal/error_response.h"
#include "testing/http_values.h"
#include "testing/test_services.h"
#include "wire/portal_codec.h"

namespace ssooidc::portal {
namespace {

constexpr std::string_view kScopedToken = "aoa-scoped-token";
constexpr std::string_view kLegacyToken = "aoa-legacy-token";

class PortalTest : public ::testing::Test {
 protected:
  void SetUp() override { build({}); }

  void build(domain::Settings settings) {
    portal_.reset();
    service_.reset();
    t_ = std::make_unique<test_support::TestServices>(std::move(settings));
    store_ = t_->storage.get();
    directory_ = &t_->graph.directory;
    users_ = &t_->graph.users;
    // Beside the graph's own PortalService, which logs to standard error: this one writes its
    // log lines into log_, which the credential-command tests read.
    service_ = std::make_unique<domain::PortalService>(
        t_->graph.context, t_->graph.clients,
        [this](std::string_view line) { log_.emplace_back(line); });
    portal_ = std::make_unique<Portal>(*service_, t_->random);
    ASSERT_TRUE(users_->add("alice", "correct horse").has_value());
    ASSERT_TRUE(users_->add("bob", "correct horse").has_value());
    storage::ClientRecord scoped{"client-scoped", "h", "aws-cli", "public", {"sso:account:access"},
                                 {}, {}, "", now(), now() + 86400};
    storage::ClientRecord legacy{"client-legacy", "h", "old-cli", "public", {}, {}, {}, "", now(),
                                 now() + 86400};
    ASSERT_TRUE(store_->clients().insert(scoped).has_value());
    ASSERT_TRUE(store_->clients().insert(legacy).has_value());
    // A refreshable login of alice: access token 1 h, refresh token (the session) 8 h.
    insert_token(kScopedToken, storage::TokenKind::kAccess, "family-a", "client-scoped", "alice",
                 {"sso:account:access"}, now() + 3600);
    insert_token("aor-scoped-refresh", storage::TokenKind::kRefresh, "family-a", "client-scoped",
                 "alice", {"sso:account:access"}, now() + 8 * 3600);
    insert_token(kLegacyToken, storage::TokenKind::kAccess, "family-l", "client-legacy", "alice",
                 {}, now() + 8 * 3600);
    insert_token("aoa-bob", storage::TokenKind::kAccess, "family-b", "client-scoped", "bob",
                 {"sso:account:access"}, now() + 3600);

    put_account("111111111111", "Production");
    put_account("222222222222", "Staging");
    put_account("333333333333", "Unassigned");
    put_role("111111111111", "AdministratorAccess", 12 * 3600);
    put_role("111111111111", "ReadOnly", 3600);
    put_role("222222222222", "Developer", 3600);
    put_role("333333333333", "AdministratorAccess", 3600);
    ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", "111111111111",
                                   "AdministratorAccess").has_value());
    ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", "111111111111",
                                   "ReadOnly").has_value());
    ASSERT_TRUE(directory_->put_group({"developers", "", 0}).has_value());
    ASSERT_TRUE(directory_->add_member("developers", "alice").has_value());
    ASSERT_TRUE(directory_->assign(storage::PrincipalType::kGroup, "developers", "222222222222",
                                   "Developer").has_value());
  }

  std::int64_t now() const { return t_->clock.now_epoch_seconds(); }

  void insert_token(std::string_view token, storage::TokenKind kind, std::string family,
                    std::string client, std::string user, std::vector<std::string> scopes,
                    std::int64_t expires_at) {
    storage::TokenRecord r{crypto::sha256_hex(token), kind, std::move(family), std::move(client),
                           std::move(user), std::move(scopes), now(), expires_at};
    ASSERT_TRUE(store_->tokens().insert({r}).has_value());
  }
  void put_account(std::string id, std::string name) {
    ASSERT_TRUE(directory_->put_account({id, name, "aws+" + id + "@example.com", 0}).has_value());
  }
  void put_role(std::string account, std::string role, std::int32_t duration,
                storage::CredentialSource source = storage::CredentialSource::kMinted,
                std::vector<std::string> command = {}) {
    storage::RoleRecord r;
    r.account_id = std::move(account);
    r.role_name = std::move(role);
    r.session_duration_seconds = duration;
    r.source = source;
    r.command = std::move(command);
    if (source == storage::CredentialSource::kStatic) {
      r.static_access_key_id = "AKIASTATICEXAMPLE";
      r.static_secret_access_key = "static-secret";
    }
    auto put = directory_->put_role(r);
    ASSERT_TRUE(put.has_value()) << put.error().error_description;
  }

  core::HttpResponse call(std::string method, std::string path, std::string query,
                          std::string_view token) {
    core::HttpRequest req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.query = std::move(query);
    if (!token.empty()) req.headers.emplace_back("x-amz-sso_bearer_token", std::string(token));
    auto resp = portal_->handle(req);
    EXPECT_TRUE(resp.has_value());
    return resp.value_or(core::HttpResponse{});
  }
  core::HttpResponse credentials(std::string account, std::string role,
                                 std::string_view token = kScopedToken) {
    return call("GET", "/federation/credentials",
                "role_name=" + role + "&account_id=" + account, token);
  }
  static std::string header(const core::HttpResponse& r, std::string_view name) {
    return test_support::header_of(r, name);
  }
  static void expect_error(const core::HttpResponse& r, int status, std::string_view shape) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(header(r, "x-amzn-ErrorType"), shape);
    EXPECT_NE(r.body.find("\"__type\":\"com.amazonaws.switchboard.portal#" + std::string(shape) +
                          "\""),
              std::string::npos)
        << r.body;
  }
  std::vector<std::string> account_ids(const ListAccountsResponse& page) {
    std::vector<std::string> ids;
    for (const auto& a : page.accountList.value_or(std::vector<AccountInfo>{}))
      ids.push_back(a.accountId.value_or(""));
    return ids;
  }

  std::unique_ptr<test_support::TestServices> t_;  // rebuilt by build()
  storage::Storage* store_ = nullptr;
  std::unique_ptr<domain::PortalService> service_;
  domain::DirectoryService* directory_ = nullptr;
  domain::UserService* users_ = nullptr;
  std::unique_ptr<Portal> portal_;
  std::vector<std::string> log_;
};

TEST_F(PortalTest, UnauthorizedHasTheRealServiceBodyByteForByte) {
  auto r = call("GET", "/assignment/accounts", "", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "x-amzn-ErrorType"), "UnauthorizedException");
  EXPECT_EQ(r.body,
            R"({"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"})");
  EXPECT_FALSE(header(r, "x-amzn-RequestId").empty());
}

TEST_F(PortalTest, RejectsUnknownExpiredRevokedRefreshUnscopedAndDisabled) {
  expect_error(call("GET", "/assignment/accounts", "", "aoa-unknown"), 401, "UnauthorizedException");
  // A refresh token is not an access token.
  expect_error(call("GET", "/assignment/accounts", "", "aor-scoped-refresh"), 401,
               "UnauthorizedException");
  // A scoped registration's token without sso:account:access.
  insert_token("aoa-openid-only", storage::TokenKind::kAccess, "family-o", "client-scoped",
               "alice", {"openid"}, now() + 3600);
  expect_error(call("GET", "/assignment/accounts", "", "aoa-openid-only"), 401,
               "UnauthorizedException");
  // An unscoped token of a scoped registration is not a legacy one.
  insert_token("aoa-empty-scoped", storage::TokenKind::kAccess, "family-e", "client-scoped",
               "alice", {}, now() + 3600);
  expect_error(call("GET", "/assignment/accounts", "", "aoa-empty-scoped"), 401,
               "UnauthorizedException");
  ASSERT_TRUE(users_->set_disabled("bob", true).has_value());
  expect_error(call("GET", "/assignment/accounts", "", "aoa-bob"), 401, "UnauthorizedException");
  EXPECT_EQ(call("GET", "/assignment/accounts", "", kScopedToken).status, 200);
  t_->clock.advance_seconds(3600);  // the access token expires now
  expect_error(call("GET", "/assignment/accounts", "", kScopedToken), 401, "UnauthorizedException");
}

TEST_F(PortalTest, LegacyUnscopedRegistrationTokenIsAccepted) {
  auto r = call("GET", "/assignment/accounts", "", kLegacyToken);
  ASSERT_EQ(r.status, 200) << r.body;
  auto page = wire::decode_list_accounts_response(r.body);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(account_ids(*page), (std::vector<std::string>{"111111111111", "222222222222"}));
}

TEST_F(PortalTest, ListAccountsShowsDirectAndGroupAssignmentsOnly) {
  auto r = call("GET", "/assignment/accounts", "", kScopedToken);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"accountList":[{"accountId":"111111111111","accountName":"Production","emailAddress":"aws+111111111111@example.com"},)"
            R"({"accountId":"222222222222","accountName":"Staging","emailAddress":"aws+222222222222@example.com"}]})");
  auto bob = wire::decode_list_accounts_response(call("GET", "/assignment/accounts", "", "aoa-bob").body);
  ASSERT_TRUE(bob.has_value());
  EXPECT_TRUE(bob->accountList->empty());
}

TEST_F(PortalTest, PaginatesWithOpaqueTokensBoundToTheUser) {
  for (int i = 0; i < 5; ++i) {
    const std::string id = "90000000000" + std::to_string(i);
    put_account(id, "Acct" + std::to_string(i));
    put_role(id, "R", 3600);
    ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", id, "R").has_value());
    ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "bob", id, "R").has_value());
  }
  std::vector<std::string> seen;
  std::optional<std::string> next;
  std::string bob_token_query;
  int pages = 0;
  do {
    std::string query = "max_result=2";
    if (next) query += "&next_token=" + *next;
    auto r = call("GET", "/assignment/accounts", query, kScopedToken);
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = wire::decode_list_accounts_response(r.body);
    ASSERT_TRUE(page.has_value());
    for (auto& id : account_ids(*page)) seen.push_back(id);
    next = page->nextToken;
    if (next && bob_token_query.empty()) bob_token_query = "next_token=" + *next;
    ++pages;
  } while (next);
  EXPECT_EQ(pages, 4);  // 7 accounts, 2 per page
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // Alice's token is no good in Bob's listing, nor in a roles listing, nor when tampered with.
  expect_error(call("GET", "/assignment/accounts", bob_token_query, "aoa-bob"), 400,
               "InvalidRequestException");
  expect_error(call("GET", "/assignment/roles", "account_id=900000000000&" + bob_token_query,
                    kScopedToken),
               400, "InvalidRequestException");
  std::string forged = bob_token_query;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  expect_error(call("GET", "/assignment/accounts", forged, kScopedToken), 400,
               "InvalidRequestException");
  expect_error(call("GET", "/assignment/accounts", "next_token=garbage", kScopedToken), 400,
               "InvalidRequestException");
}

TEST_F(PortalTest, MaxResultMustBeAnIntegerFrom1To100) {
  for (const char* bad : {"0", "101", "-1", "abc", "", "1.5", "99999999999"}) {
    expect_error(call("GET", "/assignment/accounts", std::string("max_result=") + bad, kScopedToken),
                 400, "InvalidRequestException");
  }
  EXPECT_EQ(call("GET", "/assignment/accounts", "max_result=1", kScopedToken).status, 200);
  EXPECT_EQ(call("GET", "/assignment/accounts", "max_result=100", kScopedToken).status, 200);
}

TEST_F(PortalTest, ListAccountRolesAndUnassignedAccountsAreNotFound) {
  auto r = call("GET", "/assignment/roles", "account_id=111111111111", kScopedToken);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"roleList":[{"roleName":"AdministratorAccess","accountId":"111111111111"},)"
            R"({"roleName":"ReadOnly","accountId":"111111111111"}]})");
  auto unassigned = call("GET", "/assignment/roles", "account_id=333333333333", kScopedToken);
  auto missing = call("GET", "/assignment/roles", "account_id=444444444444", kScopedToken);
  expect_error(unassigned, 404, "ResourceNotFoundException");
  EXPECT_EQ(unassigned.body, missing.body);
  expect_error(call("GET", "/assignment/roles", "", kScopedToken), 400, "InvalidRequestException");
}

TEST_F(PortalTest, MintedCredentialsHaveAwsShapesAndExpireWithTheRoleOrTheSession) {
  auto r = credentials("111111111111", "ReadOnly");
  ASSERT_EQ(r.status, 200) << r.body;
  auto decoded = wire::decode_get_role_credentials_response(r.body);
  ASSERT_TRUE(decoded.has_value());
  const RoleCredentials& c = *decoded->roleCredentials;
  EXPECT_TRUE(std::regex_match(*c.accessKeyId, std::regex("ASIA[A-Z]{16}")));
  EXPECT_TRUE(std::regex_match(*c.secretAccessKey, std::regex("[A-Za-z0-9+/]{40}")));
  EXPECT_GE(c.sessionToken->size(), 100u);
  EXPECT_EQ(*c.expiration, (now() + 3600) * 1000);  // epoch milliseconds
  // A 12-hour role stops at the end of the 8-hour SSO session (the refresh token's expiry).
  auto admin = wire::decode_get_role_credentials_response(
      credentials("111111111111", "AdministratorAccess").body);
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(*admin->roleCredentials->expiration, (now() + 8 * 3600) * 1000);
  EXPECT_NE(*admin->roleCredentials->accessKeyId, *c.accessKeyId);
  // Through a group.
  EXPECT_EQ(credentials("222222222222", "Developer").status, 200);
}

TEST_F(PortalTest, EveryIssueIsRecordedWithoutTheSecret) {
  auto r = credentials("111111111111", "ReadOnly");
  auto c = *wire::decode_get_role_credentials_response(r.body)->roleCredentials;
  auto records = store_->credential_records().list("", 10);
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 1u);
  const auto& rec = records->front();
  EXPECT_EQ(rec.user_name, "alice");
  EXPECT_EQ(rec.account_id, "111111111111");
  EXPECT_EQ(rec.role_name, "ReadOnly");
  EXPECT_EQ(rec.access_key_id, *c.accessKeyId);
  EXPECT_EQ(rec.issued_at, now());
  EXPECT_EQ(rec.expires_at * 1000, *c.expiration);
}

TEST_F(PortalTest, UnassignedAndNonexistentRolesAreIndistinguishable) {
  auto unassigned = credentials("333333333333", "AdministratorAccess");
  auto no_role = credentials("111111111111", "NoSuchRole");
  auto no_account = credentials("444444444444", "AdministratorAccess");
  expect_error(unassigned, 404, "ResourceNotFoundException");
  EXPECT_EQ(unassigned.body, no_role.body);
  EXPECT_EQ(unassigned.body, no_account.body);
  EXPECT_EQ(no_role.status, 404);
  EXPECT_EQ(no_account.status, 404);
  expect_error(credentials("", "ReadOnly"), 400, "InvalidRequestException");
  expect_error(call("GET", "/federation/credentials", "account_id=111111111111", kScopedToken), 400,
               "InvalidRequestException");
  auto records = store_->credential_records().list("", 10);
  EXPECT_TRUE(records->empty());
}

TEST_F(PortalTest, StaticCredentials) {
  put_role("111111111111", "Static", 3600, storage::CredentialSource::kStatic);
  ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", "111111111111", "Static").has_value());
  auto r = credentials("111111111111", "Static");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"roleCredentials":{"accessKeyId":"AKIASTATICEXAMPLE","secretAccessKey":"static-secret","expiration":)" +
                        std::to_string((now() + 3600) * 1000) + "}}");
}

class CommandSourceTest : public PortalTest {
 protected:
  void SetUp() override {
    domain::Settings settings;
    settings.credential_command_timeout_ms = 300;
    settings.credential_command_max_output_bytes = 1024;
    build(settings);
  }
  core::HttpResponse run_script(std::string script) {
    put_role("111111111111", "Cmd", 3600, storage::CredentialSource::kCommand,
             {"/bin/sh", "-c", std::move(script), "sh", "{account_id}", "{role_name}", "{user_name}"});
    EXPECT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", "111111111111", "Cmd").has_value());
    return credentials("111111111111", "Cmd");
  }
  void expect_failed(const core::HttpResponse& r, std::string_view reason) {
    expect_error(r, 500, "InternalServerException");
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << r.body;
    ASSERT_EQ(log_.size(), 1u);
    EXPECT_NE(log_[0].find("role Cmd in account 111111111111 (user alice)"), std::string::npos) << log_[0];
    EXPECT_NE(log_[0].find(reason), std::string::npos) << log_[0];
    EXPECT_EQ(log_[0].find("SECRET"), std::string::npos) << log_[0];
    EXPECT_TRUE(store_->credential_records().list("", 10)->empty());
  }
};

TEST_F(CommandSourceTest, SuccessPassesAccountRoleAndUserAsArgumentsAndEnvironment) {
  auto r = run_script(
      R"(test "$1/$2/$3" = "111111111111/Cmd/alice" || exit 7
test "$SSOOIDC_ACCOUNT_ID/$SSOOIDC_ROLE_NAME/$SSOOIDC_USER_NAME" = "111111111111/Cmd/alice" || exit 8
printf '{"Version":1,"AccessKeyId":"ASIACOMMAND","SecretAccessKey":"s3cr3t","SessionToken":"tok","Expiration":"2030-01-02T03:04:05Z"}')");
  ASSERT_EQ(r.status, 200) << r.body << (log_.empty() ? "" : log_[0]);
  EXPECT_EQ(r.body, R"({"roleCredentials":{"accessKeyId":"ASIACOMMAND","secretAccessKey":"s3cr3t","sessionToken":"tok","expiration":1893553445000}})");
  EXPECT_EQ(store_->credential_records().list("", 10)->front().access_key_id, "ASIACOMMAND");
}

TEST_F(CommandSourceTest, NonZeroExitIsA500WithoutItsOutput) {
  expect_failed(run_script("echo SECRET; echo SECRET >&2; exit 3"), "exited with status 3");
}

TEST_F(CommandSourceTest, TimeoutKillsTheProgram) {
  expect_failed(run_script("echo SECRET; sleep 30"), "timed out after 300 ms");
}

TEST_F(CommandSourceTest, OversizedOutputIsRefused) {
  expect_failed(run_script("i=0; while [ $i -lt 200 ]; do echo SECRETSECRET; i=$((i+1)); done"),
                "printed more than 1024 bytes");
}

TEST_F(CommandSourceTest, InvalidJsonIsRefused) {
  expect_failed(run_script("echo '{\"Version\":1,\"AccessKeyId\":\"SECRET\"'"), "not valid JSON");
}

TEST_F(CommandSourceTest, MissingSecretIsRefused) {
  expect_failed(run_script(R"(echo '{"Version":1,"AccessKeyId":"SECRET"}')"), "SecretAccessKey");
}

TEST_F(CommandSourceTest, ProgramThatCannotStartIsRefused) {
  put_role("111111111111", "Cmd", 3600, storage::CredentialSource::kCommand,
           {"/nonexistent/credential-helper"});
  ASSERT_TRUE(directory_->assign(storage::PrincipalType::kUser, "alice", "111111111111", "Cmd").has_value());
  auto r = credentials("111111111111", "Cmd");
  expect_error(r, 500, "InternalServerException");
  ASSERT_EQ(log_.size(), 1u);
}

TEST_F(PortalTest, RateLimitPerTokenAnswers429AndRecovers) {
  domain::Settings settings;
  settings.portal_requests_per_second = 2;
  settings.portal_burst = 3;
  build(settings);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/assignment/accounts", "", kScopedToken).status, 200);
  expect_error(call("GET", "/assignment/accounts", "", kScopedToken), 429,
               "TooManyRequestsException");
  // Another token has its own bucket.
  EXPECT_EQ(call("GET", "/assignment/accounts", "", kLegacyToken).status, 200);
  t_->clock.advance_millis(500);  // one request's worth at 2/s
  EXPECT_EQ(call("GET", "/assignment/accounts", "", kScopedToken).status, 200);
  expect_error(call("GET", "/assignment/accounts", "", kScopedToken), 429,
               "TooManyRequestsException");
}

TEST_F(PortalTest, LogoutRevokesTheWholeFamily) {
  auto r = call("POST", "/logout", "", kScopedToken);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  expect_error(call("GET", "/assignment/accounts", "", kScopedToken), 401, "UnauthorizedException");
  auto refresh = store_->tokens().find(crypto::sha256_hex("aor-scoped-refresh"));
  ASSERT_TRUE(refresh.has_value() && refresh->has_value());
  EXPECT_TRUE((*refresh)->revoked);
  // Other logins stay.
  EXPECT_EQ(call("GET", "/assignment/accounts", "", kLegacyToken).status, 200);
  expect_error(call("POST", "/logout", "", kScopedToken), 401, "UnauthorizedException");
}

TEST_F(PortalTest, ChangesFromElsewhereAreSeenWithinTheCacheTime) {
  EXPECT_EQ(call("GET", "/assignment/accounts", "", "aoa-bob").status, 200);
  EXPECT_EQ(credentials("111111111111", "ReadOnly").status, 200);
  // As an operator command in another process would: the storage changes under the service.
  ASSERT_TRUE(users_->set_disabled("bob", true).has_value());
  ASSERT_TRUE(directory_->unassign(storage::PrincipalType::kUser, "alice", "111111111111",
                                   "ReadOnly").has_value());
  EXPECT_EQ(call("GET", "/assignment/accounts", "", "aoa-bob").status, 200);  // cached
  EXPECT_EQ(credentials("111111111111", "ReadOnly").status, 200);             // cached
  t_->clock.advance_millis(999);
  EXPECT_EQ(call("GET", "/assignment/accounts", "", "aoa-bob").status, 200);
  t_->clock.advance_millis(1);  // Settings::portal_cache_ms is 1000
  expect_error(call("GET", "/assignment/accounts", "", "aoa-bob"), 401, "UnauthorizedException");
  expect_error(credentials("111111111111", "ReadOnly"), 404, "ResourceNotFoundException");
}

TEST_F(PortalTest, WithoutTheCacheChangesAreSeenAtOnce) {
  domain::Settings settings;
  settings.portal_cache_ms = 0;
  build(settings);
  EXPECT_EQ(credentials("111111111111", "ReadOnly").status, 200);
  ASSERT_TRUE(directory_->unassign(storage::PrincipalType::kUser, "alice", "111111111111",
                                   "ReadOnly").has_value());
  expect_error(credentials("111111111111", "ReadOnly"), 404, "ResourceNotFoundException");
  ASSERT_TRUE(users_->set_disabled("alice", true).has_value());
  expect_error(call("GET", "/assignment/accounts", "", kScopedToken), 401, "UnauthorizedException");
}

TEST_F(PortalTest, WrongMethodIs405AndOtherPathsAreNotThePortals) {
  auto r = call("POST", "/assignment/accounts", "", kScopedToken);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
  EXPECT_EQ(call("GET", "/logout", "", kScopedToken).status, 405);
  core::HttpRequest other;
  other.method = "GET";
  other.path = "/token";
  EXPECT_FALSE(portal_->handle(other).has_value());
}

TEST_F(PortalTest, StorageFailureDetailsStayInside) {
  auto r = error_response(Error::make(ErrorType::kInternalServer, "storage: find token: disk I/O error"), "id");
  expect_error(r, 500, "InternalServerException");
  EXPECT_EQ(r.body.find("disk"), std::string::npos);
}

}  // namespace
}  // namespace ssooidc::portal
