// Fuzzes what browsers send to the person's pages (src/web/form.h): form bodies and query
// strings, and the Cookie header. The input is split at its first NUL into a cookie name and the
// text. Checks that any value survives url_encode -> parse_form unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "web/form.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace web = ssooidc::web;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view name = nul == std::string_view::npos ? "ssooidc_session" : input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? input : input.substr(nul + 1);

  const web::FormFields fields = web::parse_form(text);
  for (const auto& [key, value] : fields) check(web::field(fields, key) == value);

  const std::string_view cookie = web::cookie_value(text, name);
  if (!cookie.empty()) {
    // The value is a view into the header.
    check(cookie.data() >= text.data() && cookie.data() + cookie.size() <= text.data() + text.size());
  }

  const std::string encoded = web::url_encode(text);
  const web::FormFields round = web::parse_form("v=" + encoded);
  check(web::field(round, "v") == text);
  return 0;
}
