// The one home of UTC time formatting. Every format is computed with std::chrono's civil
// calendar, so none depends on the C locale, the TZ variable or gmtime's static buffer.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace ssooidc::core {

// "2024-05-01T12:03:04Z" (RFC 3339): the AWS CLI's token cache, operator output, access logs.
[[nodiscard]] std::string format_iso8601_utc(std::int64_t epoch_seconds);
// "20240501T120304Z": SigV4's X-Amz-Date.
[[nodiscard]] std::string format_iso8601_basic_utc(std::int64_t epoch_seconds);
// "2024-05-01 12:03:04 UTC": what the person's pages show.
[[nodiscard]] std::string format_utc_text(std::int64_t epoch_seconds);
// "Sun, 06 Nov 1994 08:49:37 GMT": the HTTP Date field (IMF-fixdate, RFC 9110 section 5.6.7).
[[nodiscard]] std::string format_imf_fixdate(std::int64_t epoch_seconds);

}  // namespace ssooidc::core
