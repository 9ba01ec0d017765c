// SharedConfig (ssooidc/shared_config.h): the parsed ConfigFile behind an immutable handle.
#include "ssooidc/shared_config.h"

#include "client/client_internal.h"
#include "client/config_file.h"
#include "client/resolve.h"

namespace ssooidc {

struct SharedConfig::Impl {
  client::ConfigFile file;
};

namespace {

std::expected<SharedConfig, Error> wrap(std::expected<client::ConfigFile, Error> file) {
  if (!file) return std::unexpected(std::move(file.error()));
  auto impl = std::make_shared<SharedConfig::Impl>();
  impl->file = std::move(*file);
  return SharedConfig(std::move(impl));
}

}  // namespace

SharedConfig::SharedConfig() : impl_(std::make_shared<const Impl>()) {}
SharedConfig::SharedConfig(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

std::expected<SharedConfig, Error> SharedConfig::load() {
  client::Env& env = client::default_env();
  return wrap(client::load_config_file(env, client::config_file_path(env)));
}

std::expected<SharedConfig, Error> SharedConfig::parse(std::string_view text,
                                                       std::string_view source) {
  return wrap(client::parse_config_file(text, source));
}

std::optional<std::string> SharedConfig::profile_value(std::string_view profile,
                                                       std::string_view key) const {
  const client::ConfigSection* section = impl_->file.profile(profile);
  return section == nullptr ? std::nullopt : section->get(key);
}

std::optional<std::string> SharedConfig::sso_session_value(std::string_view name,
                                                           std::string_view key) const {
  const client::ConfigSection* section = impl_->file.sso_session(name);
  return section == nullptr ? std::nullopt : section->get(key);
}

bool SharedConfig::sso_session_sets(std::string_view name, std::string_view key) const {
  const client::ConfigSection* section = impl_->file.sso_session(name);
  return section != nullptr && section->values.contains(key);
}

std::vector<std::string> SharedConfig::sso_session_names() const {
  constexpr std::string_view kPrefix = "sso-session ";
  std::vector<std::string> names;
  for (const auto& [section, unused] : impl_->file.sections) {
    if (section.starts_with(kPrefix)) names.push_back(section.substr(kPrefix.size()));
  }
  return names;  // the sections are a sorted map, and the prefix keeps that order
}

std::string resolve_profile(std::string_view profile) {
  Config config;
  config.credentials.profile = std::string(profile);
  return client::resolve_profile(config, client::default_env());
}

}  // namespace ssooidc
