#include "portal/request.h"

#include "core/json_text.h"

#include <charconv>

#include "ssooidc/portal_types.h"

namespace ssooidc::portal {
namespace {

constexpr std::size_t kMaxQueryBytes = 8 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Error invalid(std::string text) { return Error::make(ErrorType::kInvalidRequest, std::move(text)); }

}  // namespace

std::expected<QueryParams, Error> parse_query(std::string_view query) {
  if (query.size() > kMaxQueryBytes) return std::unexpected(invalid("The query string is too long"));
  QueryParams params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) return std::unexpected(invalid("The query string has a malformed escape"));
    if (!core::is_storable_text(*name) || !core::is_storable_text(*value))
      return std::unexpected(invalid("The query string is not UTF-8 text without NUL characters"));
    params.try_emplace(std::move(*name), std::move(*value));
  }
  return params;
}

std::optional<std::string> param(const QueryParams& params, std::string_view name) {
  const auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

std::expected<std::optional<std::int32_t>, Error> max_result_param(const QueryParams& params) {
  const auto text = param(params, "max_result");
  if (!text) return std::optional<std::int32_t>();
  std::int32_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty())
    return std::unexpected(invalid("max_result must be an integer between 1 and 100"));
  return std::optional<std::int32_t>(value);
}

std::string_view bearer_token(const core::HttpRequest& req) {
  return req.header(kPortalBearerHeader);
}

std::expected<ListingRequest, Error> listing_request(domain::PortalService& s,
                                                     const core::HttpRequest& req) {
  auto caller = s.authenticate(bearer_token(req));
  if (!caller) return std::unexpected(std::move(caller.error()));
  auto params = parse_query(req.query);
  if (!params) return std::unexpected(std::move(params.error()));
  auto max_results = max_result_param(*params);
  if (!max_results) return std::unexpected(std::move(max_results.error()));
  return ListingRequest{std::move(*caller), std::move(*params), *max_results};
}

}  // namespace ssooidc::portal
