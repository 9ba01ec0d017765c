#include <string>
#include <utility>

#include "client/client_internal.h"
#include "client/resolve.h"
#include "client/service_call.h"
#include "client/sigv4.h"
#include "wire/portal_codec.h"

namespace ssooidc {

using client::HttpCall;
using client::HttpReply;

namespace {

// "?a=1&b=2" from the parameters that are set, in the given order; "" when none is.
std::string query_string(
    std::initializer_list<std::pair<std::string_view, std::optional<std::string>>> params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!value) continue;
    out += out.empty() ? '?' : '&';
    out += name;
    out += '=';
    out += client::sigv4::uri_encode(*value, /*keep_slash=*/false);
  }
  return out;
}

std::optional<std::string> number_text(std::optional<std::int32_t> n) {
  if (!n) return std::nullopt;
  return std::to_string(*n);
}

}  // namespace

struct PortalClient::Impl {
  std::unique_ptr<client::ServiceConnection> connection;

  // Sends one operation with retries and returns the 2xx answer, or the Error.
  std::expected<HttpReply, Error> call(std::string_view method, std::string_view path_and_query,
                                       const std::string& access_token) {
    return connection->send([&](HttpCall& call) -> std::expected<void, Error> {
      call.method = std::string(method);
      call.url = connection->settings.endpoint + std::string(path_and_query);
      call.headers.emplace_back(std::string(kPortalBearerHeader), access_token);
      return {};
    });
  }

  // Follows nextToken from page to page; `fetch(token)` returns one page's items and nextToken.
  template <typename Item, typename Fetch>
  std::expected<std::vector<Item>, Error> paginate(Fetch fetch) {
    std::vector<Item> all;
    std::optional<std::string> token;
    for (int page = 0; page < kMaxPages; ++page) {
      auto answer = fetch(token);
      if (!answer) return std::unexpected(std::move(answer.error()));
      auto& [items, next] = *answer;
      for (auto& item : items) all.push_back(std::move(item));
      if (!next || next->empty()) return all;
      if (token && *next == *token) {
        return std::unexpected(Error::make(
            ErrorType::kUnknown,
            "the service answered a page with the nextToken it was asked for; stopping"));
      }
      token = std::move(next);
    }
    return std::unexpected(Error::make(
        ErrorType::kUnknown,
        "more than " + std::to_string(kMaxPages) + " pages; stopping (the listing does not end)"));
  }
};

PortalClient::PortalClient(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
PortalClient::PortalClient(PortalClient&&) noexcept = default;
PortalClient& PortalClient::operator=(PortalClient&&) noexcept = default;
PortalClient::~PortalClient() = default;

std::expected<PortalClient, Error> PortalClient::create(const Config& config) {
  return client::make_portal_client(config, {});
}

std::expected<GetRoleCredentialsResponse, Error> PortalClient::get_role_credentials(
    const GetRoleCredentialsRequest& request) {
  const std::string path =
      "/federation/credentials" +
      query_string({{"role_name", request.roleName}, {"account_id", request.accountId}});
  return client::decode_reply(impl_->call("GET", path, request.accessToken),
                              &wire::decode_get_role_credentials_response);
}

std::expected<ListAccountsResponse, Error> PortalClient::list_accounts(
    const ListAccountsRequest& request) {
  const std::string path =
      "/assignment/accounts" + query_string({{"max_result", number_text(request.maxResults)},
                                             {"next_token", request.nextToken}});
  return client::decode_reply(impl_->call("GET", path, request.accessToken),
                              &wire::decode_list_accounts_response);
}

std::expected<ListAccountRolesResponse, Error> PortalClient::list_account_roles(
    const ListAccountRolesRequest& request) {
  const std::string path =
      "/assignment/roles" + query_string({{"account_id", request.accountId},
                                          {"max_result", number_text(request.maxResults)},
                                          {"next_token", request.nextToken}});
  return client::decode_reply(impl_->call("GET", path, request.accessToken),
                              &wire::decode_list_account_roles_response);
}

std::expected<void, Error> PortalClient::logout(const LogoutRequest& request) {
  auto reply = impl_->call("POST", "/logout", request.accessToken);
  if (!reply) return std::unexpected(std::move(reply.error()));
  return {};
}

std::expected<std::vector<AccountInfo>, Error> PortalClient::list_all_accounts(
    const std::string& access_token, std::optional<std::int32_t> page_size) {
  using Page = std::pair<std::vector<AccountInfo>, std::optional<std::string>>;
  return impl_->paginate<AccountInfo>([&](const std::optional<std::string>& token)
                                          -> std::expected<Page, Error> {
    auto page =
        list_accounts({.nextToken = token, .maxResults = page_size, .accessToken = access_token});
    if (!page) return std::unexpected(std::move(page.error()));
    return Page{page->accountList.value_or(std::vector<AccountInfo>{}), std::move(page->nextToken)};
  });
}

std::expected<std::vector<RoleInfo>, Error> PortalClient::list_all_account_roles(
    const std::string& access_token, const std::string& account_id,
    std::optional<std::int32_t> page_size) {
  using Page = std::pair<std::vector<RoleInfo>, std::optional<std::string>>;
  return impl_->paginate<RoleInfo>(
      [&](const std::optional<std::string>& token) -> std::expected<Page, Error> {
        auto page = list_account_roles({.nextToken = token,
                                        .maxResults = page_size,
                                        .accessToken = access_token,
                                        .accountId = account_id});
        if (!page) return std::unexpected(std::move(page.error()));
        return Page{page->roleList.value_or(std::vector<RoleInfo>{}), std::move(page->nextToken)};
      });
}

const std::string& PortalClient::region() const noexcept {
  return impl_->connection->settings.region;
}
const std::string& PortalClient::endpoint() const noexcept {
  return impl_->connection->settings.endpoint;
}
const std::string& PortalClient::profile() const noexcept {
  return impl_->connection->settings.profile;
}

namespace client {

std::expected<PortalClient, Error> make_portal_client(const Config& config,
                                                      ClientDependencies deps) {
  auto settings = resolve_settings(config, env_of(deps), kPortalService);
  if (!settings) return std::unexpected(std::move(settings.error()));
  auto connection = open_service_connection(config, std::move(*settings), std::move(deps));
  if (!connection) return std::unexpected(std::move(connection.error()));
  auto impl = std::make_unique<PortalClient::Impl>();
  impl->connection = std::move(*connection);
  return PortalClient(std::move(impl));
}

}  // namespace client
}  // namespace ssooidc
