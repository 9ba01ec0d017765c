// Request and response types of the four SSO OIDC operations, with the model's member names.
//
// Optional members are std::optional; a member that is absent on the wire stays empty, and an
// empty optional is never serialised. Integers are those of the model: `expiresIn` and
// `interval` are 32-bit, `clientIdIssuedAt` and `clientSecretExpiresAt` are epoch seconds.
// The errors each operation answers with are listed in error.h (ErrorType) and client.h.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc {

// The grantType values of the model (CreateToken, CreateTokenWithIAM, RegisterClient grantTypes).
inline constexpr std::string_view kGrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code";
inline constexpr std::string_view kGrantAuthorizationCode = "authorization_code";
inline constexpr std::string_view kGrantRefreshToken = "refresh_token";
inline constexpr std::string_view kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
inline constexpr std::string_view kGrantTokenExchange =
    "urn:ietf:params:oauth:grant-type:token-exchange";

// RegisterClient (POST /client/register): registers an application that will ask for tokens.
struct RegisterClientRequest {
  std::string clientName;  // required: shown to the person on the confirmation page
  std::string clientType;  // required: "public" is the only type the service accepts
  // Scopes the client may ask for later, e.g. "sso:account:access", "openid". A registration with
  // scopes gets refresh tokens; one without gets long-lived access tokens only.
  std::optional<std::vector<std::string>> scopes;
  // Where /authorize may send the person back (authorization_code grant); http only for
  // loopback hosts, whose port is not compared (RFC 8252 7.3).
  std::optional<std::vector<std::string>> redirectUris;
  // Grants the client will use (kGrant* above); absent: the device code grant, and refresh when
  // there are scopes.
  std::optional<std::vector<std::string>> grantTypes;
  std::optional<std::string> issuerUrl;  // the IAM Identity Center start URL, stored as given
  std::optional<std::string> entitledApplicationArn;  // accepted for the model; not used here
};

struct RegisterClientResponse {
  std::optional<std::string> clientId;      // the registration's id, passed to every operation
  std::optional<std::string> clientSecret;  // shown once; the server keeps only its SHA-256
  std::optional<std::int64_t> clientIdIssuedAt;       // epoch seconds
  std::optional<std::int64_t> clientSecretExpiresAt;  // epoch seconds (90 days later)
  std::optional<std::string> authorizationEndpoint;   // this server's /authorize
  std::optional<std::string> tokenEndpoint;           // this server's /token
};

// StartDeviceAuthorization (POST /device_authorization): begins the device flow (RFC 8628).
struct StartDeviceAuthorizationRequest {
  std::string clientId;      // required: from RegisterClient
  std::string clientSecret;  // required: from RegisterClient
  std::string startUrl;      // required: the IAM Identity Center start URL (opaque here)
};

struct StartDeviceAuthorizationResponse {
  std::optional<std::string> deviceCode;  // secret: what the client polls CreateToken with
  std::optional<std::string> userCode;    // what the person types, "WDJB-MJHT"
  std::optional<std::string> verificationUri;          // the page where the code is typed
  std::optional<std::string> verificationUriComplete;  // that page with ?user_code= filled in
  std::optional<std::int32_t> expiresIn;  // seconds until both codes expire
  std::optional<std::int32_t> interval;   // seconds the client must wait between polls
};

// CreateToken (POST /token): exchanges a device code, an authorization code or a refresh token.
struct CreateTokenRequest {
  std::string clientId;      // required
  std::string clientSecret;  // required
  std::string grantType;  // required: kGrantDeviceCode, kGrantAuthorizationCode, kGrantRefreshToken
  std::optional<std::string> deviceCode;    // device code grant
  std::optional<std::string> code;          // authorization code grant
  std::optional<std::string> refreshToken;  // refresh token grant
  std::optional<std::vector<std::string>> scope;  // a subset of the granted scopes (narrowing)
  std::optional<std::string> redirectUri;   // authorization code grant: as sent to /authorize
  std::optional<std::string> codeVerifier;  // authorization code grant: the PKCE verifier
};

struct CreateTokenResponse {
  std::optional<std::string> accessToken;   // bearer token for the SSO portal API
  std::optional<std::string> tokenType;     // "Bearer"
  std::optional<std::int32_t> expiresIn;    // seconds the access token lives
  std::optional<std::string> refreshToken;  // for registrations with scopes; single use (rotated)
  std::optional<std::string> idToken;       // ES256 JWT, authorization code grant with "openid"
};

// CreateTokenWithIAM (POST /token?aws_iam=t, SigV4-signed): token exchange for IAM applications.
// This server has none and answers InvalidClientException; the type exists for the client.
struct CreateTokenWithIAMRequest {
  std::string clientId;   // required: an application ARN at the real service
  std::string grantType;  // required: kGrantJwtBearer, kGrantTokenExchange, ... (kGrant* above)
  std::optional<std::string> code;          // authorization_code grant
  std::optional<std::string> refreshToken;  // refresh_token grant
  std::optional<std::string> assertion;     // jwt-bearer grant: the JWT
  std::optional<std::vector<std::string>> scope;
  std::optional<std::string> redirectUri;
  std::optional<std::string> subjectToken;        // token-exchange grant
  std::optional<std::string> subjectTokenType;    // token-exchange grant
  std::optional<std::string> requestedTokenType;  // token-exchange grant
  std::optional<std::string> codeVerifier;        // authorization_code grant with PKCE
};

struct AwsAdditionalDetails {
  std::optional<std::string> identityContext;  // the identity context for sts:SetContext
};

struct CreateTokenWithIAMResponse {
  std::optional<std::string> accessToken;
  std::optional<std::string> tokenType;   // "Bearer"
  std::optional<std::int32_t> expiresIn;  // seconds
  std::optional<std::string> refreshToken;
  std::optional<std::string> idToken;
  std::optional<std::string> issuedTokenType;     // token-exchange grant: what was issued
  std::optional<std::vector<std::string>> scope;  // the scopes granted
  std::optional<AwsAdditionalDetails> awsAdditionalDetails;
};

}  // namespace ssooidc
