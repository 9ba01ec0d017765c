// The storage layer's error vocabulary: why a store call failed, in words every backend can
// say. Backends map their own failures to it at their boundary (SQLite's SQLITE_CONSTRAINT is
// kAlreadyExists, anything else kUnavailable); layers above read it with storage_error_code()
// and map it to the protocol's errors.
//
// A storage error is an ordinary Error of type kInternalServer (what the API answers when the
// domain passes it on: 500 InternalServerException), whose description names the operation and
// the backend's reason, never a secret or a bound value, and whose `reason` carries the code
// below. api/error_response.cc writes `reason` only for the types the model gives one
// (AccessDenied, InvalidRequest), so the code never reaches the wire.
//
// Outcomes a caller is expected to handle are results, not errors: a row that is not there is
// std::nullopt, a compare-and-set that lost (`decide`, `redeem`, `rotate`) is false. The codes
// below are for the failures:
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::storage {

enum class StorageErrorCode {
  kNotFound,       // an operation that needs a row (an update of a named row) found none
  kAlreadyExists,  // an insert hit a key that exists (client_id, a token or code hash, a kid)
  kConflict,       // the row changed under a compound operation; retrying may succeed
  kUnavailable,    // the backend cannot answer now: I/O, busy, a lost connection, a bad file
};

// "storage.not_found", "storage.already_exists", "storage.conflict", "storage.unavailable".
[[nodiscard]] constexpr std::string_view storage_error_name(StorageErrorCode code) noexcept {
  switch (code) {
    case StorageErrorCode::kNotFound:
      return "storage.not_found";
    case StorageErrorCode::kAlreadyExists:
      return "storage.already_exists";
    case StorageErrorCode::kConflict:
      return "storage.conflict";
    case StorageErrorCode::kUnavailable:
      return "storage.unavailable";
  }
  return "storage.unavailable";
}

// The Error a backend returns: "storage: <operation>: <why>" with `code` in `reason`.
[[nodiscard]] inline Error storage_error(StorageErrorCode code, std::string_view operation,
                                         std::string_view why) {
  std::string description = "storage: ";
  description.append(operation);
  description.append(": ");
  description.append(why);
  Error error = Error::make(ErrorType::kInternalServer, std::move(description));
  error.reason = std::string(storage_error_name(code));
  return error;
}

// The code of an error a store returned; nullopt for any other error.
[[nodiscard]] inline std::optional<StorageErrorCode> storage_error_code(const Error& error) {
  if (error.type != ErrorType::kInternalServer || !error.reason) return std::nullopt;
  for (auto code : {StorageErrorCode::kNotFound, StorageErrorCode::kAlreadyExists,
                    StorageErrorCode::kConflict, StorageErrorCode::kUnavailable}) {
    if (*error.reason == storage_error_name(code)) return code;
  }
  return std::nullopt;
}

}  // namespace ssooidc::storage
