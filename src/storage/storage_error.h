// The storage layer's error vocabulary: why a store call failed, in words every backend can
// say. Backends map their own failures to it at their boundary; layers above read it with
// storage_error_code() and map it to the protocol's errors.
//
// A storage error is an ordinary Error of type kInternalServer (what the API answers when the
// domain passes it on: 500 InternalServerException), or kInvalidRequest for kInvalidValue,
// whose description names the operation and the backend's reason, never a secret or a bound
// value, and whose `reason` carries the code below. The faces never write a "storage." reason
// on the wire (api/error_response.cc).
//
// Outcomes a caller is expected to handle are results, not errors: a row that `find` does not
// find is std::nullopt, a compare-and-set that lost (`decide`, `redeem`, `rotate`) is false or
// nullopt, a `remove` of nothing is false, and the two inserts whose collision the caller
// resolves itself (`DeviceAuthorizationStore::insert` on a taken user code, `UserStore::insert`
// on a taken name) return false. The codes below are for the failures.
//
// THE MAPPING RULE, for every backend (memory, SQLite, PostgreSQL, ...):
//   kAlreadyExists  an insert whose primary or unique key is taken, where storage.h says so
//                   (client_id, device code hash, token hash, code hash, kid).
//                   SQLite: SQLITE_CONSTRAINT_PRIMARYKEY or _UNIQUE. PostgreSQL: SQLSTATE 23505.
//   kNotFound       an update of one named row that is not there, where storage.h says so
//                   (`UserStore::set_disabled`, `SigningKeyStore::set_private_pem`): the
//                   statement changed no row. Lookups, removals and compare-and-sets never
//                   say it (see above).
//   kConflict       a transaction lost to a concurrent one and was rolled back; the same call
//                   again may succeed. PostgreSQL: SQLSTATE 40001 and 40P01. The SQLite backend
//                   never says it: its writes are serialised (BEGIN IMMEDIATE), so a
//                   compare-and-set it loses is an ordinary false.
//   kUnavailable    everything else: I/O, busy past the timeout, a lost connection, a full disk,
//                   a bad file, any other constraint (NOT NULL, CHECK: a bug, not a caller's
//                   input). PostgreSQL: class 08, 53, 57, and any SQLSTATE not named above.
//   kInvalidValue   the backend refused a value it was given as the caller's: PostgreSQL class 22
//                   (data exception: 22021 NUL or bytes that are not UTF-8, 22001 too long,
//                   22P02 not a number, ...). SQLite and memory: never. The faces refuse such
//                   text at the input boundary (core::is_storable_text); this is the defense in
//                   depth behind it.
// Nothing half-done is visible after any of them (storage.h: compound operations are atomic).
//
// How the domain maps them (domain/*_service.cc; the conformance suite pins the backends' side):
//   kNotFound       the domain's own error for the missing thing (UserService: InvalidRequest
//                   "No user named ..."; IdTokenIssuer: a key purged meanwhile is skipped).
//   kAlreadyExists  on a key the domain drew at random (a 128-bit id or a token): a collision is
//                   a broken Random, never a caller's mistake, so 500 InternalServer.
//   kInvalidValue   passed on unchanged: it is already of type kInvalidRequest, so 400
//                   InvalidRequestException on the AWS face, invalid_request on the standard one.
//   kConflict,
//   kUnavailable    passed on unchanged: 500 InternalServerException, which botocore and the
//                   AWS CLI retry; the caller may try again.
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::storage {

enum class StorageErrorCode {
  kNotFound,       // an update of one named row found none (set_disabled, set_private_pem)
  kAlreadyExists,  // an insert hit a key that exists (client_id, a token or code hash, a kid)
  kConflict,       // lost to a concurrent transaction and rolled back; retrying may succeed
  kUnavailable,    // the backend cannot answer now: I/O, busy, a lost connection, a bad file
  kInvalidValue,   // the backend refused a value the caller gave (PostgreSQL class 22)
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
    case StorageErrorCode::kInvalidValue:
      return "storage.invalid_value";
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
  Error error = Error::make(code == StorageErrorCode::kInvalidValue ? ErrorType::kInvalidRequest
                                                                    : ErrorType::kInternalServer,
                            std::move(description));
  error.reason = std::string(storage_error_name(code));
  return error;
}

// The code of an error a store returned; nullopt for any other error.
[[nodiscard]] inline std::optional<StorageErrorCode> storage_error_code(const Error& error) {
  if (!error.reason) return std::nullopt;
  for (auto code : {StorageErrorCode::kNotFound, StorageErrorCode::kAlreadyExists,
                    StorageErrorCode::kConflict, StorageErrorCode::kUnavailable,
                    StorageErrorCode::kInvalidValue}) {
    if (*error.reason == storage_error_name(code)) return code;
  }
  return std::nullopt;
}

}  // namespace ssooidc::storage
