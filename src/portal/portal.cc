#include "portal/portal.h"

#include "core/request_id.h"
#include "portal/error_response.h"
#include "portal/operations.h"

namespace ssooidc::portal {

std::optional<core::HttpResponse> Portal::handle(const core::HttpRequest& req) {
  using Op = core::HttpResponse (*)(domain::PortalService&, const core::HttpRequest&,
                                    std::string_view);
  Op op = nullptr;
  std::string_view method = "GET";
  if (req.path == "/federation/credentials") {
    op = &get_role_credentials;
  } else if (req.path == "/assignment/accounts") {
    op = &list_accounts;
  } else if (req.path == "/assignment/roles") {
    op = &list_account_roles;
  } else if (req.path == "/logout") {
    op = &logout;
    method = "POST";
  } else {
    return std::nullopt;
  }
  const std::string request_id = core::next_request_id(random_);
  if (req.method != method) {
    auto resp = protocol_error(405, "MethodNotAllowedException",
                               "Method " + req.method + " is not allowed on " + req.path +
                                   "; use " + std::string(method),
                               request_id);
    resp.set("Allow", std::string(method));
    return resp;
  }
  return op(service_, req, request_id);
}

}  // namespace ssooidc::portal
