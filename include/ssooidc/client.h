// ssooidc::Client: a client for the AWS SSO OIDC API (IAM Identity Center OIDC, API 2019-06-10)
// and any server that speaks it on the wire, such as ssooidc-server.
//
//   auto client = ssooidc::Client::create({.region = "us-east-1"});
//   if (!client) { /* client.error().error_description says what is missing */ }
//   auto reg = client->register_client({.clientName = "my-tool", .clientType = "public"});
//
// Resolution, done once by create() as the AWS SDKs do it:
//   profile   config.credentials.profile, else AWS_PROFILE, else "default";
//   region    config.region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
//             `region` in AWS_CONFIG_FILE (default ~/.aws/config);
//   endpoint  config.endpoint, else AWS_ENDPOINT_URL_SSO_OIDC, else AWS_ENDPOINT_URL, else the
//             profile's `services` section (`sso_oidc` -> `endpoint_url`) or `endpoint_url`,
//             else https://oidc.{region}.{DNS suffix of the region's partition}. Configured
//             endpoints are skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
// RegisterClient, StartDeviceAuthorization and CreateToken are sent unsigned. CreateTokenWithIAM
// is signed with SigV4 (service `sso-oauth`) using config.credentials.creds, else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the profile in
// AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) or in the config file; credentials
// are looked up on the first signed call.
//
// Every operation returns the decoded response or an Error:
//   - a service error (type from x-amzn-ErrorType, else body `code`/`Code`, else `__type`), with
//     `error`/`error_description` from the body, http_status and request_id set. An error type
//     the library does not know is ErrorType::kUnknown with the raw type name in `error`;
//   - ErrorType::kTransport when no HTTP answer arrived (connect failure, timeout, TLS);
//   - ErrorType::kConfiguration for missing credentials (create() reports a missing region);
//   - ErrorType::kUnknown for a success answer whose body cannot be decoded.
// 5xx answers, throttling errors and transport errors are retried up to config.max_retries times
// with full-jitter exponential backoff (capped at 20 s); the device-flow answers
// (AuthorizationPending, SlowDown, AccessDenied, ExpiredToken, InvalidGrant, ...) never are.
//
// Thread safety: a Client holds one HTTP connection that it reuses. Calls from several threads
// are safe but run one at a time; use one Client per thread for parallel requests.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "ssooidc/config.h"
#include "ssooidc/error.h"
#include "ssooidc/types.h"

namespace ssooidc {

class Client {
 public:
  struct Impl;  // defined by the library

  // Resolves profile, region and endpoint. Fails with ErrorType::kConfiguration when no region
  // is configured, the endpoint is not an http(s) URL, or a shared config file cannot be parsed.
  [[nodiscard]] static std::expected<Client, Error> create(Config config = {});

  explicit Client(std::unique_ptr<Impl> impl) noexcept;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // POST /client/register (unsigned).
  [[nodiscard]] std::expected<RegisterClientResponse, Error> register_client(
      const RegisterClientRequest& request);
  // POST /device_authorization (unsigned).
  [[nodiscard]] std::expected<StartDeviceAuthorizationResponse, Error> start_device_authorization(
      const StartDeviceAuthorizationRequest& request);
  // POST /token (unsigned).
  [[nodiscard]] std::expected<CreateTokenResponse, Error> create_token(
      const CreateTokenRequest& request);
  // POST /token?aws_iam=t, SigV4-signed for service `sso-oauth` in the client's region.
  [[nodiscard]] std::expected<CreateTokenWithIAMResponse, Error> create_token_with_iam(
      const CreateTokenWithIAMRequest& request);

  // What create() resolved.
  [[nodiscard]] const std::string& region() const noexcept;
  [[nodiscard]] const std::string& endpoint() const noexcept;
  [[nodiscard]] const std::string& profile() const noexcept;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssooidc
