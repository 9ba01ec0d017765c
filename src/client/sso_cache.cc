#include "client/sso_cache.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include "client/json.h"
#include "crypto/crypto.h"

namespace ssooidc::client {
namespace {

json::Value string_list(const std::vector<std::string>& items) {
  json::Array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return json::Value(std::move(a));
}

std::optional<std::vector<std::string>> read_string_list(const json::Value& doc,
                                                         std::string_view key) {
  const json::Value* v = doc.find(key);
  if (v == nullptr || v->as_array() == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *v->as_array())
    if (item.as_string() != nullptr) out.push_back(*item.as_string());
  return out;
}

std::optional<std::int64_t> read_time(const json::Value& doc, std::string_view key) {
  auto text = doc.string_member(key);
  if (!text) return std::nullopt;
  return parse_cache_time(*text);
}

// Parses exactly `n` digits.
bool digits(std::string_view& s, std::size_t n, int& out) {
  if (s.size() < n) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + n, out);
  if (ec != std::errc() || end != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_cache_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 4, y) || !expect(s, '-') || !digits(s, 2, mo) || !expect(s, '-') ||
      !digits(s, 2, d)) {
    return std::nullopt;
  }
  if (s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) return std::nullopt;
  s.remove_prefix(1);
  if (!digits(s, 2, h) || !expect(s, ':') || !digits(s, 2, mi) || !expect(s, ':') ||
      !digits(s, 2, sec)) {
    return std::nullopt;
  }
  if (!s.empty() && s.front() == '.') {  // fractional seconds (JS writes .000Z): truncated
    s.remove_prefix(1);
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
  }
  int offset_minutes = 0;
  if (s == "Z" || s == "z" || s.empty()) {
    s = {};
  } else if (s.front() == '+' || s.front() == '-') {
    const int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!digits(s, 2, oh)) return std::nullopt;
    if (!s.empty() && s.front() == ':') s.remove_prefix(1);
    if (!digits(s, 2, om) || !s.empty()) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const auto days_since_epoch = sys_days(ymd).time_since_epoch().count();
  return static_cast<std::int64_t>(days_since_epoch) * 86400 + h * 3600 + mi * 60 + sec -
         offset_minutes * 60;
}

std::string token_cache_key(const std::optional<std::string>& session_name,
                            std::string_view start_url) {
  return crypto::sha1_hex(session_name ? std::string_view(*session_name) : start_url);
}

std::string registration_key_material(std::string_view start_url, std::string_view region,
                                      const std::optional<std::vector<std::string>>& scopes,
                                      const std::optional<std::string>& session_name) {
  // Members in sort_keys order.
  json::Object o;
  o.emplace_back("region", json::Value(region));
  o.emplace_back("scopes", scopes ? string_list(*scopes) : json::Value(nullptr));
  o.emplace_back("session_name", session_name ? json::Value(*session_name) : json::Value(nullptr));
  o.emplace_back("startUrl", json::Value(start_url));
  o.emplace_back("tool", json::Value("botocore"));
  return json::serialize(json::Value(std::move(o)), json::Style::kPython);
}

std::string registration_cache_key(std::string_view start_url, std::string_view region,
                                   const std::optional<std::vector<std::string>>& scopes,
                                   const std::optional<std::string>& session_name) {
  return crypto::sha1_hex(registration_key_material(start_url, region, scopes, session_name));
}

std::string serialize_token(const SsoToken& t) {
  json::Object o;
  o.emplace_back("startUrl", json::Value(t.start_url));
  o.emplace_back("region", json::Value(t.region));
  o.emplace_back("accessToken", json::Value(t.access_token));
  o.emplace_back("expiresAt", json::Value(format_cache_time(t.expires_at)));
  if (t.client_id) o.emplace_back("clientId", json::Value(*t.client_id));
  if (t.client_secret) o.emplace_back("clientSecret", json::Value(*t.client_secret));
  if (t.registration_expires_at) {
    o.emplace_back("registrationExpiresAt",
                   json::Value(format_cache_time(*t.registration_expires_at)));
  }
  if (t.refresh_token) o.emplace_back("refreshToken", json::Value(*t.refresh_token));
  return json::serialize(json::Value(std::move(o)), json::Style::kPython);
}

std::expected<SsoToken, Error> parse_token(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return std::unexpected(file_error("not JSON: " + doc.error().error_description));
  if (!doc->is_object()) return std::unexpected(file_error("not a JSON object"));
  SsoToken t;
  auto access = doc->string_member("accessToken");
  if (!access) return std::unexpected(file_error("no accessToken"));
  t.access_token = *access;
  auto expires_text = doc->string_member("expiresAt");
  if (!expires_text) return std::unexpected(file_error("no expiresAt"));
  auto expires = parse_cache_time(*expires_text);
  if (!expires)
    return std::unexpected(file_error("expiresAt \"" + *expires_text + "\" is not a date"));
  t.expires_at = *expires;
  t.start_url = doc->string_member("startUrl").value_or("");
  t.region = doc->string_member("region").value_or("");
  t.client_id = doc->string_member("clientId");
  t.client_secret = doc->string_member("clientSecret");
  t.registration_expires_at = read_time(*doc, "registrationExpiresAt");
  t.refresh_token = doc->string_member("refreshToken");
  return t;
}

std::string serialize_registration(const SsoRegistration& r) {
  json::Object o;
  o.emplace_back("clientId", json::Value(r.client_id));
  o.emplace_back("clientSecret", json::Value(r.client_secret));
  o.emplace_back("expiresAt", json::Value(format_cache_time(r.expires_at)));
  if (r.scopes) o.emplace_back("scopes", string_list(*r.scopes));
  if (r.grant_types) o.emplace_back("grantTypes", string_list(*r.grant_types));
  return json::serialize(json::Value(std::move(o)), json::Style::kPython);
}

std::expected<SsoRegistration, Error> parse_registration(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return std::unexpected(file_error("not JSON: " + doc.error().error_description));
  SsoRegistration r;
  auto id = doc->string_member("clientId");
  auto secret = doc->string_member("clientSecret");
  auto expires = read_time(*doc, "expiresAt");
  if (!id || !secret || !expires) {
    return std::unexpected(file_error("a registration needs clientId, clientSecret and expiresAt"));
  }
  r.client_id = *id;
  r.client_secret = *secret;
  r.expires_at = *expires;
  r.scopes = read_string_list(*doc, "scopes");
  r.grant_types = read_string_list(*doc, "grantTypes");
  return r;
}

std::string SsoCache::default_dir(const Env& env) {
  auto home = env.home_dir();
  return home ? join_path(*home, ".aws/sso/cache") : std::string();
}

std::string SsoCache::path_for(std::string_view key) const {
  return join_path(dir_, std::string(key) + ".json");
}

std::expected<std::optional<SsoToken>, Error> SsoCache::load_token(std::string_view key) const {
  const std::string path = path_for(key);
  auto text = env_.read_file(path);
  if (!text) {
    if (is_file_not_found(text.error())) return std::optional<SsoToken>();
    return std::unexpected(std::move(text.error()));
  }
  auto token = parse_token(*text);
  if (!token)
    return std::unexpected(
        file_error("cannot use " + path + ": " + token.error().error_description));
  return std::optional<SsoToken>(std::move(*token));
}

std::expected<void, Error> SsoCache::save_token(std::string_view key, const SsoToken& token) {
  return env_.write_file_private(path_for(key), serialize_token(token));
}

std::expected<std::optional<SsoRegistration>, Error> SsoCache::load_registration(
    std::string_view key) const {
  const std::string path = path_for(key);
  auto text = env_.read_file(path);
  if (!text) {
    if (is_file_not_found(text.error())) return std::optional<SsoRegistration>();
    return std::unexpected(std::move(text.error()));
  }
  auto reg = parse_registration(*text);
  if (!reg)
    return std::unexpected(file_error("cannot use " + path + ": " + reg.error().error_description));
  return std::optional<SsoRegistration>(std::move(*reg));
}

std::expected<void, Error> SsoCache::save_registration(std::string_view key,
                                                       const SsoRegistration& registration) {
  return env_.write_file_private(path_for(key), serialize_registration(registration));
}

std::vector<SsoCache::Entry> SsoCache::list_tokens() const {
  std::vector<Entry> out;
  for (const auto& name : env_.list_files(dir_)) {
    if (!name.ends_with(".json")) continue;
    auto text = env_.read_file(join_path(dir_, name));
    if (!text) continue;
    auto token = parse_token(*text);
    if (!token) continue;
    out.push_back(Entry{name.substr(0, name.size() - 5), std::move(*token)});
  }
  return out;
}

std::expected<void, Error> SsoCache::remove(std::string_view key) {
  return env_.remove_file(path_for(key));
}

}  // namespace ssooidc::client
