#include "oauth/error_response.h"

#include "core/json_text.h"

namespace ssooidc::oauth {
namespace {

core::HttpResponse json_answer(int status, std::string body) {
  core::HttpResponse resp;
  resp.status = status;
  resp.headers.reserve(4);
  resp.headers.emplace_back("Content-Type", "application/json");
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Pragma", "no-cache");
  resp.body = std::move(body);
  return resp;
}

std::string error_body(std::string_view code, std::string_view description) {
  std::string body = "{\"error\":" + core::json_quote(code);
  if (!description.empty()) body += ",\"error_description\":" + core::json_quote(description);
  body += '}';
  return body;
}

// RFC 6749 5.2: error_description is %x20-21 / %x23-5B / %x5D-7E, so it may sit in a quoted
// header value; anything else (the client's own text, quoted back) becomes '?'.
std::string header_safe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E || c == '"' || c == '\\') c = '?';
  }
  return out;
}

}  // namespace

core::HttpResponse json_response(std::string body) { return json_answer(200, std::move(body)); }

core::HttpResponse error_response(const Error& error) {
  const int model_status = Error::make(error.type, {}).http_status;
  if (error.type == ErrorType::kInternalServer || model_status == 0 || model_status >= 500) {
    const bool storage = error.error_description.starts_with("storage: ");
    return json_answer(500, error_body("server_error", storage
                                                           ? "The server could not complete the request"
                                                           : error.error_description));
  }
  const std::string code(oauth_code(error.type));
  if (error.type == ErrorType::kInvalidClient) {
    // RFC 6749 5.2: 401, with a challenge in the scheme the client may authenticate with.
    auto resp = json_answer(401, error_body(code, error.error_description));
    resp.set("WWW-Authenticate", "Basic realm=\"" + std::string(kRealm) + "\"");
    return resp;
  }
  return json_answer(400, error_body(code, error.error_description));
}

core::HttpResponse bearer_error(std::string_view error, std::string_view description) {
  const bool scope = error == "insufficient_scope";
  std::string challenge = "Bearer realm=\"" + std::string(kRealm) + "\"";
  if (!error.empty()) {
    challenge += ", error=\"" + std::string(error) + "\", error_description=\"" +
                 header_safe(description) + "\"";
  }
  auto resp = json_answer(scope ? 403 : 401,
                          error.empty() ? error_body("invalid_request", description)
                                        : error_body(error, description));
  resp.set("WWW-Authenticate", std::move(challenge));
  return resp;
}

core::HttpResponse method_not_allowed(std::string_view allow) {
  auto resp = json_answer(405, error_body("invalid_request", "Use " + std::string(allow)));
  resp.set("Allow", std::string(allow));
  return resp;
}

}  // namespace ssooidc::oauth
