#include "client/resolve.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/http_message.h"

namespace ssooidc::client {
namespace {

std::optional<std::string> non_empty_env(const Env& env, std::string_view name) {
  auto v = env.get(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool is_true(std::optional<std::string> v) {
  if (!v) return false;
  return core::ascii_lower(*v) == "true";
}

std::string strip_trailing_slashes(std::string url) {
  // Keep "http://h/" meaningful as "http://h": the operation path starts with '/'.
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::expected<std::string, Error> checked_endpoint(std::string url, std::string_view origin) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return std::unexpected(configuration_error("Invalid endpoint from " + std::string(origin) +
                                               ": \"" + url +
                                               "\" (it must start with http:// or https://)"));
  }
  if (url.find_first_of(" \t\r\n") != std::string::npos) {
    return std::unexpected(configuration_error("Invalid endpoint from " + std::string(origin) +
                                               ": it contains whitespace"));
  }
  return strip_trailing_slashes(std::move(url));
}

// `{prefix}-\w+-\d+` after `prefix` has matched: the rest is "-word-digits".
bool matches_word_digits(std::string_view rest) {
  if (rest.empty() || rest.front() != '-') return false;
  rest.remove_prefix(1);
  auto dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos) return false;
  auto word = rest.substr(0, dash);
  auto digits = rest.substr(dash + 1);
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  return std::all_of(word.begin(), word.end(), is_word) && !digits.empty() &&
         std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

struct Partition {
  std::string_view name;
  std::array<std::string_view, 9> prefixes;  // regionRegex alternatives, "" = unused
  std::string_view dns_suffix;
};

// botocore partitions.json regionRegex and dnsSuffix (reference 1.2). The specific partitions
// come first: "us-gov-west-1" must not be read as an `aws` region.
constexpr std::array kPartitions{
    Partition{"aws-us-gov", {"us-gov"}, "amazonaws.com"},
    Partition{"aws-iso", {"us-iso"}, "c2s.ic.gov"},
    Partition{"aws-iso-b", {"us-isob"}, "sc2s.sgov.gov"},
    Partition{"aws-iso-e", {"eu-isoe"}, "cloud.adc-e.uk"},
    Partition{"aws-iso-f", {"us-isof"}, "csp.hci.ic.gov"},
    Partition{"aws-cn", {"cn"}, "amazonaws.com.cn"},
    Partition{"aws-eusc", {"eusc-de"}, "amazonaws.eu"},
    Partition{"aws", {"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"}, "amazonaws.com"},
};

const Partition& partition_for(std::string_view region) {
  for (const auto& p : kPartitions) {
    for (auto prefix : p.prefixes) {
      if (!prefix.empty() && region.starts_with(prefix) &&
          matches_word_digits(region.substr(prefix.size()))) {
        return p;
      }
    }
  }
  return kPartitions.back();  // unknown regions fall back to `aws`
}

// The profile's configured endpoint: `services` section first, then `endpoint_url`.
std::optional<std::string> configured_endpoint(const ConfigFile& file, const std::string& profile,
                                               const ServiceNames& service, std::string& origin) {
  const ConfigSection* section = file.profile(profile);
  if (section == nullptr) return std::nullopt;
  if (auto services = section->get("services")) {
    if (const ConfigSection* svc = file.services(*services)) {
      if (auto url = svc->get_nested(service.services_key, "endpoint_url")) {
        origin =
            "[services " + *services + "] " + std::string(service.services_key) + " endpoint_url";
        return url;
      }
    }
  }
  if (auto url = section->get("endpoint_url")) {
    origin = "profile " + profile + " endpoint_url";
    return url;
  }
  return std::nullopt;
}

}  // namespace

Error configuration_error(std::string message) {
  return Error::make(ErrorType::kConfiguration, std::move(message));
}

std::string resolve_profile(const Config& config, const Env& env) {
  if (!config.credentials.profile.empty()) return config.credentials.profile;
  if (auto p = non_empty_env(env, "AWS_PROFILE")) return *p;
  return "default";
}

std::string_view partition_of(std::string_view region) { return partition_for(region).name; }

std::string default_endpoint(std::string_view region, const ServiceNames& service) {
  return "https://" + std::string(service.host_prefix) + "." + std::string(region) + "." +
         std::string(partition_for(region).dns_suffix);
}

std::expected<ResolvedSettings, Error> resolve_settings(const Config& config, const Env& env,
                                                        const ServiceNames& service) {
  ResolvedSettings out;
  out.profile = resolve_profile(config, env);

  // The config file is read only when something has to come from it.
  std::optional<ConfigFile> file;
  auto config_file = [&]() -> std::expected<const ConfigFile*, Error> {
    if (!file) {
      auto loaded = load_config_file(env, config_file_path(env));
      if (!loaded) return std::unexpected(std::move(loaded.error()));
      file = std::move(*loaded);
    }
    return &*file;
  };

  if (!config.region.empty()) {
    out.region = config.region;
  } else if (auto r = non_empty_env(env, "AWS_REGION")) {
    out.region = *r;
  } else if (auto r2 = non_empty_env(env, "AWS_DEFAULT_REGION")) {
    out.region = *r2;
  } else {
    auto f = config_file();
    if (!f) return std::unexpected(f.error());
    if (const ConfigSection* section = (*f)->profile(out.profile)) {
      if (auto r3 = section->get("region")) out.region = *r3;
    }
  }
  if (out.region.empty()) {
    return std::unexpected(configuration_error(
        "No region configured: set Config::region, AWS_REGION or AWS_DEFAULT_REGION, or `region` "
        "in profile \"" +
        out.profile + "\" of " + config_file_path(env)));
  }

  if (!config.endpoint.empty()) {
    auto ep = checked_endpoint(config.endpoint, "Config::endpoint");
    if (!ep) return std::unexpected(ep.error());
    out.endpoint = std::move(*ep);
    return out;
  }

  const bool ignore_configured = [&] {
    if (auto v = non_empty_env(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) return is_true(v);
    auto f = config_file();
    if (!f) return false;
    const ConfigSection* section = (*f)->profile(out.profile);
    return section != nullptr && is_true(section->get("ignore_configured_endpoint_urls"));
  }();
  if (!ignore_configured) {
    const std::string service_variable = "AWS_ENDPOINT_URL_" + std::string(service.env_suffix);
    for (std::string_view name :
         {std::string_view(service_variable), std::string_view("AWS_ENDPOINT_URL")}) {
      if (auto url = non_empty_env(env, name)) {
        auto ep = checked_endpoint(*url, name);
        if (!ep) return std::unexpected(ep.error());
        out.endpoint = std::move(*ep);
        return out;
      }
    }
    auto f = config_file();
    if (!f) return std::unexpected(f.error());
    std::string origin;
    if (auto url = configured_endpoint(**f, out.profile, service, origin)) {
      auto ep = checked_endpoint(*url, origin);
      if (!ep) return std::unexpected(ep.error());
      out.endpoint = std::move(*ep);
      return out;
    }
  }
  out.endpoint = default_endpoint(out.region, service);
  return out;
}

std::expected<StaticCredentials, Error> resolve_credentials(const Config& config, const Env& env,
                                                            const std::string& profile) {
  const auto& given = config.credentials.creds;
  if (!given.access_key_id.empty()) {
    if (given.secret_access_key.empty()) {
      return std::unexpected(
          configuration_error("Config credentials have an access key id but no secret key"));
    }
    return given;
  }
  if (auto akid = non_empty_env(env, "AWS_ACCESS_KEY_ID")) {
    auto secret = non_empty_env(env, "AWS_SECRET_ACCESS_KEY");
    if (!secret) {
      return std::unexpected(
          configuration_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
    }
    return StaticCredentials{*akid, *secret, non_empty_env(env, "AWS_SESSION_TOKEN").value_or("")};
  }

  // The credentials file names profiles plainly (`[dev]`); the config file as `[profile dev]`.
  auto from_section = [](const ConfigSection* s) -> std::optional<StaticCredentials> {
    if (s == nullptr) return std::nullopt;
    auto akid = s->get("aws_access_key_id");
    auto secret = s->get("aws_secret_access_key");
    if (!akid || !secret) return std::nullopt;
    return StaticCredentials{*akid, *secret, s->get("aws_session_token").value_or("")};
  };
  const std::string cred_path = credentials_file_path(env);
  auto cred_file = load_config_file(env, cred_path);
  if (!cred_file) return std::unexpected(std::move(cred_file.error()));
  if (auto c = from_section(cred_file->section(profile))) return *c;
  const std::string config_path = config_file_path(env);
  auto config_file = load_config_file(env, config_path);
  if (!config_file) return std::unexpected(std::move(config_file.error()));
  if (auto c = from_section(config_file->profile(profile))) return *c;

  return std::unexpected(configuration_error(
      "No AWS credentials to sign CreateTokenWithIAM: set Config::credentials.creds, "
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or aws_access_key_id and "
      "aws_secret_access_key in profile \"" +
      profile + "\" of " + cred_path));
}

}  // namespace ssooidc::client
