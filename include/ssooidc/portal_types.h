// Request and response types of the SSO portal API (service `sso`, API 2019-06-10:
// GetRoleCredentials, ListAccounts, ListAccountRoles, Logout), with the model's member names,
// and the `credential_process` output that external credential programs print.
//
// Every request carries the SSO access token in the `x-amz-sso_bearer_token` header; the other
// request members travel in the query string under the names given beside them.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssooidc {

inline constexpr std::string_view kPortalBearerHeader = "x-amz-sso_bearer_token";

struct GetRoleCredentialsRequest {
  std::string roleName;   // ?role_name=
  std::string accountId;  // ?account_id=
  std::string accessToken;
};

struct RoleCredentials {
  std::optional<std::string> accessKeyId;
  std::optional<std::string> secretAccessKey;
  std::optional<std::string> sessionToken;
  std::optional<std::int64_t> expiration;  // epoch MILLISECONDS
};

struct GetRoleCredentialsResponse {
  std::optional<RoleCredentials> roleCredentials;
};

struct ListAccountsRequest {
  std::optional<std::string> nextToken;  // ?next_token=
  std::optional<std::int32_t> maxResults;  // ?max_result=, 1..100
  std::string accessToken;
};

struct AccountInfo {
  std::optional<std::string> accountId;
  std::optional<std::string> accountName;
  std::optional<std::string> emailAddress;
};

struct ListAccountsResponse {
  std::optional<std::string> nextToken;
  std::optional<std::vector<AccountInfo>> accountList;
};

struct ListAccountRolesRequest {
  std::optional<std::string> nextToken;    // ?next_token=
  std::optional<std::int32_t> maxResults;  // ?max_result=, 1..100
  std::string accessToken;
  std::string accountId;  // ?account_id=
};

struct RoleInfo {
  std::optional<std::string> roleName;
  std::optional<std::string> accountId;
};

struct ListAccountRolesResponse {
  std::optional<std::string> nextToken;
  std::optional<std::vector<RoleInfo>> roleList;
};

struct LogoutRequest {
  std::string accessToken;
};

// What a `credential_process` program prints (AWS CLI/SDK "sourcing credentials with an external
// process"): {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,
// "Expiration":"2024-01-01T00:00:00Z"}. SessionToken and Expiration are optional.
struct CredentialProcessOutput {
  std::int32_t Version = 1;
  std::string AccessKeyId;
  std::string SecretAccessKey;
  std::optional<std::string> SessionToken;
  std::optional<std::string> Expiration;  // ISO 8601 UTC
};

}  // namespace ssooidc
