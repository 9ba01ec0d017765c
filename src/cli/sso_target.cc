#include "cli/sso_target.h"

#include "cli/output.h"
namespace ssooidc::cli {

LoginFlow login_flow_for(const SsoTarget& target, bool use_device_code) {
  return target.session && !use_device_code ? LoginFlow::kAuthorizationCode
                                            : LoginFlow::kDeviceCode;
}

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::expected<SsoTarget, Error> resolve_sso_target(const SharedConfig& config,
                                                   const std::string& profile,
                                                   const SsoFlags& flags, bool for_login) {
  SsoTarget t;
  t.start_url = flags.start_url;
  t.region = flags.region;
  std::string session = flags.session;
  bool legacy = false;  // the profile's own sso_start_url / sso_region

  // With neither a session nor a start URL on the command line, use the profile's.
  if (session.empty() && t.start_url.empty()) {
    if (auto s = config.profile_value(profile, "sso_session")) {
      session = *s;
    } else if (config.profile_value(profile, "sso_start_url")) {
      legacy = true;
    }
  }

  if (!session.empty()) {
    t.session = session;
    if (t.start_url.empty()) {
      t.start_url = config.sso_session_value(session, "sso_start_url").value_or("");
    }
    if (t.region.empty()) t.region = config.sso_session_value(session, "sso_region").value_or("");
    if (!flags.scopes.empty()) {
      t.scopes = flags.scopes;
    } else if (auto scopes = config.sso_session_value(session, "sso_registration_scopes")) {
      t.scopes = split_scopes(*scopes);
    } else if (config.sso_session_sets(session, "sso_registration_scopes")) {
      t.scopes = std::nullopt;  // configured empty: an unscoped (legacy-style) registration
    } else {
      t.scopes = std::vector<std::string>{kDefaultSsoScope};
    }
    if (for_login && t.start_url.empty()) {
      return std::unexpected(configuration_error(
          "No start URL for SSO session \"" + session +
          "\": pass --start-url or set sso_start_url in [sso-session " + session + "]"));
    }
  } else {
    if (legacy) {
      t.start_url = config.profile_value(profile, "sso_start_url").value_or("");
      if (t.region.empty()) t.region = config.profile_value(profile, "sso_region").value_or("");
    }
    if (!flags.scopes.empty()) t.scopes = flags.scopes;
    if (t.start_url.empty()) {
      return std::unexpected(
          configuration_error("No SSO login named: pass --start-url (and --region) or "
                              "--sso-session, or configure sso_session or sso_start_url in "
                              "profile \"" +
                              profile + "\""));
    }
  }
  if (for_login && t.region.empty()) {
    return std::unexpected(
        configuration_error("No SSO region for " + t.start_url +
                            ": pass --region or set sso_region in the configuration"));
  }
  return t;
}

}  // namespace ssooidc::cli
