#include <gtest/gtest.h>

#include "client/client_internal.h"
#include "client/fake_transport.h"
#include "client/scripted_client_test.h"
#include "testing/fake_random.h"
#include "wire/portal_codec.h"

namespace ssooidc::client {
namespace {

using testing::FakeTransport;
using testing::ok;

// An answer shaped like the real portal's errors: x-amzn-ErrorType, a lower-case `message` and
// the `__type` the real service also puts in the body.
HttpReply portal_error(int status, const std::string& shape, const std::string& message) {
  return HttpReply{status,
                   {{"Content-Type", "application/json"},
                    {"x-amzn-RequestId", "req-" + shape},
                    {"x-amzn-ErrorType", shape}},
                   "{\"message\":\"" + message +
                       "\",\"__type\":\"com.amazonaws.switchboard.portal#" + shape + "\"}"};
}

class PortalClientTest : public testing::ScriptedClientTest {
 protected:
  PortalClientTest() : ScriptedClientTest(1764583200) {
    env.set_env("AWS_REGION", "eu-west-1");
    env.set_env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:8080");
  }

  PortalClient make(Config config = {}) {
    auto c = make_portal_client(std::move(config), scripted_dependencies(random));
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().error_description);
    return std::move(*c);
  }

  test_support::FakeRandom random{std::vector<std::uint8_t>{0}};  // every byte 0
};

TEST_F(PortalClientTest, ResolvesThePortalEndpointNotTheOidcOne) {
  env.set_env("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9999");
  PortalClient c = make();
  EXPECT_EQ(c.endpoint(), "http://127.0.0.1:8080");
  EXPECT_EQ(c.region(), "eu-west-1");
  EXPECT_EQ(c.profile(), "default");
}

TEST_F(PortalClientTest, GetRoleCredentialsSendsTheModeledRequest) {
  answer("/federation/credentials?role_name=AdministratorAccess&account_id=111122223333",
         ok(R"({"roleCredentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"secret",)"
            R"("sessionToken":"session","expiration":1764586800123}})"));
  PortalClient c = make();
  auto r = c.get_role_credentials(
      {.roleName = "AdministratorAccess", .accountId = "111122223333", .accessToken = "token-1"});
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  ASSERT_TRUE(r->roleCredentials.has_value());
  EXPECT_EQ(r->roleCredentials->accessKeyId, "ASIAEXAMPLE");
  EXPECT_EQ(r->roleCredentials->secretAccessKey, "secret");
  EXPECT_EQ(r->roleCredentials->sessionToken, "session");
  EXPECT_EQ(r->roleCredentials->expiration, 1764586800123);

  ASSERT_EQ(shared->calls.size(), 1u);
  const HttpCall& call = shared->calls[0];
  EXPECT_EQ(call.method, "GET");
  EXPECT_EQ(call.url,
            "http://127.0.0.1:8080/federation/credentials?role_name=AdministratorAccess&"
            "account_id=111122223333");
  EXPECT_EQ(header(call, "x-amz-sso_bearer_token"), "token-1");
  EXPECT_EQ(header(call, "Host"), "127.0.0.1:8080");
  EXPECT_EQ(header(call, "Authorization"), "<absent>");  // unsigned
  EXPECT_EQ(header(call, "Content-Type"), "<absent>");
  EXPECT_EQ(call.body, "");
}

TEST_F(PortalClientTest, QueryValuesArePercentEncodedLikeBotocore) {
  // botocore 1.43: ?max_result=5&next_token=a%20b%2F%2B%3D for nextToken "a b/+=".
  answer("/assignment/accounts?max_result=5&next_token=a%20b%2F%2B%3D", ok("{}"));
  answer("/federation/credentials?role_name=R%20x%26y&account_id=1%3D2", ok("{}"));
  PortalClient c = make();
  ASSERT_TRUE(c.list_accounts({.nextToken = "a b/+=", .maxResults = 5, .accessToken = "t"}));
  ASSERT_TRUE(
      c.get_role_credentials({.roleName = "R x&y", .accountId = "1=2", .accessToken = "t"}));
}

TEST_F(PortalClientTest, ListAccountsOmitsUnsetParameters) {
  answer(
      "/assignment/accounts",
      ok(R"({"accountList":[{"accountId":"111122223333","accountName":"dev",)"
         R"("emailAddress":"dev@example.com"},{"accountId":"444455556666"}],"nextToken":null})"));
  PortalClient c = make();
  auto r = c.list_accounts({.accessToken = "t"});
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  ASSERT_TRUE(r->accountList.has_value());
  ASSERT_EQ(r->accountList->size(), 2u);
  EXPECT_EQ((*r->accountList)[0].accountName, "dev");
  EXPECT_EQ((*r->accountList)[0].emailAddress, "dev@example.com");
  EXPECT_EQ((*r->accountList)[1].accountId, "444455556666");
  EXPECT_FALSE((*r->accountList)[1].accountName.has_value());
  EXPECT_FALSE(r->nextToken.has_value());
  EXPECT_EQ(shared->calls[0].url, "http://127.0.0.1:8080/assignment/accounts");
}

TEST_F(PortalClientTest, ListAccountRolesPutsTheAccountFirst) {
  answer(
      "/assignment/roles?account_id=111122223333&max_result=100",
      ok(R"({"roleList":[{"roleName":"ReadOnly","accountId":"111122223333"}],"nextToken":"n1"})"));
  PortalClient c = make();
  auto r =
      c.list_account_roles({.maxResults = 100, .accessToken = "t", .accountId = "111122223333"});
  ASSERT_TRUE(r.has_value()) << r.error().error_description;
  ASSERT_EQ(r->roleList->size(), 1u);
  EXPECT_EQ((*r->roleList)[0].roleName, "ReadOnly");
  EXPECT_EQ(r->nextToken, "n1");
  EXPECT_EQ(header(shared->calls[0], "x-amz-sso_bearer_token"), "t");
}

TEST_F(PortalClientTest, LogoutPostsWithoutBody) {
  answer("/logout", HttpReply{200, {}, ""});
  PortalClient c = make();
  ASSERT_TRUE(c.logout({.accessToken = "token-2"}).has_value());
  const HttpCall& call = shared->calls.at(0);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "http://127.0.0.1:8080/logout");
  EXPECT_EQ(call.body, "");
  EXPECT_EQ(header(call, "Content-Type"), "<absent>");
  EXPECT_EQ(header(call, "x-amz-sso_bearer_token"), "token-2");
}

TEST_F(PortalClientTest, EndpointPathPrefixIsKept) {
  env.set_env("AWS_ENDPOINT_URL_SSO", "https://proxy.example.com/sso/");
  answer("/sso/logout", HttpReply{200, {}, ""});
  PortalClient c = make();
  ASSERT_TRUE(c.logout({.accessToken = "t"}).has_value());
  EXPECT_EQ(shared->calls[0].url, "https://proxy.example.com/sso/logout");
  EXPECT_EQ(header(shared->calls[0], "Host"), "proxy.example.com");
}

TEST_F(PortalClientTest, EachPortalErrorShapeIsTyped) {
  struct Case {
    int status;
    std::string shape;
    ErrorType type;
  };
  for (const Case& k : {Case{400, "InvalidRequestException", ErrorType::kInvalidRequest},
                        Case{401, "UnauthorizedException", ErrorType::kUnauthorized},
                        Case{404, "ResourceNotFoundException", ErrorType::kResourceNotFound}}) {
    answer("/federation/credentials?role_name=R&account_id=A",
           portal_error(k.status, k.shape, "text of " + k.shape));
    PortalClient c = make();
    auto r = c.get_role_credentials({.roleName = "R", .accountId = "A", .accessToken = "t"});
    ASSERT_FALSE(r.has_value()) << k.shape;
    EXPECT_EQ(r.error().type, k.type) << k.shape;
    EXPECT_EQ(r.error().shape(), k.shape);
    EXPECT_EQ(r.error().http_status, k.status);
    EXPECT_EQ(r.error().error_description, "text of " + k.shape);
    EXPECT_EQ(r.error().request_id, "req-" + k.shape);
  }
  // None of them was retried.
  EXPECT_EQ(shared->calls.size(), 3u);
  EXPECT_TRUE(sleeper.sleeps.empty());
}

TEST_F(PortalClientTest, TheBodyTypeAloneIdentifiesTheError) {
  // A proxy that drops x-amzn-ErrorType: the real service's `__type` is enough.
  answer("/logout",
         HttpReply{401,
                   {},
                   R"({"message":"Session token not found or invalid",)"
                   R"("__type":"com.amazonaws.switchboard.portal#UnauthorizedException"})"});
  PortalClient c = make();
  auto r = c.logout({.accessToken = "t"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kUnauthorized);
  EXPECT_EQ(r.error().error_description, "Session token not found or invalid");
}

TEST_F(PortalClientTest, TooManyRequestsIsRetriedWithBackoffThenReported) {
  for (int i = 0; i < 3; ++i) {
    answer("/assignment/accounts", portal_error(429, "TooManyRequestsException", "slow down"));
  }
  Config config;
  config.max_retries = 2;
  PortalClient c = make(config);
  auto r = c.list_accounts({.accessToken = "t"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kTooManyRequests);
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(shared->calls.size(), 3u);
  EXPECT_EQ(sleeper.sleeps.size(), 2u);
}

TEST_F(PortalClientTest, TooManyRequestsThenSuccess) {
  answer("/assignment/accounts", portal_error(429, "TooManyRequestsException", "slow down"));
  answer("/assignment/accounts", ok(R"({"accountList":[]})"));
  PortalClient c = make();
  auto r = c.list_accounts({.accessToken = "t"});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->accountList->empty());
}

TEST_F(PortalClientTest, PaginationFollowsNextTokenToTheEnd) {
  answer("/assignment/accounts?max_result=2",
         ok(R"({"accountList":[{"accountId":"1"},{"accountId":"2"}],"nextToken":"p2"})"));
  answer("/assignment/accounts?max_result=2&next_token=p2",
         ok(R"({"accountList":[{"accountId":"3"},{"accountId":"4"}],"nextToken":"p3"})"));
  answer("/assignment/accounts?max_result=2&next_token=p3",
         ok(R"({"accountList":[{"accountId":"5"}],"nextToken":""})"));
  PortalClient c = make();
  auto all = c.list_all_accounts("t", 2);
  ASSERT_TRUE(all.has_value()) << all.error().error_description;
  std::vector<std::string> ids;
  for (const auto& a : *all) ids.push_back(a.accountId.value_or("?"));
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(shared->calls.size(), 3u);
}

TEST_F(PortalClientTest, RolePaginationWithoutPageSize) {
  answer("/assignment/roles?account_id=A",
         ok(R"({"roleList":[{"roleName":"a","accountId":"A"}],"nextToken":"x"})"));
  answer("/assignment/roles?account_id=A&next_token=x",
         ok(R"({"roleList":[{"roleName":"b","accountId":"A"}]})"));
  PortalClient c = make();
  auto all = c.list_all_account_roles("t", "A");
  ASSERT_TRUE(all.has_value()) << all.error().error_description;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].roleName, "b");
}

TEST_F(PortalClientTest, PaginationStopsOnARepeatedToken) {
  answer("/assignment/accounts", ok(R"({"accountList":[],"nextToken":"same"})"));
  answer("/assignment/accounts?next_token=same", ok(R"({"accountList":[],"nextToken":"same"})"));
  PortalClient c = make();
  auto all = c.list_all_accounts("t");
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(all.error().type, ErrorType::kUnknown);
  EXPECT_NE(all.error().error_description.find("nextToken"), std::string::npos);
  EXPECT_EQ(shared->calls.size(), 2u);
}

TEST_F(PortalClientTest, PaginationReturnsAPageError) {
  answer("/assignment/accounts", ok(R"({"accountList":[{"accountId":"1"}],"nextToken":"forged"})"));
  answer("/assignment/accounts?next_token=forged",
         portal_error(400, "InvalidRequestException", "bad next_token"));
  PortalClient c = make();
  auto all = c.list_all_accounts("t");
  ASSERT_FALSE(all.has_value());
  EXPECT_EQ(all.error().type, ErrorType::kInvalidRequest);
  EXPECT_EQ(all.error().http_status, 400);
}

TEST_F(PortalClientTest, MalformedSuccessBodyNamesTheMember) {
  answer("/federation/credentials?role_name=R&account_id=A",
         ok(R"({"roleCredentials":{"expiration":"soon"}})"));
  PortalClient c = make();
  auto r = c.get_role_credentials({.roleName = "R", .accountId = "A", .accessToken = "t"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kUnknown);
  EXPECT_EQ(r.error().http_status, 200);
  EXPECT_EQ(r.error().error_description,
            "malformed response: Response body: member 'expiration' has the wrong type");
}

TEST_F(PortalClientTest, TransportErrorsAreReported) {
  Config config;
  config.max_retries = 0;
  PortalClient c = make(config);  // nothing scripted: the fake reports a transport failure
  auto r = c.list_accounts({.accessToken = "t"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, ErrorType::kTransport);
  EXPECT_EQ(r.error().http_status, 0);
}

// The shared wire decoders, as the client meets them.
TEST(PortalCodecTest, DecodersAreLenientAboutShapeButNotTypes) {
  EXPECT_TRUE(wire::decode_list_accounts_response("").has_value());
  EXPECT_TRUE(wire::decode_list_accounts_response(R"({"unknown":1,"accountList":null})"));
  auto wrong_list = wire::decode_list_accounts_response(R"({"accountList":{}})");
  ASSERT_FALSE(wrong_list.has_value());
  EXPECT_EQ(wrong_list.error().type, ErrorType::kUnknown);
  EXPECT_NE(wrong_list.error().error_description.find("accountList"), std::string::npos);
  auto wrong_item = wire::decode_list_account_roles_response(R"({"roleList":[{"roleName":1}]})");
  ASSERT_FALSE(wrong_item.has_value());
  EXPECT_EQ(wrong_item.error().type, ErrorType::kUnknown);
  EXPECT_FALSE(wire::decode_get_role_credentials_response("[1]").has_value());
  // Integral numbers in another notation (a Java service may write 1.5E3).
  auto exp =
      wire::decode_get_role_credentials_response(R"({"roleCredentials":{"expiration":1.5E3}})");
  ASSERT_TRUE(exp.has_value());
  EXPECT_EQ(exp->roleCredentials->expiration, 1500);
}

}  // namespace
}  // namespace ssooidc::client
