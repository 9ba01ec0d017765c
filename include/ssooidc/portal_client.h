// ssooidc::PortalClient: a client for the AWS SSO portal API (service `sso`, API 2019-06-10), the
// API that turns an SSO access token into the accounts, roles and AWS credentials of its user,
// on AWS (portal.sso.<region>.amazonaws.com) or on ssooidc-server.
//
//   auto portal = ssooidc::PortalClient::create({.region = "us-east-1"});
//   auto creds = portal->get_role_credentials(
//       {.roleName = "AdministratorAccess", .accountId = "111122223333", .accessToken = token});
//
// It takes the same Config as ssooidc::Client (client.h) and resolves it the same way, except for
// the endpoint, resolved as the AWS SDKs do for the `sso` service:
//   endpoint  config.endpoint, else AWS_ENDPOINT_URL_SSO, else AWS_ENDPOINT_URL, else the
//             profile's `services` section (`sso` -> `endpoint_url`) or `endpoint_url`, else
//             https://portal.sso.{region}.{DNS suffix of the region's partition}. Configured
//             endpoints are skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
// `config.credentials` is not used: all four operations are unsigned, and the credential is the
// access token, sent in the header `x-amz-sso_bearer_token`. Query values are percent-encoded
// (RFC 3986 unreserved characters kept).
//
// Every operation returns the decoded response or an Error:
//   - a service error with its type from x-amzn-ErrorType (else body `__type`), the body's
//     `message` as error_description, http_status and request_id set:
//       ErrorType::kInvalidRequest    400 InvalidRequestException (bad or missing parameter,
//                                         maxResults outside 1..100, a nextToken not issued by
//                                         the service)
//       ErrorType::kUnauthorized      401 UnauthorizedException (missing, unknown, expired or
//                                         revoked token)
//       ErrorType::kResourceNotFound  404 ResourceNotFoundException (no such account or role, or
//                                         not assigned to the token's user)
//       ErrorType::kTooManyRequests   429 TooManyRequestsException (retried first, see below)
//     A type the library does not know is ErrorType::kUnknown with the raw name in `error`;
//   - ErrorType::kTransport when no HTTP answer arrived (connect failure, timeout, TLS);
//   - ErrorType::kUnknown for a success answer whose body cannot be decoded.
// 5xx answers, 429 / TooManyRequestsException and transport errors are retried up to
// config.max_retries times with full-jitter exponential backoff (capped at 20 s); the other
// errors never are.
//
// Thread safety: as Client, one HTTP connection reused; calls from several threads are safe but
// run one at a time.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssooidc/config.h"
#include "ssooidc/error.h"
#include "ssooidc/portal_types.h"

namespace ssooidc {

class PortalClient {
 public:
  struct Impl;  // defined by the library

  // The most pages list_all_accounts / list_all_account_roles follow before giving up
  // (ErrorType::kUnknown): at the service's page size of 100 that is a million entries.
  static constexpr int kMaxPages = 10000;

  // Resolves the Config as Client::create does (client.h), with the portal's endpoint rules
  // above, and fails the same way (ErrorType::kConfiguration).
  [[nodiscard]] static std::expected<PortalClient, Error> create(const Config& config = {});

  // Move-only: a PortalClient owns its HTTP connection (Impl), which no copy may share.
  explicit PortalClient(std::unique_ptr<Impl> impl) noexcept;
  PortalClient(PortalClient&&) noexcept;
  PortalClient& operator=(PortalClient&&) noexcept;
  ~PortalClient();

  // GET /federation/credentials?role_name=R&account_id=A. The credentials of a role assigned to
  // the token's user; `expiration` in epoch milliseconds.
  [[nodiscard]] std::expected<GetRoleCredentialsResponse, Error> get_role_credentials(
      const GetRoleCredentialsRequest& request);
  // GET /assignment/accounts?max_result=N&next_token=T (each only when set). One page.
  [[nodiscard]] std::expected<ListAccountsResponse, Error> list_accounts(
      const ListAccountsRequest& request);
  // GET /assignment/roles?account_id=A&max_result=N&next_token=T. One page.
  [[nodiscard]] std::expected<ListAccountRolesResponse, Error> list_account_roles(
      const ListAccountRolesRequest& request);
  // POST /logout with no body. Succeeds on any 2xx answer (the service sends an empty 200); the
  // service then refuses the token and its refresh token.
  [[nodiscard]] std::expected<void, Error> logout(const LogoutRequest& request);

  // Every account of the token's user: list_accounts from the first page, following nextToken
  // until an answer has none (or an empty one), as the model's paginator does. `page_size` is
  // sent as maxResults on each page (nullopt: the service's default). Returns the Error of a
  // failing page as is (nothing of the earlier pages); ErrorType::kUnknown when the service sends
  // the nextToken it was just given (it would never end) or more than kMaxPages pages.
  [[nodiscard]] std::expected<std::vector<AccountInfo>, Error> list_all_accounts(
      const std::string& access_token, std::optional<std::int32_t> page_size = std::nullopt);
  // Every role of the token's user in `account_id`, paginated like list_all_accounts.
  [[nodiscard]] std::expected<std::vector<RoleInfo>, Error> list_all_account_roles(
      const std::string& access_token, const std::string& account_id,
      std::optional<std::int32_t> page_size = std::nullopt);

  // What create() resolved.
  [[nodiscard]] const std::string& region() const noexcept;
  [[nodiscard]] const std::string& endpoint() const noexcept;
  [[nodiscard]] const std::string& profile() const noexcept;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssooidc
