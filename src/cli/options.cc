#include "cli/options.h"

#include <chrono>

namespace ssooidc::cli {

void GlobalOptions::add_to(CLI::App& app) {
  app.add_option("--endpoint-url", endpoint_url,
                 "Service endpoint (default: AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, the "
                 "profile's configuration, else https://oidc.REGION.amazonaws.com); also the SSO "
                 "portal's unless --portal-endpoint-url is given");
  app.add_option("--portal-endpoint-url", portal_endpoint_url,
                 "SSO portal endpoint for accounts, roles, credentials and logout (default: "
                 "--endpoint-url, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, the profile's "
                 "configuration, else https://portal.sso.REGION.amazonaws.com)");
  app.add_option("--region", region, "Region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)");
  app.add_option("--profile", profile, "Shared-config profile (default: AWS_PROFILE, default)");
  app.add_option("--cli-connect-timeout", connect_timeout_seconds,
                 "Connect timeout in seconds (default 60)")
      ->check(CLI::PositiveNumber);
  app.add_option("--cli-read-timeout", read_timeout_seconds,
                 "Whole-request timeout in seconds (default 60)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-retries", max_retries,
                 "Retries after 5xx, throttling and connection errors (default 3)")
      ->check(CLI::Range(0, 20));
  app.add_flag("--no-sign-request", no_sign_request,
               "Send create-token-with-iam unsigned (the other operations are always unsigned)");
}

Config GlobalOptions::to_config() const {
  Config config;
  config.endpoint = endpoint_url;
  config.region = region;
  config.credentials.profile = profile;
  config.credentials.anonymous = no_sign_request;
  config.timeout =
      std::chrono::milliseconds(static_cast<long long>(connect_timeout_seconds * 1000));
  config.request_timeout =
      std::chrono::milliseconds(static_cast<long long>(read_timeout_seconds * 1000));
  config.max_retries = max_retries;
  return config;
}

Config GlobalOptions::to_portal_config() const {
  Config config = to_config();
  if (!portal_endpoint_url.empty()) config.endpoint = portal_endpoint_url;
  return config;
}

}  // namespace ssooidc::cli
