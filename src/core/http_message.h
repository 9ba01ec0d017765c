// Transport-neutral HTTP request/response values. The http layer converts Beast messages to and
// from these, so that api (JSON operations) and web (HTML pages) hold no socket and are testable
// with plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssooidc::core {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded target path without the query, e.g. "/token"
  std::string query;   // raw query string without '?', e.g. "aws_iam=t"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP as text
  bool tls = false;            // true when the public URL is https (cookies get Secure)

  // Case-insensitive header lookup; empty view when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

// What the access log says about a response besides its status, filled in by the layer that
// answered and never written to the wire. Every value must be fit for a log: never a token, a
// code, a password or a secret.
struct ResponseLog {
  std::string operation;   // "CreateToken", "GetRoleCredentials", "page", "Health", ...
  std::string error_type;  // the x-amzn-ErrorType shape, e.g. "AuthorizationPendingException"
  std::string client_id;   // the registration the request named or got, when there is one
  std::string request_id;  // x-amzn-RequestId
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  ResponseLog log;  // for the access log only (see ResponseLog)

  HttpResponse& set(std::string name, std::string value);
};

// Case-insensitive ASCII comparison.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace ssooidc::core
