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

// GetRoleCredentials (GET /federation/credentials): AWS credentials of one role assigned to the
// token's user.
struct GetRoleCredentialsRequest {
  std::string roleName;     // ?role_name=, required: the role's name in the account
  std::string accountId;    // ?account_id=, required: 12 digits
  std::string accessToken;  // required: the SSO access token (CreateToken's accessToken)
};

// Short-term credentials, as the AWS SDKs use them.
struct RoleCredentials {
  std::optional<std::string> accessKeyId;      // "ASIA..." for minted credentials
  std::optional<std::string> secretAccessKey;  // a secret: never logged
  std::optional<std::string> sessionToken;     // a secret; empty for long-term static keys
  std::optional<std::int64_t> expiration;      // epoch MILLISECONDS, as the service sends it
};

struct GetRoleCredentialsResponse {
  std::optional<RoleCredentials> roleCredentials;  // set on every success answer
};

// ListAccounts (GET /assignment/accounts): one page of the accounts the token's user holds a
// role in, ordered by account id.
struct ListAccountsRequest {
  std::optional<std::string> nextToken;    // ?next_token=: the previous page's nextToken
  std::optional<std::int32_t> maxResults;  // ?max_result=, 1..100 (absent: the service's page)
  std::string accessToken;                 // required: the SSO access token
};

struct AccountInfo {
  std::optional<std::string> accountId;     // 12 digits
  std::optional<std::string> accountName;   // as the operator named it
  std::optional<std::string> emailAddress;  // the account's e-mail address, may be absent
};

struct ListAccountsResponse {
  std::optional<std::string> nextToken;  // absent (or empty) on the last page; opaque
  std::optional<std::vector<AccountInfo>> accountList;
};

// ListAccountRoles (GET /assignment/roles): one page of the roles of one account assigned to the
// token's user, ordered by role name.
struct ListAccountRolesRequest {
  std::optional<std::string> nextToken;    // ?next_token=: the previous page's nextToken
  std::optional<std::int32_t> maxResults;  // ?max_result=, 1..100 (absent: the service's page)
  std::string accessToken;                 // required: the SSO access token
  std::string accountId;                   // ?account_id=, required: 12 digits
};

struct RoleInfo {
  std::optional<std::string> roleName;   // pass to GetRoleCredentials
  std::optional<std::string> accountId;  // the account asked for
};

struct ListAccountRolesResponse {
  std::optional<std::string> nextToken;  // absent (or empty) on the last page; opaque
  std::optional<std::vector<RoleInfo>> roleList;
};

// Logout (POST /logout, no body): ends the SSO session of the token; the service refuses the
// token and its refresh token afterwards.
struct LogoutRequest {
  std::string accessToken;  // required: the SSO access token
};

// What a `credential_process` program prints (AWS CLI/SDK "sourcing credentials with an external
// process"): {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,
// "Expiration":"2024-01-01T00:00:00Z"}. SessionToken and Expiration are optional.
struct CredentialProcessOutput {
  std::int32_t Version = 1;                 // always 1: the only version the SDKs read
  std::string AccessKeyId;                  // required
  std::string SecretAccessKey;              // required; a secret
  std::optional<std::string> SessionToken;  // absent for long-term keys
  std::optional<std::string> Expiration;  // ISO 8601 UTC
};

}  // namespace ssooidc
