// The CI test mode's scripted admin API (serve --test-mode; README "Testing SSO logins in CI").
// Routed by Application only when test mode is on, so that a production server answers every
// one of these paths 404 like any unknown path.
//
//   POST /ssooidc-test/approve     user_code=ABCD-EFGH [&user=NAME]   (default: --auto-approve
//                                  user, else admin)
//   POST /ssooidc-test/deny        user_code=ABCD-EFGH
//   POST /ssooidc-test/fail-polls  error=SlowDownException|ExpiredTokenException|
//                                  InternalServerException|AccessDeniedException
//                                  &count=N [&user_code=ABCD-EFGH]   (absent: any device code)
//   POST /ssooidc-test/expire      one of user_code=, device_code=, client_id=, token=
//   POST /ssooidc-test/reset       deletes every registration, device authorization, token and
//                                  authorization code, and every forcing above (users and the
//                                  portal directory stay: they are the configured world)
//
// Parameters come form-encoded in the body or in the query. Every request carries
// `Authorization: Bearer TOKEN`; the token is compared in constant time (as SHA-256 digests, so
// its length does not show either). Answers are JSON: 200 {"ok":true,...}, 400 for bad
// parameters, 401 for a wrong token, 404 for an unknown user code, 405 for a method other than
// POST. Thread-safe: every handler only calls thread-safe services.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "domain/service_graph.h"
#include "storage/storage.h"

namespace ssooidc::server {

class TestAdminApi {
 public:
  static constexpr std::string_view kPrefix = "/ssooidc-test/";

  TestAdminApi(domain::ServiceGraph& services, storage::Storage& storage, std::string_view token);

  // The answer for a path under kPrefix; nullopt for any other path.
  std::optional<core::HttpResponse> handle(const core::HttpRequest& req);

 private:
  core::HttpResponse dispatch(std::string_view action, const core::HttpRequest& req);

  domain::ServiceGraph& services_;
  storage::Storage& storage_;
  std::string token_digest_;
};

}  // namespace ssooidc::server
