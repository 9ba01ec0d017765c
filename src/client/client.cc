#include <optional>

#include "client/client_internal.h"
#include "client/resolve.h"
#include "client/service_call.h"
#include "client/sigv4.h"
#include "wire/codec.h"

namespace ssooidc {

using client::HttpCall;
using client::HttpReply;

struct Client::Impl {
  Config config;
  std::unique_ptr<client::ServiceConnection> connection;
  std::optional<StaticCredentials> credentials;  // resolved on the first signed call

  // Sends one operation with retries and returns the 2xx answer, or the Error.
  std::expected<HttpReply, Error> call(std::string_view path, bool iam, std::string body);

 private:
  std::expected<void, Error> sign(HttpCall& call, std::string_view path);
};

std::expected<void, Error> Client::Impl::sign(HttpCall& call, std::string_view path) {
  if (!credentials) {
    auto resolved =
        client::resolve_credentials(config, *connection->env, connection->settings.profile);
    if (!resolved) return std::unexpected(std::move(resolved.error()));
    credentials = std::move(*resolved);
  }
  client::sigv4::Request request;
  request.method = call.method;
  // The signer encodes the path itself; hand it the decoded form of the endpoint's prefix.
  request.path = client::sigv4::uri_decode(connection->endpoint.path_prefix) + std::string(path);
  request.query = {{"aws_iam", "t"}};
  request.headers = call.headers;
  request.body = call.body;
  client::sigv4::Params params;
  params.credentials = *credentials;
  params.region = connection->settings.region;
  params.service = "sso-oauth";
  params.epoch_seconds = connection->clock->now_epoch_seconds();
  auto signature = client::sigv4::sign_headers(request, params);
  for (auto& h : signature.headers_to_add) call.headers.push_back(std::move(h));
  return {};
}

std::expected<HttpReply, Error> Client::Impl::call(std::string_view path, bool iam,
                                                   std::string body) {
  return connection->send([&](HttpCall& call) -> std::expected<void, Error> {
    call.method = "POST";
    call.url = connection->settings.endpoint + std::string(path) + (iam ? "?aws_iam=t" : "");
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = body;
    // Signed per attempt: X-Amz-Date must be current on a retry.
    if (iam && !config.credentials.anonymous) return sign(call, path);
    return {};
  });
}

Client::Client(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

std::expected<Client, Error> Client::create(Config config) {
  return client::make_client(std::move(config), {});
}

std::expected<RegisterClientResponse, Error> Client::register_client(
    const RegisterClientRequest& request) {
  return client::decode_reply(impl_->call("/client/register", false, wire::encode(request)),
                              &wire::decode_register_client_response);
}

std::expected<StartDeviceAuthorizationResponse, Error> Client::start_device_authorization(
    const StartDeviceAuthorizationRequest& request) {
  return client::decode_reply(impl_->call("/device_authorization", false, wire::encode(request)),
                              &wire::decode_start_device_authorization_response);
}

std::expected<CreateTokenResponse, Error> Client::create_token(const CreateTokenRequest& request) {
  return client::decode_reply(impl_->call("/token", false, wire::encode(request)),
                              &wire::decode_create_token_response);
}

std::expected<CreateTokenWithIAMResponse, Error> Client::create_token_with_iam(
    const CreateTokenWithIAMRequest& request) {
  return client::decode_reply(impl_->call("/token", true, wire::encode(request)),
                              &wire::decode_create_token_with_iam_response);
}

const std::string& Client::region() const noexcept { return impl_->connection->settings.region; }
const std::string& Client::endpoint() const noexcept {
  return impl_->connection->settings.endpoint;
}
const std::string& Client::profile() const noexcept { return impl_->connection->settings.profile; }

namespace client {

Env& default_env() {
  static PosixEnv env;
  return env;
}

const core::Clock& default_clock() {
  static core::SystemClock clock;
  return clock;
}

std::expected<Client, Error> make_client(Config config, ClientDependencies deps) {
  auto settings = resolve_settings(config, env_of(deps));
  if (!settings) return std::unexpected(std::move(settings.error()));
  auto connection = open_service_connection(config, std::move(*settings), std::move(deps));
  if (!connection) return std::unexpected(std::move(connection.error()));
  auto impl = std::make_unique<Client::Impl>();
  impl->connection = std::move(*connection);
  impl->config = std::move(config);
  return Client(std::move(impl));
}

}  // namespace client
}  // namespace ssooidc
