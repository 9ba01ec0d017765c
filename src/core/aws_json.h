// The framing every AWS JSON answer shares, SSO OIDC's (api/) and the portal's (portal/): the
// status, Content-Type application/json and x-amzn-RequestId, which the AWS SDKs read into
// ResponseMetadata.RequestId and print beside an error. Each layer adds its own headers (the
// error type's form differs between the two protocols) and writes its own body.
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "core/http_message.h"

namespace ssooidc::core {

// `extra_headers`: how many headers the caller will add, reserved up front.
[[nodiscard]] inline HttpResponse aws_json_response(int status, std::string body,
                                                    std::string_view request_id,
                                                    std::size_t extra_headers = 0) {
  HttpResponse resp;
  resp.status = status;
  resp.headers.reserve(2 + extra_headers);
  resp.headers.emplace_back("Content-Type", "application/json");
  resp.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  resp.body = std::move(body);
  return resp;
}

}  // namespace ssooidc::core
