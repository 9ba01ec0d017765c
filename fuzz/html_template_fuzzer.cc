// Fuzzes the page template engine (src/web/html_template.h). The input is split at its first NUL
// into template text and one value; the value is bound to the names "v", "a" and "b". Templates
// are trusted (compiled in), values are not: whatever the template, rendering must either fail
// with a message or produce output in which the value appears only escaped.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "web/html_template.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace web = ssooidc::web;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string value(nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1));

  web::TemplateValues values{{"v", value}, {"a", value}, {"b", ""}};
  auto rendered = web::render_template_text(text, values);
  if (!rendered) check(!rendered.error().error_description.empty());

  // A value alone renders as its escaped form, which holds no markup character.
  auto escaped = web::render_template_text("{{v}}", values);
  check(escaped.has_value());
  check(*escaped == web::html_escape(value));
  check(escaped->find_first_of("<>\"'") == std::string::npos);
  return 0;
}
