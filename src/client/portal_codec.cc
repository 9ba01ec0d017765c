#include "client/portal_codec.h"

#include <string>
#include <vector>

#include "client/json.h"

namespace ssooidc::client {
namespace {

Error malformed(std::string what) { return Error::make(ErrorType::kUnknown, std::move(what)); }

// Reads the members of one JSON object into a response; `path` prefixes member names in errors.
class ObjectReader {
 public:
  ObjectReader(const json::Value& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  // nullopt when absent or null; an error for another type.
  std::expected<std::optional<std::string>, Error> string(std::string_view key) const {
    const json::Value* v = object_.find(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->as_string() == nullptr)
      return std::unexpected(malformed(name(key) + " is not a string"));
    return *v->as_string();
  }

  std::expected<std::optional<std::int64_t>, Error> integer(std::string_view key) const {
    const json::Value* v = object_.find(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    auto n = v->as_int();
    if (!n) return std::unexpected(malformed(name(key) + " is not an integer"));
    return *n;
  }

  // The member when it is an object or an array of the wanted kind; nullptr when absent or null.
  std::expected<const json::Value*, Error> child(std::string_view key, bool array) const {
    const json::Value* v = object_.find(key);
    if (v == nullptr || v->is_null()) return nullptr;
    if (array ? !v->is_array() : !v->is_object()) {
      return std::unexpected(
          malformed(name(key) + (array ? " is not a list" : " is not an object")));
    }
    return v;
  }

  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

 private:
  const json::Value& object_;
  std::string path_;
};

// Assigns a read member or returns its error from the enclosing function.
#define SSOOIDC_READ_INTO(target, expr)                            \
  do {                                                             \
    auto read_result = (expr);                                     \
    if (!read_result) return std::unexpected(read_result.error()); \
    (target) = std::move(*read_result);                            \
  } while (false)

std::expected<json::Value, Error> parse_object(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return json::Value(json::Object{});
  auto doc = json::parse(body);
  if (!doc) return std::unexpected(malformed("the body is not JSON (" + doc.error() + ")"));
  if (!doc->is_object()) return std::unexpected(malformed("the body is not a JSON object"));
  return std::move(*doc);
}

std::expected<AccountInfo, Error> read_account(const ObjectReader& r) {
  AccountInfo a;
  SSOOIDC_READ_INTO(a.accountId, r.string("accountId"));
  SSOOIDC_READ_INTO(a.accountName, r.string("accountName"));
  SSOOIDC_READ_INTO(a.emailAddress, r.string("emailAddress"));
  return a;
}

std::expected<RoleInfo, Error> read_role(const ObjectReader& r) {
  RoleInfo role;
  SSOOIDC_READ_INTO(role.roleName, r.string("roleName"));
  SSOOIDC_READ_INTO(role.accountId, r.string("accountId"));
  return role;
}

// A list of objects, each read by `read_item`.
template <typename Item, typename ReadItem>
std::expected<std::optional<std::vector<Item>>, Error> read_list(const ObjectReader& r,
                                                                 std::string_view key,
                                                                 ReadItem read_item) {
  auto list = r.child(key, /*array=*/true);
  if (!list) return std::unexpected(list.error());
  if (*list == nullptr) return std::nullopt;
  std::vector<Item> out;
  const json::Array& items = *(*list)->as_array();
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = r.name(key) + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) return std::unexpected(malformed(where + " is not an object"));
    auto item = read_item(ObjectReader(items[i], where));
    if (!item) return std::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

std::expected<GetRoleCredentialsResponse, Error> decode_get_role_credentials_response(
    std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  const ObjectReader top(*doc, "");
  GetRoleCredentialsResponse out;
  auto credentials = top.child("roleCredentials", /*array=*/false);
  if (!credentials) return std::unexpected(credentials.error());
  if (*credentials != nullptr) {
    const ObjectReader r(**credentials, "roleCredentials");
    RoleCredentials c;
    SSOOIDC_READ_INTO(c.accessKeyId, r.string("accessKeyId"));
    SSOOIDC_READ_INTO(c.secretAccessKey, r.string("secretAccessKey"));
    SSOOIDC_READ_INTO(c.sessionToken, r.string("sessionToken"));
    SSOOIDC_READ_INTO(c.expiration, r.integer("expiration"));
    out.roleCredentials = std::move(c);
  }
  return out;
}

std::expected<ListAccountsResponse, Error> decode_list_accounts_response(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  const ObjectReader top(*doc, "");
  ListAccountsResponse out;
  SSOOIDC_READ_INTO(out.accountList, read_list<AccountInfo>(top, "accountList", read_account));
  SSOOIDC_READ_INTO(out.nextToken, top.string("nextToken"));
  return out;
}

std::expected<ListAccountRolesResponse, Error> decode_list_account_roles_response(
    std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  const ObjectReader top(*doc, "");
  ListAccountRolesResponse out;
  SSOOIDC_READ_INTO(out.roleList, read_list<RoleInfo>(top, "roleList", read_role));
  SSOOIDC_READ_INTO(out.nextToken, top.string("nextToken"));
  return out;
}

}  // namespace ssooidc::client
