#include "ssooidc/error.h"

#include <array>

namespace ssooidc {
namespace {

struct Row {
  ErrorType type;
  std::string_view shape;
  std::string_view code;
  int status;
};

constexpr std::array kRows{
    Row{ErrorType::kAccessDenied, "AccessDeniedException", "access_denied", 400},
    Row{ErrorType::kAuthorizationPending, "AuthorizationPendingException", "authorization_pending",
        400},
    Row{ErrorType::kExpiredToken, "ExpiredTokenException", "expired_token", 400},
    Row{ErrorType::kInternalServer, "InternalServerException", "server_error", 500},
    Row{ErrorType::kInvalidClient, "InvalidClientException", "invalid_client", 401},
    Row{ErrorType::kInvalidClientMetadata, "InvalidClientMetadataException",
        "invalid_client_metadata", 400},
    Row{ErrorType::kInvalidGrant, "InvalidGrantException", "invalid_grant", 400},
    Row{ErrorType::kInvalidRedirectUri, "InvalidRedirectUriException", "invalid_redirect_uri", 400},
    Row{ErrorType::kInvalidRequest, "InvalidRequestException", "invalid_request", 400},
    Row{ErrorType::kInvalidRequestRegion, "InvalidRequestRegionException", "invalid_request", 400},
    Row{ErrorType::kInvalidScope, "InvalidScopeException", "invalid_scope", 400},
    Row{ErrorType::kSlowDown, "SlowDownException", "slow_down", 400},
    Row{ErrorType::kUnauthorizedClient, "UnauthorizedClientException", "unauthorized_client", 400},
    Row{ErrorType::kUnsupportedGrantType, "UnsupportedGrantTypeException", "unsupported_grant_type",
        400},
    Row{ErrorType::kTransport, "TransportError", "transport_error", 0},
    Row{ErrorType::kConfiguration, "ConfigurationError", "configuration_error", 0},
    Row{ErrorType::kUnknown, "UnknownError", "unknown_error", 0},
};

const Row& row(ErrorType type) noexcept {
  for (const auto& r : kRows)
    if (r.type == type) return r;
  return kRows.back();
}

}  // namespace

std::string_view shape_name(ErrorType type) noexcept { return row(type).shape; }
std::string_view oauth_code(ErrorType type) noexcept { return row(type).code; }

std::optional<ErrorType> error_type_from_shape(std::string_view shape) noexcept {
  for (const auto& r : kRows)
    if (r.status != 0 && r.shape == shape) return r.type;
  return std::nullopt;
}

Error Error::make(ErrorType type, std::string description) {
  Error e;
  e.type = type;
  e.error = std::string(oauth_code(type));
  e.error_description = std::move(description);
  e.http_status = row(type).status;
  return e;
}

}  // namespace ssooidc
