// Text a client chose (its clientName, scopes, redirect URI) as the person's pages may show it:
// control characters (C0, DEL, C1) and invisible format characters (bidi overrides and isolates,
// zero-width characters, the BOM, interlinear annotations, tag characters) are removed, so that a
// client cannot make its name read as another's on the confirmation or consent page (issue 11
// item 9; Unicode TR36 section 2). Tabs and line breaks become spaces; bytes that are not UTF-8
// become U+FFFD. HTML escaping is still the template's business.
#pragma once

#include <string>
#include <string_view>

namespace ssooidc::web {

[[nodiscard]] std::string display_text(std::string_view text);

}  // namespace ssooidc::web
