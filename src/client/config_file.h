// The AWS shared configuration files (`~/.aws/config`, `~/.aws/credentials`) as the SDKs read
// them: INI sections, `key = value` lines, keys case-insensitive, and one level of nested
// properties for a key whose value is empty and whose following lines are indented:
//
//   [profile dev]
//   services = local
//   [services local]
//   sso_oidc =
//     endpoint_url = http://127.0.0.1:8080
//
// Thread safety: plain values.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "client/env.h"
#include "ssooidc/error.h"

namespace ssooidc::client {

struct ConfigSection {
  std::map<std::string, std::string, std::less<>> values;  // keys lower-case
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> nested;

  // A value, or nullopt when absent or empty.
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> get_nested(std::string_view key,
                                                      std::string_view sub_key) const;
};

class ConfigFile {
 public:
  // Sections by their header text with whitespace normalised ("profile dev", "default").
  std::map<std::string, ConfigSection, std::less<>> sections;

  [[nodiscard]] const ConfigSection* section(std::string_view name) const;
  // In the config file a profile is `[profile NAME]`; `default` may also be `[default]`.
  [[nodiscard]] const ConfigSection* profile(std::string_view name) const;
  [[nodiscard]] const ConfigSection* sso_session(std::string_view name) const;
  [[nodiscard]] const ConfigSection* services(std::string_view name) const;
};

// Parses the text of a config or credentials file. Comment lines start with '#' or ';'. Fails on
// a line that is neither a section header, a property nor an indented nested property with
// ErrorType::kConfiguration, whose description names `source` and the line number.
[[nodiscard]] std::expected<ConfigFile, Error> parse_config_file(std::string_view text,
                                                                 std::string_view source);

// Paths as the SDKs choose them: AWS_CONFIG_FILE else ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE
// else ~/.aws/credentials. A leading "~/" is expanded. Empty when no home directory is known.
[[nodiscard]] std::string config_file_path(const Env& env);
[[nodiscard]] std::string credentials_file_path(const Env& env);
// "~/x" -> "<home>/x"; other paths unchanged.
[[nodiscard]] std::string expand_home(const Env& env, std::string_view path);

// Loads and parses a file; a missing file is an empty ConfigFile. Errors: read_file's (a file
// that exists but cannot be read) and parse_config_file's, both ErrorType::kConfiguration.
[[nodiscard]] std::expected<ConfigFile, Error> load_config_file(const Env& env,
                                                                const std::string& path);

}  // namespace ssooidc::client
