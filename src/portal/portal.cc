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
  std::string_view name;  // the operation, for the access log
  if (req.path == "/federation/credentials") {
    op = &get_role_credentials;
    name = "GetRoleCredentials";
  } else if (req.path == "/assignment/accounts") {
    op = &list_accounts;
    name = "ListAccounts";
  } else if (req.path == "/assignment/roles") {
    op = &list_account_roles;
    name = "ListAccountRoles";
  } else if (req.path == "/logout") {
    op = &logout;
    name = "Logout";
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
    resp.log.operation = name;
    return resp;
  }
  auto resp = op(service_, req, request_id);
  resp.log.operation = name;
  resp.log.request_id = request_id;
  return resp;
}

}  // namespace ssooidc::portal
