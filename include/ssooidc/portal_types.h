// Request and response types of the four SSO portal operations (service `sso`, API 2019-06-10:
// GetRoleCredentials, ListAccounts, ListAccountRoles, Logout), with the model's member names.
//
// As in types.h, optional members are std::optional and a member absent on the wire stays empty.
// `accessToken` is the SSO access token from CreateToken; it travels in the
// `x-amz-sso_bearer_token` header, never in the query or a body. `expiration` is epoch
// MILLISECONDS, as the service sends it. `maxResults` is 1 to 100 (the service refuses others
// with InvalidRequestException); `nextToken` is opaque and is passed back verbatim.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssooidc {

struct RoleCredentials {
  std::optional<std::string> accessKeyId;
  std::optional<std::string> secretAccessKey;
  std::optional<std::string> sessionToken;
  std::optional<std::int64_t> expiration;  // epoch milliseconds
};

struct AccountInfo {
  std::optional<std::string> accountId;
  std::optional<std::string> accountName;
  std::optional<std::string> emailAddress;
};

struct RoleInfo {
  std::optional<std::string> roleName;
  std::optional<std::string> accountId;
};

// GET /federation/credentials?role_name=&account_id=
struct GetRoleCredentialsRequest {
  std::string roleName;
  std::string accountId;
  std::string accessToken;
};

struct GetRoleCredentialsResponse {
  std::optional<RoleCredentials> roleCredentials;
};

// GET /assignment/accounts?max_result=&next_token=
struct ListAccountsRequest {
  std::string accessToken;
  std::optional<std::int32_t> maxResults;
  std::optional<std::string> nextToken;
};

struct ListAccountsResponse {
  std::optional<std::vector<AccountInfo>> accountList;
  std::optional<std::string> nextToken;
};

// GET /assignment/roles?account_id=&max_result=&next_token=
struct ListAccountRolesRequest {
  std::string accessToken;
  std::string accountId;
  std::optional<std::int32_t> maxResults;
  std::optional<std::string> nextToken;
};

struct ListAccountRolesResponse {
  std::optional<std::vector<RoleInfo>> roleList;
  std::optional<std::string> nextToken;
};

// POST /logout (no body; the answer is an empty 200)
struct LogoutRequest {
  std::string accessToken;
};

}  // namespace ssooidc
