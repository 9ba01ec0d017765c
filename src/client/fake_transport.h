// A scripted HttpTransport for the client's unit tests: answers are queued per request path, and
// every request is recorded.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "client/http_transport.h"

namespace ssooidc::client::testing {

class FakeTransport final : public HttpTransport {
 public:
  struct Shared {
    std::map<std::string, std::deque<std::expected<HttpReply, Error>>> answers;
    std::vector<HttpCall> calls;
  };

  explicit FakeTransport(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::expected<HttpReply, Error> send(const HttpCall& call) override {
    shared_->calls.push_back(call);
    // Key: the path and query after the host ("/token", "/token?aws_iam=t").
    std::string key = call.url;
    if (auto scheme = key.find("://"); scheme != std::string::npos) {
      auto slash = key.find('/', scheme + 3);
      key = slash == std::string::npos ? "/" : key.substr(slash);
    }
    auto& queue = shared_->answers[key];
    if (queue.empty())
      return std::unexpected(Error::make(ErrorType::kTransport, "no scripted answer for " + key));
    auto answer = std::move(queue.front());
    queue.pop_front();
    return answer;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

inline HttpReply ok(std::string body) {
  return HttpReply{
      200, {{"Content-Type", "application/json"}, {"x-amzn-RequestId", "req-ok"}}, std::move(body)};
}

// An answer shaped like the real service's errors (reference 4.2).
inline HttpReply service_error(int status, const std::string& shape, const std::string& code,
                               const std::string& description = "") {
  return HttpReply{
      status,
      {{"Content-Type", "application/json"},
       {"x-amzn-RequestId", "req-" + code},
       {"x-amzn-ErrorType", shape + ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"}},
      "{\"error\":\"" + code + "\",\"error_description\":\"" + description + "\"}"};
}

}  // namespace ssooidc::client::testing
