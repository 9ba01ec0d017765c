// Configuration of an ssooidc::Client. It mirrors the config list of the paws `ssooidc()` client
// (reference section 9.2) so that code written against either reads alike; every member is
// optional and anything left empty is resolved the way the AWS SDKs resolve it (see client.h).
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <string>

namespace ssooidc {

// Static AWS credentials, used only to sign CreateTokenWithIAM.
struct StaticCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// How CreateTokenWithIAM is signed and which shared-config profile is read.
struct Credentials {
  // Used when `creds.access_key_id` is set; otherwise credentials come from the environment or
  // the shared credentials file.
  StaticCredentials creds;
  // The shared-config profile to read region, endpoint and credentials from. Empty: AWS_PROFILE,
  // else "default".
  std::string profile;
  // Send CreateTokenWithIAM unsigned (the other three operations are always unsigned).
  bool anonymous = false;
};

// Everything a Client (or PortalClient, portal_client.h) is created from.
struct Config {
  Credentials credentials;  // signing credentials and the profile (see Credentials)
  // The service endpoint, e.g. "http://127.0.0.1:8080"; used verbatim (operation paths are
  // appended). Empty: AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the profile's `services`
  // section or `endpoint_url`, else https://oidc.{region}.{partition DNS suffix}.
  std::string endpoint;
  // Empty: AWS_REGION, AWS_DEFAULT_REGION, else the profile's `region`. Required.
  std::string region;
  // Send `Connection: close` so that every request uses a new connection.
  bool close_connection = false;
  // Connect timeout (paws `timeout`, default 60 s).
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Accepted for parity with the paws config. It has no effect: this service has no buckets.
  bool s3_force_path_style = false;
  // How many times a request is retried after a 5xx answer, throttling or a transport error.
  // Device-flow answers (AuthorizationPending, SlowDown, ...) are never retried.
  int max_retries = 3;
  // Not in paws: the limit for a whole request once connected (default 60 s).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
};

}  // namespace ssooidc
