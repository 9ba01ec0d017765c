#include "core/json_text.h"
#include "oauth/error_response.h"
#include "oauth/operations.h"
#include "oauth/request.h"

namespace ssooidc::oauth {
namespace {

Error missing(std::string_view name, std::string_view grant) {
  return Error::make(ErrorType::kInvalidRequest,
                     std::string(name) + " is required for the " + std::string(grant) + " grant");
}

// RFC 6749 4.1.3, 6 and RFC 8628 3.4: the parameters each grant needs, named as on the wire.
std::expected<CreateTokenRequest, Error> grant_request(const FormParams& form,
                                                       const std::string& grant_type) {
  CreateTokenRequest req;
  req.grantType = grant_type;
  req.code = form.get("code");
  req.redirectUri = form.get("redirect_uri");
  req.codeVerifier = form.get("code_verifier");
  req.refreshToken = form.get("refresh_token");
  req.deviceCode = form.get("device_code");
  if (auto scope = form.get("scope")) req.scope = domain::split_scope(*scope);
  if (grant_type == kGrantAuthorizationCode) {
    if (!req.code) return std::unexpected(missing("code", grant_type));
    if (!req.redirectUri) return std::unexpected(missing("redirect_uri", grant_type));
    if (!req.codeVerifier) return std::unexpected(missing("code_verifier", grant_type));
  } else if (grant_type == kGrantRefreshToken) {
    if (!req.refreshToken) return std::unexpected(missing("refresh_token", grant_type));
  } else if (grant_type == kGrantDeviceCode) {
    if (!req.deviceCode) return std::unexpected(missing("device_code", grant_type));
  }
  // Any other grant type goes on: TokenService answers it unsupported_grant_type (RFC 6749 5.2),
  // after the client has authenticated.
  return req;
}

// RFC 6749 5.1.
std::string token_json(const domain::Grant& grant) {
  const CreateTokenResponse& r = grant.response;
  std::string out = "{\"access_token\":" + core::json_quote(r.accessToken.value_or("")) +
                    ",\"token_type\":\"Bearer\",\"expires_in\":" +
                    std::to_string(r.expiresIn.value_or(0));
  if (r.refreshToken) out += ",\"refresh_token\":" + core::json_quote(*r.refreshToken);
  if (!grant.scopes.empty())
    out += ",\"scope\":" + core::json_quote(domain::join_scope(grant.scopes));
  if (r.idToken) out += ",\"id_token\":" + core::json_quote(*r.idToken);
  out += '}';
  return out;
}

}  // namespace

core::HttpResponse token(Services& s, const core::HttpRequest& req) {
  auto form = FormParams::parse(req.body);
  if (!form) return error_response(form.error());
  const auto grant_type = form->get("grant_type");
  if (!grant_type)
    return error_response(Error::make(ErrorType::kInvalidRequest, "grant_type is required"));
  auto client = authenticated_client(s.clients, req, *form);
  if (!client) return error_response(client.error());
  auto request = grant_request(*form, *grant_type);
  if (!request) return error_response(request.error());
  auto granted = s.tokens.grant(*client, *request, domain::Dialect::kStandard);
  if (!granted) return error_response(granted.error());
  return json_response(token_json(*granted));
}

}  // namespace ssooidc::oauth
