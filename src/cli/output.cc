#include "cli/output.h"

#include <cstdio>

#include "ssooidc/json.h"

namespace ssooidc::cli {

std::string pretty_json(std::string_view compact) {
  auto doc = json::parse(compact);
  if (!doc) return std::string(compact);
  return json::serialize(*doc, json::Style::kPretty);
}

std::string describe_error(const Error& error, std::string_view operation) {
  switch (error.type) {
    case ErrorType::kConfiguration:
    case ErrorType::kTransport:
      return "ssooidc: " + error.error_description;
    default:
      break;
  }
  // For types the library does not know, `error` holds the name the server sent.
  const std::string name =
      error.type == ErrorType::kUnknown ? error.error : std::string(error.shape());
  std::string text = "An error occurred (" + name + ")";
  if (!operation.empty()) text += " when calling the " + std::string(operation) + " operation";
  text += ": " + error.error_description;
  return text;
}

Error configuration_error(std::string description) {
  return Error::make(ErrorType::kConfiguration, std::move(description));
}

int fail(std::string_view message) {
  std::fprintf(stderr, "ssooidc: %.*s\n", static_cast<int>(message.size()), message.data());
  return kExitOtherError;
}

int fail(const Error& error) { return fail(error.error_description); }

int report_error(const Error& error, std::string_view operation) {
  std::fprintf(stderr, "\n%s\n", describe_error(error, operation).c_str());
  std::fflush(stderr);
  const bool from_service = error.http_status != 0;
  return from_service ? kExitServiceError : kExitOtherError;
}

}  // namespace ssooidc::cli
