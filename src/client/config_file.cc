#include "client/config_file.h"

#include <cctype>

#include "core/http_message.h"

namespace ssooidc::client {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "profile   dev" -> "profile dev": the SDKs split the header on whitespace.
std::string normalise_header(std::string_view inner) {
  std::string out;
  inner = trim(inner);
  bool space = false;
  for (char c : inner) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::optional<std::string> ConfigSection::get(std::string_view key) const {
  auto it = values.find(core::ascii_lower(key));
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ConfigSection::get_nested(std::string_view key,
                                                     std::string_view sub_key) const {
  auto it = nested.find(core::ascii_lower(key));
  if (it == nested.end()) return std::nullopt;
  auto sub = it->second.find(core::ascii_lower(sub_key));
  if (sub == it->second.end() || sub->second.empty()) return std::nullopt;
  return sub->second;
}

const ConfigSection* ConfigFile::section(std::string_view name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

const ConfigSection* ConfigFile::profile(std::string_view name) const {
  if (const auto* s = section("profile " + std::string(name))) return s;
  if (name == "default") return section("default");
  return nullptr;
}

const ConfigSection* ConfigFile::sso_session(std::string_view name) const {
  return section("sso-session " + std::string(name));
}

const ConfigSection* ConfigFile::services(std::string_view name) const {
  return section("services " + std::string(name));
}

std::expected<ConfigFile, Error> parse_config_file(std::string_view text, std::string_view source) {
  ConfigFile file;
  ConfigSection* current = nullptr;
  std::string last_key;         // the last property of the current section
  bool last_was_empty = false;  // its value was empty, so indented lines are nested properties
  int line_no = 0;
  auto error = [&](std::string_view what) {
    return std::unexpected(file_error(std::string(source) + " line " + std::to_string(line_no) +
                                      ": " + std::string(what)));
  };

  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::string_view body = trim(line);
    if (body.empty() || body.front() == '#' || body.front() == ';') continue;
    const bool indented = std::isspace(static_cast<unsigned char>(line.front())) != 0;

    if (body.front() == '[') {
      auto close = body.find(']');
      if (close == std::string_view::npos) return error("section header without ']'");
      std::string name = normalise_header(body.substr(1, close - 1));
      if (name.empty()) return error("empty section name");
      current = &file.sections[name];
      last_key.clear();
      continue;
    }
    if (current == nullptr) return error("property outside of any section");

    auto eq = body.find('=');
    if (indented && !last_key.empty()) {
      if (last_was_empty) {
        if (eq == std::string_view::npos) return error("nested property without '='");
        current->nested[last_key][core::ascii_lower(trim(body.substr(0, eq)))] =
            std::string(trim(body.substr(eq + 1)));
      } else {
        // A continuation line of a multi-line value.
        current->values[last_key] += "\n" + std::string(body);
      }
      continue;
    }
    if (eq == std::string_view::npos) return error("expected 'key = value'");
    last_key = core::ascii_lower(trim(body.substr(0, eq)));
    if (last_key.empty()) return error("empty property name");
    std::string value(trim(body.substr(eq + 1)));
    last_was_empty = value.empty();
    current->values[last_key] = std::move(value);
  }
  return file;
}

std::string expand_home(const Env& env, std::string_view path) {
  if (path == "~" || path.starts_with("~/")) {
    if (auto home = env.home_dir()) return *home + std::string(path.substr(1));
  }
  return std::string(path);
}

std::string config_file_path(const Env& env) {
  if (auto p = env.get("AWS_CONFIG_FILE"); p && !p->empty()) return expand_home(env, *p);
  auto home = env.home_dir();
  return home ? join_path(*home, ".aws/config") : std::string();
}

std::string credentials_file_path(const Env& env) {
  if (auto p = env.get("AWS_SHARED_CREDENTIALS_FILE"); p && !p->empty()) {
    return expand_home(env, *p);
  }
  auto home = env.home_dir();
  return home ? join_path(*home, ".aws/credentials") : std::string();
}

std::expected<ConfigFile, Error> load_config_file(const Env& env, const std::string& path) {
  if (path.empty()) return ConfigFile{};
  auto text = env.read_file(path);
  if (!text) {
    if (is_file_not_found(text.error())) return ConfigFile{};
    return std::unexpected(std::move(text.error()));
  }
  return parse_config_file(*text, path);
}

}  // namespace ssooidc::client
