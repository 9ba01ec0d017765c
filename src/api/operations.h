// One handler per AWS JSON operation (reference section 3). Each decodes the body (any or no
// Content-Type, unknown members ignored, any SigV4 headers ignored), calls the domain, and answers
// compact JSON or the modeled error. None throws.
#pragma once

#include <optional>
#include <string_view>

#include "api/services.h"
#include "core/http_message.h"

namespace ssooidc::api {

core::HttpResponse register_client(Services& s, const core::HttpRequest& req,
                                   std::string_view request_id);
core::HttpResponse start_device_authorization(Services& s, const core::HttpRequest& req,
                                              std::string_view request_id);
core::HttpResponse create_token(Services& s, const core::HttpRequest& req,
                                std::string_view request_id);
// create_token answered from memory alone, for the I/O thread (domain::TokenService::
// poll_from_memory: a cached pending poll); nullopt when it needs storage.
std::optional<core::HttpResponse> create_token_from_memory(Services& s,
                                                           const core::HttpRequest& req);
core::HttpResponse create_token_with_iam(Services& s, const core::HttpRequest& req,
                                         std::string_view request_id);

}  // namespace ssooidc::api
