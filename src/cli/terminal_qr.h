// A QR code of a URL for the terminal, drawn with Unicode half blocks (two modules per character
// cell) by libqrencode. Light modules are drawn filled, like `qrencode -t UTF8`, so the code reads
// on the usual dark terminal background.
//
// Thread safety: libqrencode is built thread-safe on Debian; the function holds no state.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "ssooidc/error.h"

namespace ssooidc::cli {

// Lines ending in '\n', with a quiet zone of `margin` modules on every side. Fails (a
// kConfiguration Error, like the CLI's other local failures) with libqrencode's reason, e.g. the
// text is too long for any QR version; the login prompt then shows no code.
[[nodiscard]] std::expected<std::string, Error> render_qr_utf8(std::string_view text,
                                                               int margin = 2);

}  // namespace ssooidc::cli
