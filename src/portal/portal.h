// Routes the SSO portal API (service `sso`, API 2019-06-10; rest-json, unsigned, the SSO access
// token in the `x-amz-sso_bearer_token` header):
//   GET  /federation/credentials?role_name=R&account_id=A   GetRoleCredentials
//   GET  /assignment/accounts?max_result=N&next_token=T      ListAccounts
//   GET  /assignment/roles?account_id=A&max_result=N&next_token=T   ListAccountRoles
//   POST /logout                                             Logout
// Other methods on those paths get 405 with `Allow`. Errors have the portal's shape
// (portal/error_response.h).
//
// Thread safety: as safe as the PortalService (it is).
#pragma once

#include <optional>

#include "core/http_message.h"
#include "core/random.h"
#include "domain/portal_service.h"

namespace ssooidc::portal {

class Portal {
 public:
  Portal(domain::PortalService& service, core::Random& random)
      : service_(service), random_(random) {}
  // The answer, or nullopt when the path is none of the portal's.
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);

 private:
  domain::PortalService& service_;
  core::Random& random_;
};

}  // namespace ssooidc::portal
