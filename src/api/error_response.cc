#include "api/error_response.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/aws_json.h"
#include "wire/codec.h"

namespace ssooidc::api {

int http_status_of(ErrorType type) {
  const int status = Error::make(type, {}).http_status;
  return status == 0 ? 500 : status;
}

std::string coral_error_type(std::string_view shape) {
  constexpr std::string_view kNamespace =
      ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";
  std::string value;
  value.reserve(shape.size() + kNamespace.size());
  value += shape;
  value += kNamespace;
  return value;
}

core::HttpResponse json_response(std::string body, std::string_view request_id) {
  return core::aws_json_response(200, std::move(body), request_id);
}

namespace {

// The AWS error shape shared by modeled and unmodeled errors: status, x-amzn-ErrorType in Coral
// form, x-amzn-RequestId, and the {"error","error_description"} body.
core::HttpResponse error_shape(int status, std::string_view shape, const Error& error,
                               std::string_view request_id) {
  core::HttpResponse resp =
      core::aws_json_response(status, wire::encode_error_body(error), request_id, 1);
  resp.headers.emplace_back("x-amzn-ErrorType", coral_error_type(shape));
  resp.log.error_type = shape;
  resp.log.request_id = request_id;
  return resp;
}

}  // namespace

core::HttpResponse error_response(const Error& error, std::string_view request_id) {
  const int status = http_status_of(error.type);
  // The model gives `reason` to AccessDenied and InvalidRequest only; on other types it is a
  // server-side detail (storage_error.h) that stays off the wire.
  const bool modeled_reason =
      (error.type == ErrorType::kAccessDenied || error.type == ErrorType::kInvalidRequest) &&
      !(error.reason && error.reason->starts_with("storage."));
  core::HttpResponse resp;
  if (!error.error.empty() && (modeled_reason || !error.reason)) {
    resp = error_shape(status, shape_name(error.type), error, request_id);
  } else {
    Error wire = error;
    if (wire.error.empty()) wire.error = std::string(oauth_code(error.type));
    if (!modeled_reason) wire.reason.reset();
    resp = error_shape(status, shape_name(error.type), wire, request_id);
  }
  // storage_error.h: a storage failure carries "storage.<code>" in `reason`.
  if (error.type == ErrorType::kInternalServer && error.reason &&
      error.reason->starts_with("storage."))
    resp.events |= core::response_event::kStorageFailed;
  return resp;
}

namespace {

// One prepared answer to an error, with what identifies the error (Error's members that reach the
// wire or the response's log).
struct PreparedError {
  ErrorType type;
  std::string error;
  std::string error_description;
  std::optional<std::string> reason;
  int status = 0;
  std::uint8_t events = 0;
  core::ResponseLog::Field error_type;  // the log's
  std::shared_ptr<const core::PreparedResponse> prepared;
};

bool same_error(const PreparedError& kept, const Error& error) noexcept {
  return kept.type == error.type && kept.error == error.error &&
         kept.error_description == error.error_description && kept.reason == error.reason;
}

}  // namespace

core::HttpResponse prepared_error_response(const Error& error, std::string_view request_id) {
  // Per thread, so that no lock is taken: the I/O threads that answer polls from memory keep a
  // handful each (the poll's few answers).
  thread_local std::vector<PreparedError> kept;
  const PreparedError* found = nullptr;
  for (const PreparedError& entry : kept)
    if (same_error(entry, error)) found = &entry;
  if (found == nullptr) {
    if (kept.size() >= kPreparedErrorsPerThread) return error_response(error, request_id);
    core::HttpResponse built = error_response(error, {});
    std::size_t id_field = built.headers.size();
    for (std::size_t i = 0; i < built.headers.size(); ++i)
      if (built.headers[i].first == "x-amzn-RequestId") id_field = i;
    auto prepared = core::prepare_response(built.headers, id_field, std::move(built.body));
    if (!prepared) return error_response(error, request_id);
    kept.push_back(PreparedError{error.type, error.error, error.error_description, error.reason,
                                 built.status, built.events, built.log.error_type,
                                 std::make_shared<const core::PreparedResponse>(
                                     std::move(*prepared))});
    found = &kept.back();
  }
  core::HttpResponse resp = core::respond_prepared(found->status, found->prepared, request_id);
  resp.events = found->events;
  resp.log.error_type = found->error_type;
  resp.log.request_id = request_id;
  return resp;
}

core::HttpResponse protocol_error(int status, std::string_view error_type, std::string_view code,
                                  std::string_view description, std::string_view request_id) {
  Error e;
  e.error = std::string(code);
  e.error_description = std::string(description);
  return error_shape(status, error_type, e, request_id);
}

core::HttpResponse transport_error_response(int status, std::string_view description,
                                            std::string_view request_id) {
  // 500, and 503 when the server is too busy to take the request: InternalServerException, which
  // botocore retries.
  const ErrorType type =
      status == 500 || status == 503 ? ErrorType::kInternalServer : ErrorType::kInvalidRequest;
  return protocol_error(status, shape_name(type), oauth_code(type), description, request_id);
}

}  // namespace ssooidc::api
