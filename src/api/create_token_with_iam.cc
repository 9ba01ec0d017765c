#include "api/error_response.h"
#include "api/missing_members.h"
#include "api/operations.h"
#include "wire/codec.h"

namespace ssooidc::api {

// CreateTokenWithIAM serves applications that IAM Identity Center trusts through IAM; this server
// has no IAM and no such applications configured, so every well-formed request names an unknown
// application (InvalidClientException, as the service answers for an unknown clientId).
core::HttpResponse create_token_with_iam(Services&, const core::HttpRequest& req,
                                         std::string_view request_id) {
  auto decoded = wire::decode_create_token_with_iam_request(req.body);
  if (!decoded) return error_response(decoded.error(), request_id);
  if (!decoded->missing_required.empty())
    return error_response(missing_member_error(decoded->missing_required), request_id);
  return error_response(
      Error::make(ErrorType::kInvalidClient,
                  "No application with this clientId is configured for CreateTokenWithIAM"),
      request_id);
}

}  // namespace ssooidc::api
