// What the portal operations share: the query string's parameters and the bearer token.
//
// Private to src/portal.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "domain/portal_service.h"
#include "ssooidc/error.h"

namespace ssooidc::portal {

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Percent-decoded parameters (RFC 3986: '+' is a plus); the first of repeated names wins.
// InvalidRequest for a malformed escape or a query over 8 KiB.
std::expected<QueryParams, Error> parse_query(std::string_view query);
std::optional<std::string> param(const QueryParams& params, std::string_view name);
// max_result as an integer; InvalidRequest when it is present and not one.
std::expected<std::optional<std::int32_t>, Error> max_result_param(const QueryParams& params);
// The SSO access token of x-amz-sso_bearer_token ("" when absent).
std::string_view bearer_token(const core::HttpRequest& req);

// What both listings read first: the caller, then the query and its max_result, so that a
// rejected token is Unauthorized whatever the parameters say.
struct ListingRequest {
  domain::PortalCaller caller;
  QueryParams params;
  std::optional<std::int32_t> max_results;
};
std::expected<ListingRequest, Error> listing_request(domain::PortalService& s,
                                                     const core::HttpRequest& req);

}  // namespace ssooidc::portal
