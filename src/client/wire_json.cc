// The public to_json functions (ssooidc/json.h): the wire codec's own encoders, so that a
// program prints exactly the bytes the service would send.
#include "client/json.h"
#include "wire/codec.h"
#include "wire/portal_codec.h"

namespace ssooidc::json {

std::string to_json(const RegisterClientResponse& response) { return wire::encode(response); }
std::string to_json(const StartDeviceAuthorizationResponse& response) {
  return wire::encode(response);
}
std::string to_json(const CreateTokenResponse& response) { return wire::encode(response); }
std::string to_json(const CreateTokenWithIAMResponse& response) { return wire::encode(response); }
std::string to_json(const CredentialProcessOutput& output) { return wire::encode(output); }

}  // namespace ssooidc::json
