#include "wire/codec.h"

#include "core/json_text.h"

// The one translation unit that compiles Boost.JSON (header-only mode). No other file of the
// program may include <boost/json/src.hpp>; others include <boost/json.hpp> and link ssooidc_wire.
#include <algorithm>
#include <array>
#include <iterator>
#include <boost/json/src.hpp>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace ssooidc::wire {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Member lists. Each type lists its members once, in ALPHABETICAL order of the JSON name: that
// is the order the service emits (§2.2 of the reference), and the same list drives the encoder,
// the size estimate and the decoder. `V` is the type or its const version. A member of type
// std::string (not optional) is a required member of a request.

template <typename V, typename T>
concept Is = std::same_as<std::remove_const_t<V>, T>;

template <Is<RegisterClientRequest> V, typename F>
void for_each_member(V& v, F& f) {
  f("clientName", v.clientName);
  f("clientType", v.clientType);
  f("entitledApplicationArn", v.entitledApplicationArn);
  f("grantTypes", v.grantTypes);
  f("issuerUrl", v.issuerUrl);
  f("redirectUris", v.redirectUris);
  f("scopes", v.scopes);
}

template <Is<RegisterClientResponse> V, typename F>
void for_each_member(V& v, F& f) {
  f("authorizationEndpoint", v.authorizationEndpoint);
  f("clientId", v.clientId);
  f("clientIdIssuedAt", v.clientIdIssuedAt);
  f("clientSecret", v.clientSecret);
  f("clientSecretExpiresAt", v.clientSecretExpiresAt);
  f("tokenEndpoint", v.tokenEndpoint);
}

template <Is<StartDeviceAuthorizationRequest> V, typename F>
void for_each_member(V& v, F& f) {
  f("clientId", v.clientId);
  f("clientSecret", v.clientSecret);
  f("startUrl", v.startUrl);
}

template <Is<StartDeviceAuthorizationResponse> V, typename F>
void for_each_member(V& v, F& f) {
  f("deviceCode", v.deviceCode);
  f("expiresIn", v.expiresIn);
  f("interval", v.interval);
  f("userCode", v.userCode);
  f("verificationUri", v.verificationUri);
  f("verificationUriComplete", v.verificationUriComplete);
}

template <Is<CreateTokenRequest> V, typename F>
void for_each_member(V& v, F& f) {
  f("clientId", v.clientId);
  f("clientSecret", v.clientSecret);
  f("code", v.code);
  f("codeVerifier", v.codeVerifier);
  f("deviceCode", v.deviceCode);
  f("grantType", v.grantType);
  f("redirectUri", v.redirectUri);
  f("refreshToken", v.refreshToken);
  f("scope", v.scope);
}

template <Is<CreateTokenResponse> V, typename F>
void for_each_member(V& v, F& f) {
  f("accessToken", v.accessToken);
  f("expiresIn", v.expiresIn);
  f("idToken", v.idToken);
  f("refreshToken", v.refreshToken);
  f("tokenType", v.tokenType);
}

template <Is<CreateTokenWithIAMRequest> V, typename F>
void for_each_member(V& v, F& f) {
  f("assertion", v.assertion);
  f("clientId", v.clientId);
  f("code", v.code);
  f("codeVerifier", v.codeVerifier);
  f("grantType", v.grantType);
  f("redirectUri", v.redirectUri);
  f("refreshToken", v.refreshToken);
  f("requestedTokenType", v.requestedTokenType);
  f("scope", v.scope);
  f("subjectToken", v.subjectToken);
  f("subjectTokenType", v.subjectTokenType);
}

template <Is<AwsAdditionalDetails> V, typename F>
void for_each_member(V& v, F& f) {
  f("identityContext", v.identityContext);
}

template <Is<CreateTokenWithIAMResponse> V, typename F>
void for_each_member(V& v, F& f) {
  f("accessToken", v.accessToken);
  f("awsAdditionalDetails", v.awsAdditionalDetails);
  f("expiresIn", v.expiresIn);
  f("idToken", v.idToken);
  f("issuedTokenType", v.issuedTokenType);
  f("refreshToken", v.refreshToken);
  f("scope", v.scope);
  f("tokenType", v.tokenType);
}

// ---------------------------------------------------------------------------------------------
// Encoding: a hand-written serializer appending to one pre-sized std::string.

void append_integer(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Sums the bytes a value needs without escapes, so that the output is allocated once.
struct SizeEstimate {
  std::size_t bytes = 2;  // {}

  void member(std::string_view key, std::size_t value_bytes) {
    bytes += key.size() + 4 + value_bytes;
  }
  void operator()(std::string_view key, const std::string& v) { member(key, v.size() + 2); }
  void operator()(std::string_view key, const std::optional<std::string>& v) {
    if (v) member(key, v->size() + 2);
  }
  template <std::integral I>
  void operator()(std::string_view key, const std::optional<I>& v) {
    if (v) member(key, 20);
  }
  void operator()(std::string_view key, const std::optional<std::vector<std::string>>& v) {
    if (!v) return;
    std::size_t list_bytes = 2;
    for (const auto& s : *v) list_bytes += s.size() + 3;
    member(key, list_bytes);
  }
  void operator()(std::string_view key, const std::optional<AwsAdditionalDetails>& v) {
    if (!v) return;
    SizeEstimate nested;
    for_each_member(*v, nested);
    member(key, nested.bytes);
  }
};

// Writes the members of one object; the caller writes the braces.
class MemberWriter {
 public:
  explicit MemberWriter(std::string& out) : out_(out) {}

  void operator()(std::string_view key, const std::string& v) {
    write_key(key);
    core::append_json_string(out_, v);
  }
  void operator()(std::string_view key, const std::optional<std::string>& v) {
    if (v) (*this)(key, *v);
  }
  template <std::integral I>
  void operator()(std::string_view key, const std::optional<I>& v) {
    if (!v) return;
    write_key(key);
    append_integer(out_, *v);
  }
  void operator()(std::string_view key, const std::optional<std::vector<std::string>>& v) {
    if (!v) return;
    write_key(key);
    out_.push_back('[');
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (i != 0) out_.push_back(',');
      core::append_json_string(out_, (*v)[i]);
    }
    out_.push_back(']');
  }
  void operator()(std::string_view key, const std::optional<AwsAdditionalDetails>& v) {
    if (!v) return;
    write_key(key);
    out_.push_back('{');
    MemberWriter nested(out_);
    for_each_member(*v, nested);
    out_.push_back('}');
  }

 private:
  // Member names are the model's ASCII identifiers and never need escaping.
  void write_key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(key);
    out_.append("\":", 2);
  }

  std::string& out_;
  bool first_ = true;
};

template <typename T>
std::string encode_object(const T& value) {
  SizeEstimate estimate;
  for_each_member(value, estimate);
  std::string out;
  out.reserve(estimate.bytes);
  out.push_back('{');
  MemberWriter writer(out);
  for_each_member(value, writer);
  out.push_back('}');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding: Boost.JSON DOM parsed into a stack arena (most request bodies never touch the heap),
// then copied member by member into the wire type.

// Covers a typical CreateToken poll (long client secret included); larger bodies spill to the
// heap through the monotonic resource's upstream.
constexpr std::size_t kArenaBytes = 4096;

struct Arena {
  alignas(std::max_align_t) unsigned char buffer[kArenaBytes];
  json::monotonic_resource resource{buffer, sizeof buffer};
};

bool is_blank(std::string_view body) noexcept {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Parses `body` into `arena`. An empty or all-whitespace body reads as `{}`: clients that send
// no members at all then get the "missing member" answer instead of a syntax error.
std::expected<json::object*, Error> parse_object(std::string_view body, Arena& arena,
                                                 json::value& root, ErrorType error_type,
                                                 std::string_view what) {
  if (is_blank(body)) {
    root.emplace_object();
    return &root.get_object();
  }
  json::error_code ec;
  root = json::parse(json::string_view(body.data(), body.size()), ec, &arena.resource);
  if (ec) return std::unexpected(Error::make(error_type, std::string(what) + " is not valid JSON"));
  json::object* object = root.if_object();
  if (object == nullptr) {
    return std::unexpected(Error::make(error_type, std::string(what) + " must be a JSON object"));
  }
  return object;
}

template <std::integral I>
std::optional<I> to_integer(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::int64:
      if (std::in_range<I>(v.get_int64())) return static_cast<I>(v.get_int64());
      return std::nullopt;
    case json::kind::uint64:
      if (std::in_range<I>(v.get_uint64())) return static_cast<I>(v.get_uint64());
      return std::nullopt;
    case json::kind::double_: {
      // A number written as 600.0 or 6e2. The limits of signed types are -2^(n-1) and
      // 2^(n-1) - 1, so both bounds below are exact doubles.
      const double d = v.get_double();
      constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
      if (!std::isfinite(d) || std::trunc(d) != d || d < lo || d >= -lo) return std::nullopt;
      return static_cast<I>(d);
    }
    default:
      return std::nullopt;
  }
}

// Reads the members of one JSON object into a wire type; stops at the first bad member.
class MemberReader {
 public:
  MemberReader(const json::object& object, ErrorType error_type, std::string_view subject,
               std::vector<std::string>* missing_required, std::string_view parent = {})
      : object_(object),
        error_type_(error_type),
        subject_(subject),
        missing_required_(missing_required),
        parent_(parent) {}

  std::optional<Error>& error() { return error_; }

  // A plain std::string member is a required member of a request.
  void operator()(std::string_view key, std::string& out) {
    const json::value* v = find(key);
    if (v == nullptr) {
      if (missing_required_ != nullptr) missing_required_->emplace_back(key);
      return;
    }
    if (const json::string* s = v->if_string()) {
      if (text_ok(key, *s)) out.assign(s->data(), s->size());
    } else {
      fail(key, "must be a string");
    }
  }
  void operator()(std::string_view key, std::optional<std::string>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (const json::string* s = v->if_string()) {
      if (text_ok(key, *s)) out.emplace(s->data(), s->size());
    } else {
      fail(key, "must be a string");
    }
  }
  template <std::integral I>
  void operator()(std::string_view key, std::optional<I>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (!v->is_number()) return fail(key, "must be an integer");
    out = to_integer<I>(*v);
    if (!out) fail(key, "must be an integer in range");
  }
  void operator()(std::string_view key, std::optional<std::vector<std::string>>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    const json::array* array = v->if_array();
    if (array == nullptr) return fail(key, "must be a list of strings");
    auto& list = out.emplace();
    list.reserve(array->size());
    for (const json::value& element : *array) {
      const json::string* s = element.if_string();
      if (s == nullptr) {
        out.reset();
        return fail(key, "must be a list of strings");
      }
      if (!text_ok(key, *s)) {
        out.reset();
        return;
      }
      list.emplace_back(s->data(), s->size());
    }
  }
  void operator()(std::string_view key, std::optional<AwsAdditionalDetails>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    const json::object* nested_object = v->if_object();
    if (nested_object == nullptr) return fail(key, "must be an object");
    MemberReader nested(*nested_object, error_type_, subject_, nullptr, key);
    for_each_member(out.emplace(), nested);
    if (nested.error_) error_ = std::move(nested.error_);
  }

 private:
  // A member set to JSON null reads as absent. After an error, every member reads as absent so
  // that the remaining visits are no-ops.
  const json::value* find(std::string_view key) const {
    if (error_) return nullptr;
    const json::value* v = object_.if_contains(json::string_view(key.data(), key.size()));
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  // Boost.JSON already refuses bytes that are not UTF-8 and lone surrogates; "\u0000" decodes to
  // a NUL, which no storage backend keeps as text (core::is_storable_text). Only requests are
  // judged: what a server answers is the client's to take as it is.
  bool text_ok(std::string_view key, const json::string& s) {
    if (error_type_ != ErrorType::kInvalidRequest ||
        core::is_storable_text(std::string_view(s.data(), s.size())))
      return true;
    fail(key, "must be UTF-8 text without NUL characters");
    return false;
  }

  void fail(std::string_view key, std::string_view expectation) {
    std::string description(subject_);
    description += " '";
    if (!parent_.empty()) {
      description += parent_;
      description += '.';
    }
    description += key;
    description += "' ";
    description += expectation;
    error_ = Error::make(error_type_, std::move(description));
  }

  const json::object& object_;
  ErrorType error_type_;
  std::string_view subject_;
  std::vector<std::string>* missing_required_;
  std::string_view parent_;
  std::optional<Error> error_;
};

// Requests come from untrusted clients: a bad body is the client's fault (InvalidRequest).
template <typename T>
std::expected<Decoded<T>, Error> decode_request(std::string_view body) {
  Arena arena;
  json::value root(&arena.resource);
  auto object = parse_object(body, arena, root, ErrorType::kInvalidRequest, "Request body");
  if (!object) return std::unexpected(std::move(object.error()));
  Decoded<T> decoded;
  MemberReader reader(**object, ErrorType::kInvalidRequest, "Member", &decoded.missing_required);
  for_each_member(decoded.value, reader);
  if (reader.error()) return std::unexpected(std::move(*reader.error()));
  return decoded;
}

// Responses come from a server the client library talks to; a malformed one is reported as an
// unrecognised error rather than blamed on the caller.
template <typename T>
std::expected<T, Error> decode_response(std::string_view body) {
  Arena arena;
  json::value root(&arena.resource);
  auto object = parse_object(body, arena, root, ErrorType::kUnknown, "Response body");
  if (!object) return std::unexpected(std::move(object.error()));
  T value;
  MemberReader reader(**object, ErrorType::kUnknown, "Response member", nullptr);
  for_each_member(value, reader);
  if (reader.error()) return std::unexpected(std::move(*reader.error()));
  return value;
}

}  // namespace

std::string encode(const RegisterClientRequest& v) { return encode_object(v); }
std::string encode(const RegisterClientResponse& v) { return encode_object(v); }
std::string encode(const StartDeviceAuthorizationRequest& v) { return encode_object(v); }
std::string encode(const StartDeviceAuthorizationResponse& v) { return encode_object(v); }
std::string encode(const CreateTokenRequest& v) { return encode_object(v); }
std::string encode(const CreateTokenResponse& v) { return encode_object(v); }
std::string encode(const CreateTokenWithIAMRequest& v) { return encode_object(v); }
std::string encode(const CreateTokenWithIAMResponse& v) { return encode_object(v); }

std::expected<Decoded<RegisterClientRequest>, Error> decode_register_client_request(
    std::string_view body) {
  return decode_request<RegisterClientRequest>(body);
}
std::expected<RegisterClientResponse, Error> decode_register_client_response(
    std::string_view body) {
  return decode_response<RegisterClientResponse>(body);
}
std::expected<Decoded<StartDeviceAuthorizationRequest>, Error>
decode_start_device_authorization_request(std::string_view body) {
  return decode_request<StartDeviceAuthorizationRequest>(body);
}
std::expected<StartDeviceAuthorizationResponse, Error> decode_start_device_authorization_response(
    std::string_view body) {
  return decode_response<StartDeviceAuthorizationResponse>(body);
}
std::expected<Decoded<CreateTokenRequest>, Error> decode_create_token_request(
    std::string_view body) {
  return decode_request<CreateTokenRequest>(body);
}
std::expected<CreateTokenResponse, Error> decode_create_token_response(std::string_view body) {
  return decode_response<CreateTokenResponse>(body);
}
std::expected<Decoded<CreateTokenWithIAMRequest>, Error> decode_create_token_with_iam_request(
    std::string_view body) {
  return decode_request<CreateTokenWithIAMRequest>(body);
}
std::expected<CreateTokenWithIAMResponse, Error> decode_create_token_with_iam_response(
    std::string_view body) {
  return decode_response<CreateTokenWithIAMResponse>(body);
}

namespace {

// JSON's insignificant whitespace (RFC 8259 section 2).
std::size_t skip_json_space(std::string_view text, std::size_t at) noexcept {
  while (at < text.size() &&
         (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
    ++at;
  return at;
}

// Whether every byte is printable ASCII (0x20-0x7e) other than a backslash. Eight bytes a step
// (issue 15: a byte loop was the poll's largest user-space function, the client secret alone is
// ~150 bytes): each test below is exact for "some byte of the word" (the classic has-zero and
// has-less-than tricks; a borrow can misplace a flag, never invent one).
bool printable_without_escapes(std::string_view text) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t w) { return (w - kOnes) & ~w & kHigh; };
  std::size_t i = 0;
  std::uint64_t bad = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, text.data() + i, 8);
    bad |= (w & kHigh) | ((w - kOnes * 0x20) & ~w & kHigh) | has_zero(w ^ (kOnes * 0x7f)) |
           has_zero(w ^ (kOnes * '\\'));
  }
  if (bad != 0) return false;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\' || c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// A string at `at` made of printable ASCII without escapes: its content, and `at` moved past
// the closing quote. nullopt otherwise (the full decoder then judges it). Such a string is
// already valid UTF-8 without NUL, i.e. what MemberReader's text check accepts.
std::optional<std::string_view> plain_json_string(std::string_view text, std::size_t& at) noexcept {
  if (at >= text.size() || text[at] != '"') return std::nullopt;
  const std::size_t start = at + 1;
  const void* quote = std::memchr(text.data() + start, '"', text.size() - start);
  if (quote == nullptr) return std::nullopt;
  const std::string_view content =
      text.substr(start, static_cast<const char*>(quote) - (text.data() + start));
  if (!printable_without_escapes(content)) return std::nullopt;
  at = start + content.size() + 1;
  return content;
}

// decode_device_code_poll's members, in the order of its slots.
constexpr std::string_view kPollMembers[] = {"clientId", "clientSecret", "grantType",
                                             "deviceCode"};

}  // namespace

std::optional<DeviceCodePollMembers> device_code_poll_members(std::string_view body) {
  std::string_view values[4];
  bool seen[4] = {false, false, false, false};
  std::size_t at = skip_json_space(body, 0);
  if (at >= body.size() || body[at] != '{') return std::nullopt;
  at = skip_json_space(body, at + 1);
  for (;;) {
    const auto key = plain_json_string(body, at);
    if (!key) return std::nullopt;
    const auto* member = std::find(std::begin(kPollMembers), std::end(kPollMembers), *key);
    if (member == std::end(kPollMembers)) return std::nullopt;
    const auto slot = static_cast<std::size_t>(member - std::begin(kPollMembers));
    if (seen[slot]) return std::nullopt;
    at = skip_json_space(body, at);
    if (at >= body.size() || body[at] != ':') return std::nullopt;
    at = skip_json_space(body, at + 1);
    const auto value = plain_json_string(body, at);
    if (!value) return std::nullopt;
    seen[slot] = true;
    values[slot] = *value;
    at = skip_json_space(body, at);
    if (at >= body.size()) return std::nullopt;
    if (body[at] == '}') break;
    if (body[at] != ',') return std::nullopt;
    at = skip_json_space(body, at + 1);
  }
  if (skip_json_space(body, at + 1) != body.size()) return std::nullopt;
  for (const bool present : seen)
    if (!present) return std::nullopt;
  return DeviceCodePollMembers{values[0], values[1], values[2], values[3]};
}

std::optional<CreateTokenRequest> decode_device_code_poll(std::string_view body) {
  const auto members = device_code_poll_members(body);
  if (!members) return std::nullopt;
  CreateTokenRequest request;
  request.clientId.assign(members->client_id);
  request.clientSecret.assign(members->client_secret);
  request.grantType.assign(members->grant_type);
  request.deviceCode.emplace(members->device_code);
  return request;
}

// Member order error, error_description, reason: the order of the service's observed bytes (§4.2).
std::string encode_error_body(const Error& e) {
  std::string out;
  out.reserve(40 + e.error.size() + e.error_description.size() +
              (e.reason ? e.reason->size() + 12 : 0));
  out.append("{\"error\":");
  core::append_json_string(out, e.error);
  out.append(",\"error_description\":");
  core::append_json_string(out, e.error_description);
  if (e.reason) {
    out.append(",\"reason\":");
    core::append_json_string(out, *e.reason);
  }
  out.push_back('}');
  return out;
}

ErrorBody decode_error_body(std::string_view body) noexcept {
  ErrorBody result;
  try {
    Arena arena;
    json::value root(&arena.resource);
    auto object = parse_object(body, arena, root, ErrorType::kUnknown, "Error body");
    if (!object) return result;
    auto read = [&](std::string_view key, std::optional<std::string>& out) {
      const json::value* v = (*object)->if_contains(json::string_view(key.data(), key.size()));
      if (v == nullptr || out) return;
      if (const json::string* s = v->if_string()) out.emplace(s->data(), s->size());
    };
    read("error", result.error);
    read("error_description", result.error_description);
    read("reason", result.reason);
    read("code", result.code);
    read("Code", result.code);  // only when `code` was absent
    read("__type", result.type);
  } catch (...) {
    // Out of memory while copying members: report what is known, never throw to the caller.
  }
  return result;
}

}  // namespace ssooidc::wire
