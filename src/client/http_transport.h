// HttpTransport: how the client sends one HTTP request and gets one answer. The production
// implementation is libcurl (curl_transport.h); tests script answers with a fake.
//
// Thread safety: a transport is used by one Client, which serialises calls.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc::client {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method = "POST";
  std::string url;     // absolute, e.g. http://127.0.0.1:8080/token?aws_iam=t
  HeaderList headers;  // sent as given (Host included when the caller signs it)
  std::string body;
};

struct HttpReply {
  int status = 0;
  HeaderList headers;  // names as received
  std::string body;

  // Case-insensitive lookup of the first header named `name`; empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // Answers larger than this are refused (the service's answers are a few KiB).
  std::size_t max_response_bytes = 1024 * 1024;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request; returns the answer whatever its status. A TransportError (kTransport,
  // which the retrying sender in service_call.h retries) when no answer arrived: connect
  // failure, timeout, TLS error, an answer over max_response_bytes.
  [[nodiscard]] virtual std::expected<HttpReply, Error> send(const HttpCall& call) = 0;
};

}  // namespace ssooidc::client
