// JSON codec for the SSO OIDC wire types, shared by the client library and the server's api layer.
//
// Encoding is compact JSON with members in alphabetical order (as the real service answers) and
// absent optionals omitted. Decoding accepts any member order and whitespace (the C++ SDK sends
// pretty JSON), ignores unknown members, and rejects a body that is not a JSON object or a member
// of the wrong type with ErrorType::kInvalidRequest naming the member. A JSON `null` member reads
// as absent, and an empty body reads as `{}`. Missing *required* members are NOT rejected here
// (they decode as empty strings and are listed in Decoded::missing_required); the operation
// decides, so that it can answer with the same message the service uses.
//
// Response decoders (used by the client library) are lenient about integers (any JSON number with
// an integral value in range) and report a malformed body as ErrorType::kUnknown naming the member.
//
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"
#include "ssooidc/types.h"

namespace ssooidc::wire {

// Which required members were present in a decoded request.
template <typename T>
struct Decoded {
  T value;
  std::vector<std::string> missing_required;  // model member names, in model order
};

std::string encode(const RegisterClientRequest&);
std::string encode(const RegisterClientResponse&);
std::string encode(const StartDeviceAuthorizationRequest&);
std::string encode(const StartDeviceAuthorizationResponse&);
std::string encode(const CreateTokenRequest&);
std::string encode(const CreateTokenResponse&);
std::string encode(const CreateTokenWithIAMRequest&);
std::string encode(const CreateTokenWithIAMResponse&);

[[nodiscard]] std::expected<Decoded<RegisterClientRequest>, Error> decode_register_client_request(
    std::string_view);
[[nodiscard]] std::expected<RegisterClientResponse, Error> decode_register_client_response(
    std::string_view);
[[nodiscard]] std::expected<Decoded<StartDeviceAuthorizationRequest>, Error>
    decode_start_device_authorization_request(std::string_view);
[[nodiscard]] std::expected<StartDeviceAuthorizationResponse, Error>
    decode_start_device_authorization_response(std::string_view);
[[nodiscard]] std::expected<Decoded<CreateTokenRequest>, Error> decode_create_token_request(
    std::string_view);
[[nodiscard]] std::expected<CreateTokenResponse, Error> decode_create_token_response(
    std::string_view);
// The pending poll's shortcut (issue 15): the body every CLI sends while it waits, a flat object
// of the four members clientId, clientSecret, grantType and deviceCode, each once, as strings of
// printable ASCII without escapes, read without building a JSON document. nullopt for anything
// else (another member, an escape, a non-string, a duplicate, a missing member, bad JSON); the
// caller then decodes with decode_create_token_request, so whatever this accepts decodes to the
// same value there and nothing it declines is answered differently.
[[nodiscard]] std::optional<CreateTokenRequest> decode_device_code_poll(std::string_view body);
// The same four members as views into `body` (valid while it is), for a caller that only reads
// them (issue 15: the poll on the I/O thread copies none of its ~300 bytes). Accepts exactly what
// decode_device_code_poll accepts.
struct DeviceCodePollMembers {
  std::string_view client_id;
  std::string_view client_secret;
  std::string_view grant_type;
  std::string_view device_code;
};
[[nodiscard]] std::optional<DeviceCodePollMembers> device_code_poll_members(std::string_view body);
[[nodiscard]] std::expected<Decoded<CreateTokenWithIAMRequest>, Error>
    decode_create_token_with_iam_request(std::string_view);
[[nodiscard]] std::expected<CreateTokenWithIAMResponse, Error>
    decode_create_token_with_iam_response(std::string_view);

// The service's error body: {"error":"...","error_description":"..."} plus `reason` when set.
std::string encode_error_body(const Error&);
// Reads `error`, `error_description`, `reason`, `code`/`Code`, `__type` from an error body.
struct ErrorBody {
  std::optional<std::string> error, error_description, reason, code, type;
};
ErrorBody decode_error_body(std::string_view) noexcept;

}  // namespace ssooidc::wire
