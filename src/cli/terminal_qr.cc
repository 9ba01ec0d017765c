#include "cli/terminal_qr.h"

#include "cli/output.h"
#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ssooidc::cli {
namespace {

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

std::expected<std::string, Error> render_qr_utf8(std::string_view text, int margin) {
  const std::string input(text);
  errno = 0;
  std::unique_ptr<QRcode, QrDeleter> code(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_L, QR_MODE_8, 1));
  if (!code) {
    return std::unexpected(configuration_error(std::string("cannot encode a QR code: ") +
                                               (errno != 0 ? std::strerror(errno) : "unknown error")));
  }
  const int width = code->width;
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= width || y >= width) return false;  // quiet zone
    return (code->data[y * width + x] & 1) != 0;
  };
  // U+2588 full block, U+2580 upper half, U+2584 lower half.
  static constexpr std::string_view kFull = "\xe2\x96\x88";
  static constexpr std::string_view kUpper = "\xe2\x96\x80";
  static constexpr std::string_view kLower = "\xe2\x96\x84";
  std::string out;
  for (int y = -margin; y < width + margin; y += 2) {
    for (int x = -margin; x < width + margin; ++x) {
      const bool top_light = !dark(x, y);
      const bool bottom_light = y + 1 < width + margin && !dark(x, y + 1);
      if (top_light && bottom_light)
        out += kFull;
      else if (top_light)
        out += kUpper;
      else if (bottom_light)
        out += kLower;
      else
        out += ' ';
    }
    out += '\n';
  }
  return out;
}

}  // namespace ssooidc::cli
