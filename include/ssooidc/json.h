// ssooidc::json: a small JSON document model, the one the client library reads and writes the
// files it shares with other AWS tools with (the SSO token and registration caches, the role
// credentials cache), and that a program uses to print what it got (the `ssooidc` CLI's output):
//
//   auto doc = ssooidc::json::parse(R"({"accessToken": "...", "expiresAt": "..."})");
//   if (doc) std::puts(ssooidc::json::serialize(*doc, ssooidc::json::Style::kPretty).c_str());
//
// This model exists beside the wire codec because cache files are free-form (other writers add
// members, the JavaScript SDK writes pretty JSON with millisecond dates) and must be written back
// byte-for-byte the way botocore writes them (Python `json.dumps` separators and ASCII escaping)
// so that the cache key and contents match what the AWS CLI produces. The wire JSON of the
// public request/response types is given by the to_json functions at the end.
//
// Objects keep their member order. Numbers keep their source text, so integers of any size
// round-trip exactly.
//
// Thread safety: values are plain data, but the copies of a Value share its arrays and objects:
// do not modify a Value while another thread reads one of its copies.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ssooidc/error.h"
#include "ssooidc/portal_types.h"
#include "ssooidc/types.h"

namespace ssooidc::json {

class Value;
using Array = std::vector<Value>;               // a JSON array
using Member = std::pair<std::string, Value>;  // one member of an object: name and value
using Object = std::vector<Member>;            // a JSON object, members in source order

struct Null {};  // the JSON `null`
struct Number {
  std::string text;  // as in the source, e.g. "3600" or "1.5e3"
};

// One JSON value. The constructors are implicit so that documents read as they are written:
// `Object o; o.emplace_back("expired", true);`.

class Value {
 public:
  Value() : v_(Null{}) {}
  Value(std::nullptr_t) : v_(Null{}) {}                            // NOLINT: implicit by design
  Value(bool b) : v_(b) {}                                         // NOLINT
  Value(std::int64_t n) : v_(Number{std::to_string(n)}) {}         // NOLINT
  Value(int n) : v_(Number{std::to_string(n)}) {}                  // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                       // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}                // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                     // NOLINT
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}    // NOLINT
  Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}  // NOLINT
  // A number with the given source text, which the caller guarantees is a JSON number.
  static Value number(std::string text) {
    Value v;
    v.v_ = Number{std::move(text)};
    return v;
  }

  // The value's kind.
  bool is_null() const { return std::holds_alternative<Null>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<Number>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(v_); }

  // Accessors return nullptr / nullopt when the value has another type.
  const std::string* as_string() const { return std::get_if<std::string>(&v_); }
  std::optional<bool> as_bool() const;
  // An integral number that fits in int64 ("3600", "3600.0" and "3.6e3" all qualify).
  std::optional<std::int64_t> as_int() const;
  // The source text of a number; nullptr for other kinds.
  const std::string* number_text() const;
  const Array* as_array() const;
  const Object* as_object() const;
  Object* as_object();  // mutable access to an object's members

  // Object helpers: the first member named `key`, or nullptr.
  const Value* find(std::string_view key) const;
  // A string member, or nullopt when absent or not a string.
  std::optional<std::string> string_member(std::string_view key) const;
  // Sets (replacing in place, or appending) a member of an object value.
  void set(std::string_view key, Value value);
  // Removes a member of an object value; no-op when absent.
  void erase(std::string_view key);

 private:
  std::variant<Null, bool, Number, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> v_;
};

// Parses one JSON text (RFC 8259). Rejects trailing garbage, nesting deeper than 64, invalid
// escapes and invalid UTF-16 surrogates with ErrorType::kConfiguration (the texts it reads are the
// shared configuration and cache files), whose description says what is wrong and where.
[[nodiscard]] std::expected<Value, Error> parse(std::string_view text);

enum class Style {
  kCompact,        // {"a":1,"b":[1,2]}, UTF-8 kept as is
  kPython,         // {"a": 1, "b": [1, 2]}, non-ASCII as \uXXXX: Python's json.dumps defaults
  kPythonCompact,  // {"a":1,"b":[1,2]}, non-ASCII as \uXXXX: json.dumps(separators=(',', ':'))
  kPretty,         // 4-space indented, one member per line: the AWS CLI's JSON output
};
// The text of `value` in `style`. Never fails: strings are escaped as JSON requires (and, in
// the Python styles, every non-ASCII character as \uXXXX, surrogate pairs above U+FFFF).
[[nodiscard]] std::string serialize(const Value& value, Style style);

// The JSON of a public type exactly as the service sends it (compact, members in the model's
// order, absent optionals left out): what `aws sso-oidc ...` prints, re-indented by
// serialize(parse(...), kPretty). Never fails.
[[nodiscard]] std::string to_json(const RegisterClientResponse& response);
[[nodiscard]] std::string to_json(const StartDeviceAuthorizationResponse& response);
[[nodiscard]] std::string to_json(const CreateTokenResponse& response);
[[nodiscard]] std::string to_json(const CreateTokenWithIAMResponse& response);
// The credential_process format: {"Version":1,"AccessKeyId":...,...} (portal_types.h).
[[nodiscard]] std::string to_json(const CredentialProcessOutput& output);

}  // namespace ssooidc::json
