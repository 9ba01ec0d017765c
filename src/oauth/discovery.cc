#include "core/json_text.h"
#include "oauth/operations.h"

namespace ssooidc::oauth {

std::string metadata_json(const domain::Settings& settings) {
  const std::string& base = settings.public_url;
  auto url = [&](std::string_view path) { return core::json_quote(base + std::string(path)); };
  // The issuer is the public URL, string-equal to the `iss` IdTokenIssuer writes.
  return "{\"issuer\":" + core::json_quote(base) +
         ",\"authorization_endpoint\":" + url("/authorize") +
         ",\"token_endpoint\":" + url("/token") +
         ",\"device_authorization_endpoint\":" + url("/device_authorization") +
         ",\"revocation_endpoint\":" + url("/revoke") +
         ",\"introspection_endpoint\":" + url("/introspect") +
         ",\"userinfo_endpoint\":" + url("/userinfo") +
         ",\"jwks_uri\":" + url("/.well-known/jwks.json") +
         ",\"response_types_supported\":[\"code\"]"
         ",\"response_modes_supported\":[\"query\"]"
         ",\"grant_types_supported\":[\"authorization_code\",\"refresh_token\","
         "\"urn:ietf:params:oauth:grant-type:device_code\"]"
         ",\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
         "\"client_secret_post\",\"none\"]"
         ",\"revocation_endpoint_auth_methods_supported\":[\"client_secret_basic\","
         "\"client_secret_post\",\"none\"]"
         ",\"introspection_endpoint_auth_methods_supported\":[\"client_secret_basic\","
         "\"client_secret_post\"]"
         ",\"code_challenge_methods_supported\":[\"S256\"]"
         ",\"subject_types_supported\":[\"public\"]"
         ",\"id_token_signing_alg_values_supported\":[\"ES256\"]"
         ",\"scopes_supported\":[\"openid\",\"sso:account:access\"]"
         ",\"claims_supported\":[\"iss\",\"sub\",\"aud\",\"exp\",\"iat\",\"auth_time\",\"nonce\","
         "\"email\"]"
         ",\"claims_parameter_supported\":false"
         ",\"request_parameter_supported\":false"
         ",\"request_uri_parameter_supported\":false}";
}

core::HttpResponse discovery(Services& s, const core::HttpRequest&) {
  core::HttpResponse resp;
  resp.set("Content-Type", "application/json");
  resp.set("Cache-Control", "public, max-age=300");
  resp.body = metadata_json(s.settings);
  return resp;
}

}  // namespace ssooidc::oauth
