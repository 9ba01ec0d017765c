// Decoders for the SSO portal's JSON answers (portal_types.h), as the client library reads them.
//
// Lenient like the AWS SDKs: members in any order, unknown members ignored, a JSON `null` read as
// absent, an empty body read as `{}`. A body that is not a JSON object, or a member of the wrong
// type, is ErrorType::kUnknown naming the member ("roleCredentials.expiration is not an
// integer"). `expiration` accepts any JSON number with an integral value (epoch milliseconds).
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <string_view>

#include "ssooidc/error.h"
#include "ssooidc/portal_types.h"

namespace ssooidc::client {

[[nodiscard]] std::expected<GetRoleCredentialsResponse, Error> decode_get_role_credentials_response(
    std::string_view body);
[[nodiscard]] std::expected<ListAccountsResponse, Error> decode_list_accounts_response(
    std::string_view body);
[[nodiscard]] std::expected<ListAccountRolesResponse, Error> decode_list_account_roles_response(
    std::string_view body);

}  // namespace ssooidc::client
