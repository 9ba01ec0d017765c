// The one error model of ssooidc, shared by the server and the client library.
//
// `ErrorType` mirrors the error shapes of the SSO OIDC model (API 2019-06-10) and of the SSO
// portal model (service `sso`, API 2019-06-10), which share InvalidRequestException. Every layer returns
// `std::expected<T, Error>`; exactly one place on the server (api/error_response) turns an Error
// into HTTP, and the client library parses HTTP back into the same Error.
//
// Thread safety: plain values, no shared state.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ssooidc {

enum class ErrorType {
  // Modeled error shapes, in the model's alphabetical order.
  kAccessDenied,
  kAuthorizationPending,
  kExpiredToken,
  kInternalServer,
  kInvalidClient,
  kInvalidClientMetadata,
  kInvalidGrant,
  kInvalidRedirectUri,
  kInvalidRequest,
  kInvalidRequestRegion,
  kInvalidScope,
  kResourceNotFound,  // SSO portal (API 2019-06-10): 404
  kSlowDown,
  kTooManyRequests,  // SSO portal: 429
  kUnauthorized,     // SSO portal: 401 (missing, unknown, expired or revoked token)
  kUnauthorizedClient,
  kUnsupportedGrantType,
  // Not modeled by the service; seen only by clients.
  kTransport,      // the request never got an HTTP answer (connect, TLS, timeout)
  kConfiguration,  // the client could not be configured (missing region, bad profile)
  kUnknown,        // an HTTP error whose type the client did not recognise
};

// "AccessDeniedException", ... for modeled types; "TransportError", "ConfigurationError",
// "UnknownError" otherwise.
[[nodiscard]] std::string_view shape_name(ErrorType type) noexcept;
// The RFC 6749 style `error` value: "access_denied", "authorization_pending", ... The portal's
// shapes carry no such value on the wire (their body is {"message"}); theirs ("unauthorized",
// "resource_not_found", "too_many_requests") only fill Error::error.
[[nodiscard]] std::string_view oauth_code(ErrorType type) noexcept;
// Parses a shape name as a client reads it from x-amzn-ErrorType (already sanitised).
[[nodiscard]] std::optional<ErrorType> error_type_from_shape(std::string_view shape) noexcept;

// An error as one layer hands it to the next. The client library fills it from the service's
// answer; the server builds it with Error::make and api/error_response.cc writes it.
struct Error {
  ErrorType type = ErrorType::kUnknown;  // the shape (x-amzn-ErrorType), or a client-side kind
  std::string error;              // OAuth code as on the wire ("invalid_grant")
  std::string error_description;  // human text; never a secret
  int http_status = 0;            // the answer's status; 0 when there was no HTTP answer
  std::string request_id;         // x-amzn-RequestId, when known
  // The modeled `reason` of AccessDenied and InvalidRequest; on the server also a detail a caller
  // needs to tell errors of one type apart (documented where it is set).
  std::optional<std::string> reason;

  // Builds a modeled error with its canonical OAuth code and the HTTP status the service answers
  // it with (400; 401 for InvalidClient, 500 for InternalServer; 0 for the client-side kinds).
  [[nodiscard]] static Error make(ErrorType type, std::string description);
  [[nodiscard]] std::string_view shape() const noexcept { return shape_name(type); }
};

// `return fail(ErrorType::kInvalidGrant, "...");` from any function returning
// std::expected<T, Error>: the modeled error, as Error::make builds it.
[[nodiscard]] inline std::unexpected<Error> fail(ErrorType type, std::string description) {
  return std::unexpected(Error::make(type, std::move(description)));
}

}  // namespace ssooidc
