// SSO role credentials as the AWS CLI's SSO credential provider gets them (botocore
// SSOCredentialFetcher): from the shared cache (role_credentials_cache.h) while they have more
// than 15 minutes left, else from GetRoleCredentials with the SSO access token, written back to
// the cache for every other tool.
//
// Where the token comes from is the caller's: a cached token, a refresh, or a new login.
//
// Thread safety: one call at a time per cache directory (the AWS CLI has the same race).
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "client/role_credentials_cache.h"
#include "core/clock.h"
#include "ssooidc/portal_client.h"
#include "ssooidc/sso_login.h"

namespace ssooidc::client {

// The public types (ssooidc/sso_login.h).
using ::ssooidc::AccessTokenSource;
using ::ssooidc::RoleCredentialsRequest;
using ::ssooidc::RoleCredentialsResult;

// The cached credentials when fresh (a cache file that cannot be read or parsed counts as
// absent and is overwritten). Otherwise calls `tokens(false)` and GetRoleCredentials; on
// UnauthorizedException calls `tokens(true)` and tries once more. Errors: the token source's
// Error; GetRoleCredentials' Error (ResourceNotFoundException for a role that is not assigned,
// UnauthorizedException when the second token is refused too); ErrorType::kUnknown for an
// answer without roleCredentials or one of its four members.
[[nodiscard]] std::expected<RoleCredentialsResult, Error> fetch_role_credentials(
    PortalClient& portal, RoleCredentialsCache& cache, const RoleCredentialsRequest& request,
    const AccessTokenSource& tokens, const core::Clock& clock);

}  // namespace ssooidc::client
