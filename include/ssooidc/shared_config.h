// The AWS shared config file (`~/.aws/config`, or AWS_CONFIG_FILE) as the SDKs read it, for a
// program that resolves a profile's SSO login the way `aws sso login` does:
//
//   auto config = ssooidc::SharedConfig::load();
//   const std::string profile = ssooidc::resolve_profile("");  // AWS_PROFILE, else "default"
//   if (config) {
//     auto session = config->profile_value(profile, "sso_session");
//     auto start_url = session ? config->sso_session_value(*session, "sso_start_url")
//                              : config->profile_value(profile, "sso_start_url");
//   }
//
// The syntax is the SDKs': INI sections, `key = value` lines (keys case-insensitive), comment
// lines starting with '#' or ';', and one level of nested properties under a key whose value is
// empty and whose following lines are indented. A profile is `[profile NAME]` (`default` may
// also be `[default]`), an SSO session `[sso-session NAME]`. Client::create and
// PortalClient::create read the same file for a profile's region and endpoint.
//
// Thread safety: a SharedConfig is an immutable value; copies share it and may be read from any
// thread.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssooidc/error.h"

namespace ssooidc {

class SharedConfig {
 public:
  struct Impl;  // defined by the library

  // Reads AWS_CONFIG_FILE, else <home>/.aws/config (a leading "~/" expanded). A missing file
  // (or no home directory) is an empty configuration. Errors (kConfiguration): the file exists
  // but cannot be read, or a line is neither a section header, a property nor an indented nested
  // property (the description names the file and the line number).
  [[nodiscard]] static std::expected<SharedConfig, Error> load();
  // Parses the text of a config file; `source` names it in errors. Errors as load().
  [[nodiscard]] static std::expected<SharedConfig, Error> parse(std::string_view text,
                                                                std::string_view source);

  SharedConfig();  // an empty configuration: every lookup answers nullopt / false / empty
  // What load() and parse() return; not for callers (Impl is the library's).
  explicit SharedConfig(std::shared_ptr<const Impl> impl) noexcept;

  // The value of `key` in profile `profile`; nullopt when the profile or the key is absent or
  // the value is empty.
  [[nodiscard]] std::optional<std::string> profile_value(std::string_view profile,
                                                         std::string_view key) const;
  // The value of `key` in `[sso-session NAME]`; nullopt as profile_value.
  [[nodiscard]] std::optional<std::string> sso_session_value(std::string_view name,
                                                             std::string_view key) const;
  // Whether `[sso-session NAME]` sets `key` at all, even to an empty value (an empty
  // `sso_registration_scopes` asks for an unscoped registration).
  [[nodiscard]] bool sso_session_sets(std::string_view name, std::string_view key) const;
  // The names of every `[sso-session NAME]` section, sorted.
  [[nodiscard]] std::vector<std::string> sso_session_names() const;

 private:
  std::shared_ptr<const Impl> impl_;
};

// The profile the SDKs use: `profile` when not empty, else AWS_PROFILE, else "default".
[[nodiscard]] std::string resolve_profile(std::string_view profile);

}  // namespace ssooidc
