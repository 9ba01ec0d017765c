// Fuzzes the SigV4 canonicaliser and signer (src/client/sigv4.h) with hostile requests: the input
// is split at newlines into method, path, query pairs ("k=v&..."), and header lines ("name:value").
// Checks that signing never fails, that both forms give a 64-digit hex signature, and that
// uri_decode inverts uri_encode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "client/sigv4.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sigv4 = ssooidc::client::sigv4;
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto lines = split(input, '\n');

  sigv4::Request request;
  request.method = std::string(lines[0]);
  request.path = lines.size() > 1 ? std::string(lines[1]) : "/";
  if (lines.size() > 2 && !lines[2].empty()) {
    for (auto pair : split(lines[2], '&')) {
      const std::size_t eq = pair.find('=');
      request.query.emplace_back(sigv4::uri_decode(pair.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string()
                                                              : sigv4::uri_decode(pair.substr(eq + 1)));
    }
  }
  request.headers.emplace_back("Host", "oidc.us-east-1.amazonaws.com");
  for (std::size_t i = 3; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    request.headers.emplace_back(std::string(lines[i].substr(0, colon)),
                                 colon == std::string_view::npos ? std::string()
                                                                 : std::string(lines[i].substr(colon + 1)));
  }
  request.body = input;

  sigv4::Params params;
  params.credentials.access_key_id = "AKIDEXAMPLE";
  params.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  if (flags & 1) params.credentials.session_token = "token";
  params.region = "us-east-1";
  params.service = "sso-oauth";
  params.epoch_seconds = 1440938160 + (flags >> 4) * 86400LL * 400;
  params.normalize_path = (flags & 2) == 0;
  params.content_sha256_header = (flags & 4) != 0;
  params.omit_session_token = (flags & 8) != 0;

  const sigv4::Signature header_form = sigv4::sign_headers(request, params);
  check(is_hex64(header_form.signature));
  check(!header_form.canonical_request.empty());
  const sigv4::Signature query_form = sigv4::presign_query(request, params, 300);
  check(is_hex64(query_form.signature));

  check(sigv4::uri_decode(sigv4::uri_encode(input, false)) == input);
  check(sigv4::uri_decode(sigv4::uri_encode(input, true)) == input);
  return 0;
}
