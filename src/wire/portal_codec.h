// JSON codec for the SSO portal API's responses (ssooidc/portal_types.h) and for the output of a
// `credential_process` program. Shared by the server's portal layer (encoding), the client
// library (decoding) and the domain (reading what a credential command printed).
//
// Encoding is compact JSON, members in the model's order, absent optionals omitted. Response
// decoders report a malformed body as ErrorType::kUnknown naming the member; the
// credential_process decoder reports kInternalServer naming the member that is wrong, never
// echoing the text it was given (it holds secrets).
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "ssooidc/error.h"
#include "ssooidc/portal_types.h"

namespace ssooidc::wire {

std::string encode(const GetRoleCredentialsResponse&);
std::string encode(const ListAccountsResponse&);
std::string encode(const ListAccountRolesResponse&);

[[nodiscard]] std::expected<GetRoleCredentialsResponse, Error>
    decode_get_role_credentials_response(std::string_view);
[[nodiscard]] std::expected<ListAccountsResponse, Error> decode_list_accounts_response(
    std::string_view);
[[nodiscard]] std::expected<ListAccountRolesResponse, Error> decode_list_account_roles_response(
    std::string_view);

// The portal's error body: {"message":"...","__type":"com.amazonaws.switchboard.portal#<Shape>"}.
std::string encode_portal_error_body(std::string_view shape, std::string_view message);

std::string encode(const CredentialProcessOutput&);
// Requires Version 1 and non-empty AccessKeyId and SecretAccessKey strings; SessionToken and
// Expiration, when present, must be strings.
[[nodiscard]] std::expected<CredentialProcessOutput, Error> decode_credential_process_output(
    std::string_view);

}  // namespace ssooidc::wire
