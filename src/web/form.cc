#include "web/form.h"

namespace ssooidc::web {
namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

FormFields parse_form(std::string_view text) {
  FormFields fields;
  for (auto& [name, value] : core::parse_query_pairs(text))
    fields.emplace(std::move(name), std::move(value));  // keeps the first
  return fields;
}

std::string_view field(const FormFields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string_view{} : std::string_view(it->second);
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = trim_spaces(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim_spaces(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim_spaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

}  // namespace ssooidc::web
