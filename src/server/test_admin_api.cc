#include "server/test_admin_api.h"

#include <charconv>
#include <limits>
#include <map>

#include "core/json_text.h"
#include "core/url.h"
#include "crypto/crypto.h"
#include "domain/user_code.h"

namespace ssooidc::server {
namespace {

using Params = std::map<std::string, std::string, std::less<>>;

core::HttpResponse answer(int status, std::string body) {
  core::HttpResponse resp;
  resp.status = status;
  resp.set("Content-Type", "application/json");
  resp.set("Cache-Control", "no-store");
  resp.body = std::move(body) + "\n";
  resp.log.operation = "TestAdmin";
  return resp;
}

core::HttpResponse failure(int status, std::string_view message) {
  auto resp = answer(status, "{\"ok\":false,\"message\":" + core::json_quote(message) + "}");
  resp.log.error_type = status == 401 ? "Unauthorized" : "Refused";
  return resp;
}

core::HttpResponse ok(std::string_view extra = {}) {
  return answer(200, "{\"ok\":true" + std::string(extra) + "}");
}

Params params_of(const core::HttpRequest& req) {
  Params out;
  for (auto& [k, v] : core::parse_query_pairs(req.query)) out[k] = v;
  for (auto& [k, v] : core::parse_query_pairs(req.body)) out[k] = v;
  return out;
}

std::string param(const Params& p, std::string_view name) {
  auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

// The forcible errors and the Error the services would have returned.
std::optional<Error> forcible(std::string_view shape) {
  if (shape == "SlowDownException")
    return Error::make(ErrorType::kSlowDown, "Client is polling too quickly (forced by test mode)");
  if (shape == "ExpiredTokenException")
    return Error::make(ErrorType::kExpiredToken, "Device code has expired (forced by test mode)");
  if (shape == "InternalServerException")
    return Error::make(ErrorType::kInternalServer, "Internal error (forced by test mode)");
  if (shape == "AccessDeniedException")
    return Error::make(ErrorType::kAccessDenied, "Access was denied (forced by test mode)");
  return std::nullopt;
}

// A domain error of decide() as the admin API's answer: 404 for a code nobody started, 409 for
// one already decided or expired (a script that approves twice sees why), 500 for storage.
core::HttpResponse decide_failure(const Error& error) {
  if (domain::DeviceService::has_reason(error, domain::DeviceService::kUnknownUserCode))
    return failure(404, error.error_description);
  if (error.type == ErrorType::kInternalServer) return failure(500, error.error_description);
  return failure(409, error.error_description);
}

}  // namespace

TestAdminApi::TestAdminApi(domain::ServiceGraph& services, storage::Storage& storage,
                           std::string_view token)
    : services_(services), storage_(storage), token_digest_(crypto::sha256(token)) {}

std::optional<core::HttpResponse> TestAdminApi::handle(const core::HttpRequest& req) {
  if (!req.path.starts_with(kPrefix)) return std::nullopt;
  const std::string_view header = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const std::string_view presented =
      header.starts_with(kBearer) ? header.substr(kBearer.size()) : std::string_view();
  // Digests of equal length, compared in constant time: the timing says nothing about the token,
  // not even its length.
  if (!crypto::constant_time_equals(crypto::sha256(presented), token_digest_)) {
    auto resp = failure(401, "Wrong or missing bearer token for the test-mode admin API");
    resp.set("WWW-Authenticate", "Bearer");
    return resp;
  }
  // After the token check, so that a caller without it learns nothing of the API.
  if (req.method != "POST") {
    auto resp = failure(405, "Use POST");
    resp.set("Allow", "POST");
    return resp;
  }
  return dispatch(std::string_view(req.path).substr(kPrefix.size()), req);
}

core::HttpResponse TestAdminApi::dispatch(std::string_view action, const core::HttpRequest& req) {
  const Params p = params_of(req);
  domain::TestControls& controls = services_.test_controls;
  const domain::Settings& settings = services_.context.settings;

  if (action == "approve" || action == "deny") {
    const bool allow = action == "approve";
    std::string user = param(p, "user");
    // As the person the CI job set up (--auto-approve), else the bootstrap user.
    if (user.empty()) user = settings.auto_approve_user.empty() ? "admin" : settings.auto_approve_user;
    auto decided = services_.devices.decide(param(p, "user_code"), allow, user);
    if (!decided) return decide_failure(decided.error());
    return ok(",\"user\":" + core::json_quote(user));
  }

  if (action == "fail-polls") {
    const std::string shape = param(p, "error");
    auto error = forcible(shape);
    if (!error)
      return failure(400, "error must be SlowDownException, ExpiredTokenException, "
                          "InternalServerException or AccessDeniedException");
    const std::string count_text = param(p, "count").empty() ? "1" : param(p, "count");
    int count = 0;
    auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (ec != std::errc() || end != count_text.data() + count_text.size() || count < 0 ||
        count > 1000)
      return failure(400, "count must be 0 to 1000");
    std::string code;
    if (const std::string typed = param(p, "user_code"); !typed.empty()) {
      auto parsed = domain::UserCode::parse(typed);
      if (!parsed) return failure(400, "Not a valid user code");
      code = parsed->normalized();
    }
    if (!controls.force_poll_errors(code, *error, count))
      return failure(429, "Too many forced errors at once; reset first");
    return ok(",\"error\":" + core::json_quote(shape) + ",\"count\":" + std::to_string(count));
  }

  if (action == "expire") {
    bool marked = false;
    if (const std::string typed = param(p, "user_code"); !typed.empty()) {
      auto parsed = domain::UserCode::parse(typed);
      if (!parsed) return failure(400, "Not a valid user code");
      marked = controls.expire_device(parsed->normalized());
    } else if (const std::string device_code = param(p, "device_code"); !device_code.empty()) {
      auto found = storage_.device_authorizations().find_by_device_code_hash(
          crypto::secret_hash(device_code));
      if (!found) return failure(500, found.error().error_description);
      if (!*found) return failure(404, "Unknown device code");
      marked = controls.expire_device((*found)->user_code);
    } else if (const std::string client_id = param(p, "client_id"); !client_id.empty()) {
      marked = controls.expire_client(client_id);
    } else if (const std::string token = param(p, "token"); !token.empty()) {
      marked = controls.expire_token(crypto::secret_hash(token));
    } else {
      return failure(400, "Name one of user_code, device_code, client_id or token");
    }
    if (!marked) return failure(429, "Too many expired marks at once; reset first");
    return ok();
  }

  if (action == "reset") {
    // Registrations go with everything that hangs off them (storage.h); the other stores are
    // swept too, for rows whose registration is already gone.
    constexpr std::int64_t kEverything = std::numeric_limits<std::int64_t>::max();
    std::int64_t removed = 0;
    for (auto result : {storage_.clients().purge_expired(kEverything),
                        storage_.device_authorizations().purge_expired(kEverything),
                        storage_.tokens().purge_expired(kEverything),
                        storage_.authorization_codes().purge_expired(kEverything),
                        // The shared counters too: a limit or a slow_down earned by one test
                        // must not carry over into the next.
                        storage_.rate_counters().purge_expired(kEverything),
                        storage_.poll_counts().purge_expired(kEverything),
                        storage_.retry_grace().purge_expired(kEverything)}) {
      if (!result) return failure(500, result.error().error_description);
      removed += *result;
    }
    // Else this process would still authenticate the registrations just deleted.
    services_.clients.forget_cached();
    controls.reset();
    return ok(",\"removed\":" + std::to_string(removed));
  }

  // The echo is cut short: the path is the caller's, and an answer's size stays bounded.
  return failure(404, "No test-mode action " + std::string(action.substr(0, 64)));
}

}  // namespace ssooidc::server
