#include "client/sigv4.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>

#include "core/http_message.h"
#include "core/time_format.h"
#include "core/url.h"
#include "crypto/crypto.h"

namespace ssooidc::client::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trims and collapses runs of whitespace (including folded line breaks) to one space.
std::string canonical_header_value(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool never_signed(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 6> kSkip{
      "authorization", "user-agent",        "expect",
      "connection",    "transfer-encoding", "x-amzn-trace-id"};
  return std::find(kSkip.begin(), kSkip.end(), lower_name) != kSkip.end();
}

// RFC 3986 section 5.2.4 dot-segment removal, also dropping empty segments.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    auto seg = path.substr(i, slash - i);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    i = slash + 1;
  }
  std::string out = "/";
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (k > 0) out += '/';
    out += segments[k];
  }
  // A trailing slash survives ("//example//" -> "/example/") unless the path collapsed to "/".
  const bool trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
  if (trailing && !segments.empty()) out += '/';
  return out;
}

struct Canonical {
  std::string request;
  std::string signed_headers;
};

Canonical canonical_request(const Request& r, const HeaderList& headers,
                            const std::vector<std::pair<std::string, std::string>>& query,
                            std::string_view payload_hash, bool normalize) {
  // Headers: lower-case names, sorted; values of repeated names joined by ',' in order.
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string key = core::ascii_lower(name);
    if (never_signed(key)) continue;
    auto [it, inserted] = merged.try_emplace(key, canonical_header_value(value));
    if (!inserted) it->second += "," + canonical_header_value(value);
  }
  // Query: encoded names and values, sorted by name then value.
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(encoded.begin(), encoded.end());

  Canonical c;
  std::string& out = c.request;
  out += r.method;
  out += '\n';
  std::string path = r.path.empty() ? "/" : r.path;
  out += uri_encode(normalize ? normalized_path(path) : path, true);
  out += '\n';
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) out += '&';
    out += encoded[i].first;
    out += '=';
    out += encoded[i].second;
  }
  out += '\n';
  for (const auto& [name, value] : merged) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
    if (!c.signed_headers.empty()) c.signed_headers += ';';
    c.signed_headers += name;
  }
  out += '\n';
  out += c.signed_headers;
  out += '\n';
  out += payload_hash;
  return c;
}

std::string credential_scope(const Params& p, std::string_view date) {
  return std::string(date) + "/" + p.region + "/" + p.service + "/aws4_request";
}

std::string string_to_sign(std::string_view amz, std::string_view scope,
                           std::string_view canonical) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz;
  out += '\n';
  out += scope;
  out += '\n';
  out += crypto::sha256_hex(canonical);
  return out;
}

std::string signature_hex(const Params& p, std::string_view date, std::string_view sts) {
  std::string k = crypto::hmac_sha256("AWS4" + p.credentials.secret_access_key, date);
  k = crypto::hmac_sha256(k, p.region);
  k = crypto::hmac_sha256(k, p.service);
  k = crypto::hmac_sha256(k, "aws4_request");
  return crypto::hex_encode(crypto::hmac_sha256(k, sts));
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  return core::percent_encode(s, keep_slash ? "/" : "");
}

std::string uri_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string amz_date(std::int64_t epoch_seconds) {
  return core::format_iso8601_basic_utc(epoch_seconds);
}

Signature sign_headers(const Request& request, const Params& params) {
  const std::string amz = amz_date(params.epoch_seconds);
  const std::string date = amz.substr(0, 8);
  const std::string payload_hash = crypto::sha256_hex(request.body);

  Signature out;
  out.headers_to_add.emplace_back("X-Amz-Date", amz);
  const std::string& token = params.credentials.session_token;
  if (!token.empty() && !params.omit_session_token) {
    out.headers_to_add.emplace_back("X-Amz-Security-Token", token);
  }
  if (params.content_sha256_header) {
    out.headers_to_add.emplace_back("x-amz-content-sha256", payload_hash);
  }
  HeaderList to_sign = request.headers;
  to_sign.insert(to_sign.end(), out.headers_to_add.begin(), out.headers_to_add.end());

  Canonical c =
      canonical_request(request, to_sign, request.query, payload_hash, params.normalize_path);
  const std::string scope = credential_scope(params, date);
  out.canonical_request = std::move(c.request);
  out.string_to_sign = string_to_sign(amz, scope, out.canonical_request);
  out.signature = signature_hex(params, date, out.string_to_sign);
  if (!token.empty() && params.omit_session_token) {
    out.headers_to_add.emplace_back("X-Amz-Security-Token", token);
  }
  out.headers_to_add.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + params.credentials.access_key_id +
                           "/" + scope + ", SignedHeaders=" + c.signed_headers +
                           ", Signature=" + out.signature);
  return out;
}

Signature presign_query(const Request& request, const Params& params,
                        std::int64_t expires_seconds) {
  const std::string amz = amz_date(params.epoch_seconds);
  const std::string date = amz.substr(0, 8);
  const std::string scope = credential_scope(params, date);
  const std::string payload_hash = crypto::sha256_hex(request.body);

  // SignedHeaders is itself a parameter, so compute the list first.
  std::map<std::string, bool> names;
  for (const auto& [name, value] : request.headers) {
    std::string key = core::ascii_lower(name);
    if (!never_signed(key)) names[key] = true;
  }
  std::string signed_headers;
  for (const auto& [name, unused] : names) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  Signature out;
  out.query_to_add = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", params.credentials.access_key_id + "/" + scope},
      {"X-Amz-Date", amz},
      {"X-Amz-SignedHeaders", signed_headers},
      {"X-Amz-Expires", std::to_string(expires_seconds)},
  };
  const std::string& token = params.credentials.session_token;
  if (!token.empty() && !params.omit_session_token) {
    out.query_to_add.emplace_back("X-Amz-Security-Token", token);
  }
  auto query = request.query;
  query.insert(query.end(), out.query_to_add.begin(), out.query_to_add.end());

  Canonical c =
      canonical_request(request, request.headers, query, payload_hash, params.normalize_path);
  out.canonical_request = std::move(c.request);
  out.string_to_sign = string_to_sign(amz, scope, out.canonical_request);
  out.signature = signature_hex(params, date, out.string_to_sign);
  if (!token.empty() && params.omit_session_token) {
    out.query_to_add.emplace_back("X-Amz-Security-Token", token);
  }
  out.query_to_add.emplace_back("X-Amz-Signature", out.signature);
  return out;
}

}  // namespace ssooidc::client::sigv4
