#include "server/config_file.h"

#include <toml++/toml.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ssooidc::server {
namespace {

// Keys of `serve` that make no sense in the file itself.
bool excluded(const std::string& key) { return key == "config" || key == "help"; }

CLI::Option* option_for(CLI::App& command, const std::string& key) {
  for (CLI::Option* opt : command.get_options()) {
    if (opt->get_positional()) continue;
    for (const auto& name : opt->get_lnames())
      if (name == key) return opt;
  }
  return nullptr;
}

std::string where(const std::string& path, const toml::node& node) {
  return path + ":" + std::to_string(node.source().begin.line);
}

// One TOML scalar as the text CLI11 would have received on the command line; nullopt for tables
// and arrays.
std::optional<std::string> scalar_text(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) return std::to_string(f->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

// The error for a bad value of a key: "<at>: key '<key>'<what>".
std::runtime_error key_error(const std::string& at, const std::string& key, std::string_view what) {
  std::string message = at;
  message += ": key '";
  message += key;
  message += '\'';
  message += what;
  return std::runtime_error(message);
}

std::vector<std::string> values_for(const std::string& at, const std::string& key,
                                    const toml::node& node, const CLI::Option& opt) {
  const bool flag = opt.get_expected_max() == 0;
  const bool several = !flag && opt.get_items_expected_max() > 1;
  if (flag && !node.is_boolean())
    throw key_error(at, key, " is a switch: write true or false");
  if (auto arr = node.as_array()) {
    if (!several)
      throw key_error(at, key, " takes one value, not an array");
    std::vector<std::string> out;
    for (const toml::node& item : *arr) {
      auto text = scalar_text(item);
      if (!text)
        throw key_error(at, key, ": array items must be plain values");
      out.push_back(std::move(*text));
    }
    return out;
  }
  auto text = scalar_text(node);
  if (!text)
    throw key_error(at, key, " is a table; the file's keys are flat (serve's flag names)");
  return {std::move(*text)};
}

}  // namespace

int apply_config_file(CLI::App& command, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const std::string at = path + ":" + std::to_string(e.source().begin.line);
    throw std::runtime_error(at + ": not valid TOML: " + std::string(e.description()));
  }
  // Every key is checked before any is applied: a file with one bad key changes nothing.
  struct Pending {
    CLI::Option* opt;
    std::vector<std::string> values;
    std::string at;
    std::string key;
  };
  std::vector<Pending> pending;
  for (const auto& [name, node] : root) {
    const std::string key(name.str());
    const std::string at = where(path, node);
    CLI::Option* opt = excluded(key) ? nullptr : option_for(command, key);
    if (opt == nullptr) {
      std::string message = at;
      message += ": unknown key '";
      message += key;
      message += "' (the keys are the long flags of '";
      message += command.get_name();
      message += "', without the dashes)";
      throw std::runtime_error(message);
    }
    auto values = values_for(at, key, node, *opt);
    // The command line and the environment win (CLI11 counted them).
    if (opt->count() > 0) continue;
    if (values.empty()) continue;  // `key = []`: none, as when the flag is not given
    pending.push_back({opt, std::move(values), at, key});
  }
  for (auto& p : pending) {
    try {
      p.opt->add_result(p.values);
      p.opt->run_callback();
    } catch (const CLI::Error& e) {
      throw std::runtime_error(p.at + ": key '" + p.key + "': " + e.what());
    }
  }
  return static_cast<int>(pending.size());
}

std::string config_example(CLI::App& command) {
  std::string out =
      "# ssooidc-server serve: configuration file (TOML). Pass it with --config FILE.\n"
      "# Every key is a long flag of `serve` without its dashes; a flag on the command line and\n"
      "# its environment variable override the file. Lines starting with # are comments; each\n"
      "# key below is shown with its default (or commented out when it has none).\n";
  for (CLI::Option* opt : command.get_options()) {
    if (opt->get_positional() || opt->get_lnames().empty()) continue;
    opt->capture_default_str();
    const std::string& key = opt->get_lnames().front();
    if (excluded(key)) continue;
    out += "\n# " + opt->get_description() + "\n";
    if (!opt->get_envname().empty()) out += "# (environment: " + opt->get_envname() + ")\n";
    const bool flag = opt->get_expected_max() == 0;
    const bool several = !flag && opt->get_items_expected_max() > 1;
    std::string value = opt->get_default_str();
    if (flag) {
      out += "#" + key + " = false\n";
    } else if (several) {
      out += "#" + key + " = []\n";
    } else if (value.empty()) {
      out += "#" + key + " = \"\"\n";
    } else {
      const bool number = value.find_first_not_of("-0123456789.") == std::string::npos;
      out += "#" + key + " = " + (number ? value : "\"" + value + "\"") + "\n";
    }
  }
  return out;
}

}  // namespace ssooidc::server
