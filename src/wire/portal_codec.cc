#include "wire/portal_codec.h"

// Boost.JSON is compiled in codec.cc; this file only uses it.
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>

namespace ssooidc::wire {
namespace {

namespace json = boost::json;

void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

// Writes `"name":value` members, with the commas between them.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  void string(std::string_view name, const std::optional<std::string>& value) {
    if (!value) return;
    key(name);
    append_string(out_, *value);
  }
  void integer(std::string_view name, const std::optional<std::int64_t>& value) {
    if (!value) return;
    key(name);
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, *value).ptr;
    out_.append(buf, end);
  }
  void key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_string(out_, name);
    out_.push_back(':');
  }
  void close() { out_.push_back('}'); }

 private:
  std::string& out_;
  bool first_ = true;
};

std::expected<json::object, Error> parse_object(std::string_view body, ErrorType type,
                                                std::string_view what) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return std::unexpected(Error::make(type, std::string(what) + " is not valid JSON"));
  if (!root.is_object())
    return std::unexpected(Error::make(type, std::string(what) + " must be a JSON object"));
  return std::move(root.get_object());
}

Error bad_member(ErrorType type, std::string_view what, std::string_view member) {
  return Error::make(type, std::string(what) + ": member '" + std::string(member) +
                               "' has the wrong type");
}

// Reads an optional string member; false when present with another type.
bool read_string(const json::object& o, std::string_view key, std::optional<std::string>& out) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || v->is_null()) return true;
  const json::string* s = v->if_string();
  if (s == nullptr) return false;
  out.emplace(s->data(), s->size());
  return true;
}

bool read_integer(const json::object& o, std::string_view key, std::optional<std::int64_t>& out) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || v->is_null()) return true;
  if (v->is_int64()) {
    out = v->get_int64();
    return true;
  }
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->get_uint64());
    return true;
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= -9.2e18 && d <= 9.2e18) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

constexpr std::string_view kResponse = "Response body";

template <typename Item, typename ReadItem>
std::expected<std::optional<std::vector<Item>>, Error> read_list(const json::object& o,
                                                                 std::string_view key,
                                                                 ReadItem read_item) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || v->is_null()) return std::optional<std::vector<Item>>();
  const json::array* items = v->if_array();
  if (items == nullptr) return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, key));
  std::vector<Item> out;
  out.reserve(items->size());
  for (const auto& element : *items) {
    const json::object* item = element.if_object();
    if (item == nullptr) return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, key));
    auto read = read_item(*item);
    if (!read) return std::unexpected(std::move(read.error()));
    out.push_back(std::move(*read));
  }
  return std::optional<std::vector<Item>>(std::move(out));
}

}  // namespace

std::string encode(const GetRoleCredentialsResponse& v) {
  std::string out;
  out.reserve(512);
  ObjectWriter top(out);
  if (v.roleCredentials) {
    top.key("roleCredentials");
    ObjectWriter c(out);
    c.string("accessKeyId", v.roleCredentials->accessKeyId);
    c.string("secretAccessKey", v.roleCredentials->secretAccessKey);
    c.string("sessionToken", v.roleCredentials->sessionToken);
    c.integer("expiration", v.roleCredentials->expiration);
    c.close();
  }
  top.close();
  return out;
}

std::string encode(const ListAccountsResponse& v) {
  std::string out;
  out.reserve(64 + (v.accountList ? v.accountList->size() * 96 : 0));
  ObjectWriter top(out);
  top.string("nextToken", v.nextToken);
  if (v.accountList) {
    top.key("accountList");
    out.push_back('[');
    bool first = true;
    for (const auto& a : *v.accountList) {
      if (!first) out.push_back(',');
      first = false;
      ObjectWriter item(out);
      item.string("accountId", a.accountId);
      item.string("accountName", a.accountName);
      item.string("emailAddress", a.emailAddress);
      item.close();
    }
    out.push_back(']');
  }
  top.close();
  return out;
}

std::string encode(const ListAccountRolesResponse& v) {
  std::string out;
  out.reserve(64 + (v.roleList ? v.roleList->size() * 64 : 0));
  ObjectWriter top(out);
  top.string("nextToken", v.nextToken);
  if (v.roleList) {
    top.key("roleList");
    out.push_back('[');
    bool first = true;
    for (const auto& r : *v.roleList) {
      if (!first) out.push_back(',');
      first = false;
      ObjectWriter item(out);
      item.string("roleName", r.roleName);
      item.string("accountId", r.accountId);
      item.close();
    }
    out.push_back(']');
  }
  top.close();
  return out;
}

std::expected<GetRoleCredentialsResponse, Error> decode_get_role_credentials_response(
    std::string_view body) {
  auto object = parse_object(body, ErrorType::kUnknown, kResponse);
  if (!object) return std::unexpected(std::move(object.error()));
  GetRoleCredentialsResponse out;
  const json::value* v = object->if_contains("roleCredentials");
  if (v == nullptr || v->is_null()) return out;
  const json::object* c = v->if_object();
  if (c == nullptr) return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "roleCredentials"));
  RoleCredentials creds;
  if (!read_string(*c, "accessKeyId", creds.accessKeyId))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "accessKeyId"));
  if (!read_string(*c, "secretAccessKey", creds.secretAccessKey))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "secretAccessKey"));
  if (!read_string(*c, "sessionToken", creds.sessionToken))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "sessionToken"));
  if (!read_integer(*c, "expiration", creds.expiration))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "expiration"));
  out.roleCredentials = std::move(creds);
  return out;
}

std::expected<ListAccountsResponse, Error> decode_list_accounts_response(std::string_view body) {
  auto object = parse_object(body, ErrorType::kUnknown, kResponse);
  if (!object) return std::unexpected(std::move(object.error()));
  ListAccountsResponse out;
  if (!read_string(*object, "nextToken", out.nextToken))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "nextToken"));
  auto list = read_list<AccountInfo>(
      *object, "accountList", [](const json::object& o) -> std::expected<AccountInfo, Error> {
        AccountInfo a;
        if (!read_string(o, "accountId", a.accountId) ||
            !read_string(o, "accountName", a.accountName) ||
            !read_string(o, "emailAddress", a.emailAddress))
          return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "accountList"));
        return a;
      });
  if (!list) return std::unexpected(std::move(list.error()));
  out.accountList = std::move(*list);
  return out;
}

std::expected<ListAccountRolesResponse, Error> decode_list_account_roles_response(
    std::string_view body) {
  auto object = parse_object(body, ErrorType::kUnknown, kResponse);
  if (!object) return std::unexpected(std::move(object.error()));
  ListAccountRolesResponse out;
  if (!read_string(*object, "nextToken", out.nextToken))
    return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "nextToken"));
  auto list = read_list<RoleInfo>(
      *object, "roleList", [](const json::object& o) -> std::expected<RoleInfo, Error> {
        RoleInfo r;
        if (!read_string(o, "roleName", r.roleName) || !read_string(o, "accountId", r.accountId))
          return std::unexpected(bad_member(ErrorType::kUnknown, kResponse, "roleList"));
        return r;
      });
  if (!list) return std::unexpected(std::move(list.error()));
  out.roleList = std::move(*list);
  return out;
}

std::string encode_portal_error_body(std::string_view shape, std::string_view message) {
  std::string out;
  out.reserve(80 + shape.size() + message.size());
  out.append("{\"message\":");
  append_string(out, message);
  out.append(",\"__type\":");
  append_string(out, "com.amazonaws.switchboard.portal#" + std::string(shape));
  out.push_back('}');
  return out;
}

std::string encode(const CredentialProcessOutput& v) {
  std::string out;
  ObjectWriter o(out);
  o.integer("Version", v.Version);
  o.string("AccessKeyId", v.AccessKeyId);
  o.string("SecretAccessKey", v.SecretAccessKey);
  o.string("SessionToken", v.SessionToken);
  o.string("Expiration", v.Expiration);
  o.close();
  return out;
}

std::expected<CredentialProcessOutput, Error> decode_credential_process_output(
    std::string_view text) {
  constexpr std::string_view kWhat = "credential_process output";
  constexpr ErrorType kType = ErrorType::kInternalServer;
  json::error_code ec;
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::unexpected(Error::make(kType, std::string(kWhat) + " is not valid JSON"));
  const json::object* o = root.if_object();
  if (o == nullptr)
    return std::unexpected(Error::make(kType, std::string(kWhat) + " is not a JSON object"));
  CredentialProcessOutput out;
  std::optional<std::int64_t> version;
  if (!read_integer(*o, "Version", version) || version != 1)
    return std::unexpected(Error::make(kType, std::string(kWhat) + ": Version must be 1"));
  std::optional<std::string> key_id, secret;
  if (!read_string(*o, "AccessKeyId", key_id) || !key_id || key_id->empty())
    return std::unexpected(
        Error::make(kType, std::string(kWhat) + ": AccessKeyId must be a non-empty string"));
  if (!read_string(*o, "SecretAccessKey", secret) || !secret || secret->empty())
    return std::unexpected(
        Error::make(kType, std::string(kWhat) + ": SecretAccessKey must be a non-empty string"));
  if (!read_string(*o, "SessionToken", out.SessionToken))
    return std::unexpected(bad_member(kType, kWhat, "SessionToken"));
  if (!read_string(*o, "Expiration", out.Expiration))
    return std::unexpected(bad_member(kType, kWhat, "Expiration"));
  out.AccessKeyId = std::move(*key_id);
  out.SecretAccessKey = std::move(*secret);
  return out;
}

}  // namespace ssooidc::wire
