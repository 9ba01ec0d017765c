#include "client/error_parser.h"

#include <algorithm>
#include <array>

#include "client/json.h"
#include "core/http_message.h"
#include "wire/codec.h"

namespace ssooidc::client {

std::string_view HttpReply::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers)
    if (core::iequals(k, name)) return v;
  return {};
}

std::string sanitize_error_code(std::string_view raw) {
  // The AWS JSON protocols' rule (as botocore and the SDKs parse it): the type may carry a
  // namespace before '#' ("aws.sso.oidc#SlowDownException") and, in x-amzn-ErrorType, a
  // ":http://internal.amazon.com/..." suffix or a second value after ','.
  auto cut = raw.find_first_of(",:");
  if (cut != std::string_view::npos) raw = raw.substr(0, cut);
  auto hash = raw.rfind('#');
  if (hash != std::string_view::npos) raw = raw.substr(hash + 1);
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
  return std::string(raw);
}

Error parse_error_response(const HttpReply& reply) {
  const wire::ErrorBody body = wire::decode_error_body(reply.body);

  // The header first: the real service signals the type only there, in Coral form
  // `<Shape>:<namespace-url>`, with no `__type` or `code` in the body (reference 4.2).
  std::string name;
  if (auto h = reply.header("x-amzn-ErrorType"); !h.empty()) name = sanitize_error_code(h);
  if (name.empty() && body.code) name = sanitize_error_code(*body.code);
  if (name.empty() && body.type) name = sanitize_error_code(*body.type);

  Error e;
  if (auto type = error_type_from_shape(name)) {
    e.type = *type;
    e.error = body.error.value_or(std::string(oauth_code(*type)));
  } else {
    e.type = ErrorType::kUnknown;
    e.error = !name.empty()            ? name
              : body.error.has_value() ? *body.error
                                       : std::to_string(reply.status);
  }
  if (body.error_description) {
    e.error_description = *body.error_description;
  } else if (auto doc = json::parse(reply.body); doc) {
    // Other AWS services (and proxies in front of this one) use `message` / `Message`.
    if (auto m = doc->string_member("message"))
      e.error_description = *m;
    else if (auto m2 = doc->string_member("Message"))
      e.error_description = *m2;
  }
  e.reason = body.reason;
  e.http_status = reply.status;
  e.request_id = std::string(reply.header("x-amzn-RequestId"));
  // The header's older spelling, which some AWS fronts send instead.
  if (e.request_id.empty()) e.request_id = std::string(reply.header("x-amz-request-id"));
  return e;
}

bool is_retryable(const Error& error) noexcept {
  switch (error.type) {
    case ErrorType::kTransport:
    case ErrorType::kInternalServer:
    case ErrorType::kTooManyRequests:  // the portal's throttling answer (botocore retries it)
      return true;
    case ErrorType::kUnknown:
      break;
    default:
      // Modeled answers (AuthorizationPending, SlowDown, AccessDenied, ExpiredToken,
      // InvalidGrant, ...) are what the caller must see; retrying would hide or repeat them.
      return false;
  }
  const int s = error.http_status;
  if (s == 500 || s == 502 || s == 503 || s == 504 || s == 429) return true;
  // botocore's standard retry mode: throttling and transient codes.
  static constexpr std::array<std::string_view, 17> kRetryableCodes{
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "RequestTimeout",
      "RequestTimeoutException",
      "IDPCommunicationError",
  };
  return std::find(kRetryableCodes.begin(), kRetryableCodes.end(), error.error) !=
         kRetryableCodes.end();
}

}  // namespace ssooidc::client
