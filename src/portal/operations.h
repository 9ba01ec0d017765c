// One handler per portal operation. Each reads the query and the bearer token, calls the domain
// and answers compact JSON or the modeled error. None throws.
//
// Private to src/portal.
#pragma once

#include <string_view>

#include "core/http_message.h"
#include "domain/portal_service.h"

namespace ssooidc::portal {

core::HttpResponse get_role_credentials(domain::PortalService& s, const core::HttpRequest& req,
                                        std::string_view request_id);
core::HttpResponse list_accounts(domain::PortalService& s, const core::HttpRequest& req,
                                 std::string_view request_id);
core::HttpResponse list_account_roles(domain::PortalService& s, const core::HttpRequest& req,
                                      std::string_view request_id);
core::HttpResponse logout(domain::PortalService& s, const core::HttpRequest& req,
                          std::string_view request_id);

}  // namespace ssooidc::portal
