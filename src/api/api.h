// Routes the AWS JSON operations (reference 11, item 1):
//   POST /client/register        RegisterClient
//   POST /device_authorization   StartDeviceAuthorization
//   POST /token                  CreateToken
//   POST /token?aws_iam=t        CreateTokenWithIAM
// Other methods on those paths get 405 with `Allow: POST`.
//
// Thread safety: as safe as the Services it holds (the domain services are).
#pragma once

#include <optional>

#include "api/operations.h"
#include "api/services.h"
#include "core/http_message.h"

namespace ssooidc::api {

class Api {
 public:
  explicit Api(Services services) : services_(services) {}
  // The answer, or nullopt when the path is not one of the API's.
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);
  // The answer handle() would give, when memory alone gives it (a CreateToken poll of a cached
  // pending device code, issue 15); nullopt otherwise, having changed nothing. For the I/O
  // thread: never waits on storage. The caller has made sure the request is the AWS face's (not
  // a form post, which the standard face takes).
  std::optional<core::HttpResponse> handle_from_memory(const core::HttpRequest& req);
  // The answer handle() would give, completed without waiting for storage (issue 15: a durable
  // write completes on the I/O thread): StartDeviceAuthorization and RegisterClient, once their
  // row is committed and synced, and CreateToken's grants (only with may_block), once their
  // redemption is. nullopt, having changed nothing, for every other request and when the domain cannot
  // (api::start_device_authorization_deferred); the caller then calls handle(). `may_block`: the
  // caller's thread may wait for reads (a handler thread), not only the I/O thread. The same
  // caveat about form posts as handle_from_memory.
  std::optional<Deferred> handle_deferred(const core::HttpRequest& req, bool may_block);
  // True for a request that handle_deferred takes only on a thread that may block and that then
  // waits for no commit: CreateToken, when the storage commits every grant's redemption without
  // waiting (create_token_deferred). For http::ServerOptions::quick_lane; reads the path only.
  [[nodiscard]] bool defers_only_where_reads_may_wait(const core::HttpRequest& req);
  // A request id in the form the service uses (UUID v4 text; see core/request_id.h).
  std::string new_request_id();

 private:
  Services services_;
};

// True when the raw query string has aws_iam=t among its parameters.
bool is_iam_query(std::string_view query) noexcept;

}  // namespace ssooidc::api
