// One handler per AWS JSON operation (reference section 3). Each decodes the body (any or no
// Content-Type, unknown members ignored, any SigV4 headers ignored), calls the domain, and answers
// compact JSON or the modeled error. None throws.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/services.h"
#include "core/http_message.h"

namespace ssooidc::api {

core::HttpResponse register_client(Services& s, const core::HttpRequest& req,
                                   std::string_view request_id);
core::HttpResponse start_device_authorization(Services& s, const core::HttpRequest& req,
                                              std::string_view request_id);
// A request ready to be completed without waiting for storage (issue 15): called once with what
// gets its response, which it calls exactly once, from the storage's writer thread or this one.
using Deferred = std::move_only_function<void(core::ResponseDone)>;

// start_device_authorization without waiting for the insert's commit (domain::DeviceService::
// prepare_start): nullopt, having done nothing, when the domain cannot (the caller runs
// start_device_authorization instead); otherwise what answers as start_device_authorization
// would.
std::optional<Deferred> start_device_authorization_deferred(Services& s,
                                                            const core::HttpRequest& req,
                                                            std::string request_id,
                                                            bool may_block);
// register_client without waiting for the insert's commit (domain::ClientService::
// prepare_registration), as start_device_authorization_deferred.
std::optional<Deferred> register_client_deferred(Services& s, const core::HttpRequest& req,
                                                 std::string request_id, bool may_block);
// CreateToken's grants without waiting for their redemption's commit (issue 15), on a handler
// thread only (may_block; the checks read storage): nullopt when the storage cannot, or the body
// is one create_token refuses before any grant.
std::optional<Deferred> create_token_deferred(Services& s, const core::HttpRequest& req,
                                              std::string request_id, bool may_block);
// Whether create_token_deferred takes every grant it can decode (the storage commits each of the
// three grants' redemptions without waiting).
bool create_token_defers(Services& s);
core::HttpResponse create_token(Services& s, const core::HttpRequest& req,
                                std::string_view request_id);
// create_token answered from memory alone, for the I/O thread (domain::TokenService::
// poll_from_memory: a cached pending poll); nullopt when it needs storage.
std::optional<core::HttpResponse> create_token_from_memory(Services& s,
                                                           const core::HttpRequest& req);
core::HttpResponse create_token_with_iam(Services& s, const core::HttpRequest& req,
                                         std::string_view request_id);

}  // namespace ssooidc::api
