#include "client/oauth_callback.h"

#include <optional>

#include "client/pkce.h"
#include "core/url.h"
#include "crypto/crypto.h"

namespace ssooidc::client {
namespace {

using Outcome = CallbackVerdict::Outcome;

CallbackReply page(int status, std::string_view title, std::string_view message) {
  CallbackReply reply;
  reply.status = status;
  reply.headers = {
      {"Content-Type", "text/html; charset=utf-8"},
      {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Content-Type-Options", "nosniff"},
      {"Cache-Control", "no-store"},
      {"Connection", "close"},
  };
  reply.body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
               html_escape(title) +
               "</title><style>body{font-family:sans-serif;max-width:40em;margin:4em auto}"
               "</style></head>\n<body><main><h1>" +
               html_escape(title) + "</h1><p>" + html_escape(message) +
               "</p></main></body></html>\n";
  return reply;
}

CallbackVerdict ignored(int status, std::string_view title, std::string_view message) {
  return CallbackVerdict{Outcome::kIgnored, page(status, title, message), {}, {}};
}

CallbackVerdict failed(Error error) {
  CallbackVerdict v;
  v.outcome = Outcome::kFailed;
  v.reply =
      page(400, "Login failed", error.error_description + " Return to the terminal for details.");
  v.error = std::move(error);
  return v;
}

std::optional<std::string> first(const std::vector<std::pair<std::string, std::string>>& params,
                                 std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return v;
  return std::nullopt;
}

// The modeled type whose OAuth code is `code` (access_denied, invalid_scope, server_error, ...).
std::optional<ErrorType> type_of_oauth_code(std::string_view code) {
  for (auto t = static_cast<int>(ErrorType::kAccessDenied);
       t <= static_cast<int>(ErrorType::kUnsupportedGrantType); ++t) {
    if (oauth_code(static_cast<ErrorType>(t)) == code) return static_cast<ErrorType>(t);
  }
  return std::nullopt;
}

// RFC 6749 section 4.1.2.1: the authorization server redirected with ?error=.
Error redirected_error(const std::string& code, const std::optional<std::string>& description) {
  const auto type = type_of_oauth_code(code);
  std::string text = type == ErrorType::kAccessDenied
                         ? "The authorization request was denied."
                         : "Failed to retrieve an authorization code (" + code + ").";
  if (description && !description->empty()) text += " (" + *description + ")";
  Error e = Error::make(type.value_or(ErrorType::kUnknown), std::move(text));
  if (!type) {
    e.error = code;  // what the CLI prints as the error's name
    e.http_status = 400;
  }
  return e;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  return core::parse_query_pairs(query);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

CallbackVerdict handle_callback_request(std::string_view method, std::string_view target,
                                        std::string_view expected_state) {
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  if (path != pkce::kCallbackPath) {
    return ignored(404, "Not found", "This address only receives the answer to an ssooidc login.");
  }
  if (method != "GET") {
    CallbackVerdict v = ignored(405, "Method not allowed", "Only GET is supported here.");
    v.reply.headers.emplace_back("Allow", "GET");
    return v;
  }
  // The CLI reads the parameters from the query string, never from a fragment.
  const auto params = parse_query(question == std::string_view::npos ? std::string_view()
                                                                     : target.substr(question + 1));
  const auto code = first(params, "code");
  const auto error = first(params, "error");
  if (!code && !error) {
    return ignored(400, "Not an authorization response",
                   "This request holds neither an authorization code nor an error.");
  }
  if (error) return failed(redirected_error(*error, first(params, "error_description")));

  // RFC 6749 section 10.12: a code that does not come back with our state was not asked for by
  // this login (cross-site request forgery); never exchange it.
  const auto state = first(params, "state");
  if (!state || !crypto::constant_time_equals(*state, expected_state)) {
    Error e = Error::make(ErrorType::kInvalidRequest,
                          "Error loading authorization code: State parameter does not match "
                          "expected value.");
    e.http_status = 0;  // found here, not answered by the service
    return failed(std::move(e));
  }
  CallbackVerdict v;
  v.outcome = Outcome::kCode;
  v.code = *code;
  v.reply = page(200, "Authorization received",
                 "ssooidc received the authorization and is completing the login. You can close "
                 "this window and return to the terminal.");
  return v;
}

}  // namespace ssooidc::client
