#include "core/json_text.h"
#include "oauth/error_response.h"
#include "oauth/operations.h"
#include "oauth/request.h"

namespace ssooidc::oauth {

// RFC 8628 3.1 and 3.2.
core::HttpResponse device_authorization(Services& s, const core::HttpRequest& req) {
  auto form = FormParams::parse(req.body);
  if (!form) return error_response(form.error());
  auto client = authenticated_client(s.clients, req, *form);
  if (!client) return error_response(client.error());
  const auto scope = form->get("scope");
  auto started = s.devices.start_oauth(
      *client, scope ? domain::split_scope(*scope) : std::vector<std::string>{},
      req.remote_address);
  if (!started) return error_response(started.error());
  const StartDeviceAuthorizationResponse& r = *started;
  return json_response(
      "{\"device_code\":" + core::json_quote(r.deviceCode.value_or("")) +
      ",\"user_code\":" + core::json_quote(r.userCode.value_or("")) +
      ",\"verification_uri\":" + core::json_quote(r.verificationUri.value_or("")) +
      ",\"verification_uri_complete\":" + core::json_quote(r.verificationUriComplete.value_or("")) +
      ",\"expires_in\":" + std::to_string(r.expiresIn.value_or(0)) +
      ",\"interval\":" + std::to_string(r.interval.value_or(0)) + "}");
}

}  // namespace ssooidc::oauth
