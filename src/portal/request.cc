#include "portal/request.h"

#include "core/json_text.h"
#include "core/url.h"

#include <charconv>

#include "ssooidc/portal_types.h"

namespace ssooidc::portal {
namespace {

constexpr std::size_t kMaxQueryBytes = 8 * 1024;

Error invalid(std::string text) { return Error::make(ErrorType::kInvalidRequest, std::move(text)); }

}  // namespace

std::expected<QueryParams, Error> parse_query(std::string_view query) {
  if (query.size() > kMaxQueryBytes) return std::unexpected(invalid("The query string is too long"));
  QueryParams params;
  for (const auto& [raw_name, raw_value] : core::split_query(query)) {
    // RFC 3986, not a form: botocore percent-encodes these (a space as %20), so '+' is itself
    // and a bad escape is the caller's error.
    auto name = core::percent_decode(raw_name);
    auto value = core::percent_decode(raw_value);
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
