// Request and response types of the four SSO OIDC operations, with the model's member names.
//
// Optional members are std::optional; a member that is absent on the wire stays empty, and an
// empty optional is never serialised. Integers are those of the model: `expiresIn` and
// `interval` are 32-bit, `clientIdIssuedAt` and `clientSecretExpiresAt` are epoch seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc {

inline constexpr std::string_view kGrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code";
inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantRefreshToken = "refresh_token";
inline constexpr std::string_view kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
inline constexpr std::string_view kGrantTokenExchange =
    "urn:ietf:params:oauth:grant-type:token-exchange";

struct RegisterClientRequest {
  std::string clientName;
  std::string clientType;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<std::string>> redirectUris;
  std::optional<std::vector<std::string>> grantTypes;
  std::optional<std::string> issuerUrl;
  std::optional<std::string> entitledApplicationArn;
};

struct RegisterClientResponse {
  std::optional<std::string> clientId;
  std::optional<std::string> clientSecret;
  std::optional<std::int64_t> clientIdIssuedAt;
  std::optional<std::int64_t> clientSecretExpiresAt;
  std::optional<std::string> authorizationEndpoint;
  std::optional<std::string> tokenEndpoint;
};

struct StartDeviceAuthorizationRequest {
  std::string clientId;
  std::string clientSecret;
  std::string startUrl;
};

struct StartDeviceAuthorizationResponse {
  std::optional<std::string> deviceCode;
  std::optional<std::string> userCode;
  std::optional<std::string> verificationUri;
  std::optional<std::string> verificationUriComplete;
  std::optional<std::int32_t> expiresIn;
  std::optional<std::int32_t> interval;
};

struct CreateTokenRequest {
  std::string clientId;
  std::string clientSecret;
  std::string grantType;
  std::optional<std::string> deviceCode;
  std::optional<std::string> code;
  std::optional<std::string> refreshToken;
  std::optional<std::vector<std::string>> scope;
  std::optional<std::string> redirectUri;
  std::optional<std::string> codeVerifier;
};

struct CreateTokenResponse {
  std::optional<std::string> accessToken;
  std::optional<std::string> tokenType;
  std::optional<std::int32_t> expiresIn;
  std::optional<std::string> refreshToken;
  std::optional<std::string> idToken;
};

struct CreateTokenWithIAMRequest {
  std::string clientId;
  std::string grantType;
  std::optional<std::string> code;
  std::optional<std::string> refreshToken;
  std::optional<std::string> assertion;
  std::optional<std::vector<std::string>> scope;
  std::optional<std::string> redirectUri;
  std::optional<std::string> subjectToken;
  std::optional<std::string> subjectTokenType;
  std::optional<std::string> requestedTokenType;
  std::optional<std::string> codeVerifier;
};

struct AwsAdditionalDetails {
  std::optional<std::string> identityContext;
};

struct CreateTokenWithIAMResponse {
  std::optional<std::string> accessToken;
  std::optional<std::string> tokenType;
  std::optional<std::int32_t> expiresIn;
  std::optional<std::string> refreshToken;
  std::optional<std::string> idToken;
  std::optional<std::string> issuedTokenType;
  std::optional<std::vector<std::string>> scope;
  std::optional<AwsAdditionalDetails> awsAdditionalDetails;
};

}  // namespace ssooidc
