#include <mutex>
#include <optional>

#include "client/client_internal.h"
#include "client/curl_transport.h"
#include "client/error_parser.h"
#include "client/resolve.h"
#include "client/sigv4.h"
#include "crypto/crypto.h"
#include "wire/codec.h"

namespace ssooidc {

using client::HttpCall;
using client::HttpReply;

struct Client::Impl {
  Config config;
  client::ResolvedSettings settings;
  client::Env* env = nullptr;
  const core::Clock* clock = nullptr;
  core::Random* random = nullptr;
  client::Sleeper* sleeper = nullptr;
  std::unique_ptr<client::HttpTransport> transport;
  client::Backoff backoff;

  std::string host;         // authority of the endpoint, as sent in Host
  std::string path_prefix;  // path of the endpoint ("" for "https://oidc.us-east-1...")

  std::mutex mu;                                 // one request at a time on the one connection
  std::optional<StaticCredentials> credentials;  // resolved on the first signed call

  // Sends one operation with retries and returns the 2xx body, or the Error.
  std::expected<HttpReply, Error> call(std::string_view path, bool iam, std::string body);

  template <typename Response>
  std::expected<Response, Error> decode(
      std::expected<HttpReply, Error> reply,
      std::expected<Response, Error> (*decoder)(std::string_view)) {
    if (!reply) return std::unexpected(std::move(reply.error()));
    auto decoded = decoder(reply->body);
    if (!decoded) {
      Error e = std::move(decoded.error());
      e.type = ErrorType::kUnknown;
      e.error_description = "malformed response: " + e.error_description;
      e.http_status = reply->status;
      e.request_id = std::string(reply->header("x-amzn-RequestId"));
      return std::unexpected(std::move(e));
    }
    return decoded;
  }

 private:
  std::expected<void, Error> sign(HttpCall& call, std::string_view path);
};

std::expected<void, Error> Client::Impl::sign(HttpCall& call, std::string_view path) {
  if (!credentials) {
    auto resolved = client::resolve_credentials(config, *env, settings.profile);
    if (!resolved) return std::unexpected(std::move(resolved.error()));
    credentials = std::move(*resolved);
  }
  client::sigv4::Request request;
  request.method = call.method;
  // The signer encodes the path itself; hand it the decoded form of the endpoint's prefix.
  request.path = client::sigv4::uri_decode(path_prefix) + std::string(path);
  request.query = {{"aws_iam", "t"}};
  request.headers = call.headers;
  request.body = call.body;
  client::sigv4::Params params;
  params.credentials = *credentials;
  params.region = settings.region;
  params.service = "sso-oauth";
  params.epoch_seconds = clock->now_epoch_seconds();
  auto signature = client::sigv4::sign_headers(request, params);
  for (auto& h : signature.headers_to_add) call.headers.push_back(std::move(h));
  return {};
}

std::expected<HttpReply, Error> Client::Impl::call(std::string_view path, bool iam,
                                                   std::string body) {
  std::lock_guard lock(mu);
  const int max_retries = std::max(0, config.max_retries);
  for (int attempt = 0;; ++attempt) {
    HttpCall call;
    call.method = "POST";
    call.url = settings.endpoint + std::string(path) + (iam ? "?aws_iam=t" : "");
    call.headers = {{"Host", host}, {"Content-Type", "application/json"}};
    call.body = body;
    if (iam && !config.credentials.anonymous) {
      // Signed per attempt: X-Amz-Date must be current on a retry.
      if (auto signed_ok = sign(call, path); !signed_ok) {
        return std::unexpected(std::move(signed_ok.error()));
      }
    }
    if (config.close_connection) call.headers.emplace_back("Connection", "close");

    Error error;
    auto reply = transport->send(call);
    if (!reply) {
      error = Error::make(ErrorType::kTransport, std::move(reply.error()));
    } else if (reply->status >= 200 && reply->status < 300) {
      return std::move(*reply);
    } else {
      error = client::parse_error_response(*reply);
    }
    if (attempt >= max_retries || !client::is_retryable(error)) {
      return std::unexpected(std::move(error));
    }
    sleeper->sleep_for(backoff.delay(attempt, *random));
  }
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
  return impl_->decode(impl_->call("/client/register", false, wire::encode(request)),
                       &wire::decode_register_client_response);
}

std::expected<StartDeviceAuthorizationResponse, Error> Client::start_device_authorization(
    const StartDeviceAuthorizationRequest& request) {
  return impl_->decode(impl_->call("/device_authorization", false, wire::encode(request)),
                       &wire::decode_start_device_authorization_response);
}

std::expected<CreateTokenResponse, Error> Client::create_token(const CreateTokenRequest& request) {
  return impl_->decode(impl_->call("/token", false, wire::encode(request)),
                       &wire::decode_create_token_response);
}

std::expected<CreateTokenWithIAMResponse, Error> Client::create_token_with_iam(
    const CreateTokenWithIAMRequest& request) {
  return impl_->decode(impl_->call("/token", true, wire::encode(request)),
                       &wire::decode_create_token_with_iam_response);
}

const std::string& Client::region() const noexcept { return impl_->settings.region; }
const std::string& Client::endpoint() const noexcept { return impl_->settings.endpoint; }
const std::string& Client::profile() const noexcept { return impl_->settings.profile; }

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
  auto impl = std::make_unique<Client::Impl>();
  impl->env = deps.env != nullptr ? deps.env : &default_env();
  impl->clock = deps.clock != nullptr ? deps.clock : &default_clock();
  static crypto::SecureRandom secure_random;
  static SystemSleeper system_sleeper;
  impl->random = deps.random != nullptr ? deps.random : &secure_random;
  impl->sleeper = deps.sleeper != nullptr ? deps.sleeper : &system_sleeper;
  impl->backoff = deps.backoff;

  auto settings = resolve_settings(config, *impl->env);
  if (!settings) return std::unexpected(std::move(settings.error()));
  impl->settings = std::move(*settings);

  // "https://host:port/prefix" -> Host "host:port", path prefix "/prefix".
  std::string_view rest = impl->settings.endpoint;
  rest.remove_prefix(rest.find("://") + 3);
  auto slash = rest.find('/');
  impl->host = std::string(rest.substr(0, slash));
  if (auto at = impl->host.rfind('@'); at != std::string::npos) impl->host.erase(0, at + 1);
  impl->path_prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (impl->host.empty()) {
    return std::unexpected(
        configuration_error("Invalid endpoint \"" + impl->settings.endpoint + "\": no host"));
  }

  if (deps.transport) {
    impl->transport = std::move(deps.transport);
  } else {
    TransportOptions options;
    options.connect_timeout = config.timeout;
    options.request_timeout = config.request_timeout;
    auto transport = make_curl_transport(options);
    if (!transport) {
      return std::unexpected(Error::make(ErrorType::kTransport, std::move(transport.error())));
    }
    impl->transport = std::move(*transport);
  }
  impl->config = std::move(config);
  return Client(std::move(impl));
}

}  // namespace client
}  // namespace ssooidc
