// Resolution of profile, region, endpoint and credentials from a Config, the environment and the
// shared config files, in the order the AWS SDKs use (documented in ssooidc/client.h).
//
// Thread safety: pure functions of their arguments (Env reads only).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "client/config_file.h"
#include "client/env.h"
#include "ssooidc/config.h"
#include "ssooidc/error.h"

namespace ssooidc::client {

// How the SDKs name a service's configured endpoint: the AWS_ENDPOINT_URL_<env_suffix> variable,
// the `<services_key> = endpoint_url = ...` entry of a `[services]` section, and the default
// https://<host_prefix>.{region}.{DNS suffix of the region's partition}.
struct ServiceNames {
  std::string_view env_suffix;
  std::string_view services_key;
  std::string_view host_prefix;
};
inline constexpr ServiceNames kOidcService{"SSO_OIDC", "sso_oidc", "oidc"};  // serviceId SSO OIDC
inline constexpr ServiceNames kPortalService{"SSO", "sso", "portal.sso"};    // serviceId SSO

struct ResolvedSettings {
  std::string profile;
  std::string region;
  std::string endpoint;  // without a trailing '/'
};

// config.credentials.profile, else AWS_PROFILE, else "default".
[[nodiscard]] std::string resolve_profile(const Config& config, const Env& env);

// Everything create() needs, for the OIDC service unless `service` says otherwise. Errors are
// ErrorType::kConfiguration: missing region, a shared config file that cannot be parsed, an
// endpoint that is not http:// or https://.
[[nodiscard]] std::expected<ResolvedSettings, Error> resolve_settings(
    const Config& config, const Env& env, const ServiceNames& service = kOidcService);

// https://oidc.{region}.{dnsSuffix} (or the service's host prefix) with the partition of
// `region` (reference 1.2); regions that match no partition use the `aws` partition.
[[nodiscard]] std::string default_endpoint(std::string_view region,
                                           const ServiceNames& service = kOidcService);
// The partition name for a region: "aws", "aws-cn", "aws-us-gov", "aws-eusc", "aws-iso", ...
[[nodiscard]] std::string_view partition_of(std::string_view region);

// Credentials for SigV4: config.credentials.creds, else the environment, else the shared
// credentials file, else the profile's keys in the config file. kConfiguration when none.
[[nodiscard]] std::expected<StaticCredentials, Error> resolve_credentials(
    const Config& config, const Env& env, const std::string& profile);

// A kConfiguration Error with `message` as its description.
[[nodiscard]] Error configuration_error(std::string message);

}  // namespace ssooidc::client
