// AWS Signature Version 4 (HMAC-SHA256), header and query-string ("presigned") forms.
//
// Implemented from the SigV4 specification and checked against every case of the published
// SigV4 test suite (testdata/sigv4, see sigv4_test.cc). The client signs CreateTokenWithIAM with
// it; the steps are exposed so that tests can compare the canonical request and string to sign.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ssooidc/config.h"

namespace ssooidc::client::sigv4 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "POST"
  std::string path;    // not percent-encoded: "/token", "/example space/"
  // Query parameters, decoded, in any order.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign, names in any case, repeated names allowed. Must include Host. Hop-by-hop
  // and volatile headers (Authorization, User-Agent, Expect, Connection, Transfer-Encoding,
  // X-Amzn-Trace-Id) are never signed.
  HeaderList headers;
  std::string_view body;
};

struct Params {
  StaticCredentials credentials;
  std::string region;
  std::string service;
  std::int64_t epoch_seconds = 0;  // signing time
  // Remove "." / ".." segments and empty segments from the path before encoding (all services
  // but S3).
  bool normalize_path = true;
  // Add and sign x-amz-content-sha256 (header form only).
  bool content_sha256_header = false;
  // Add the session token after signing instead of signing it (some services require this).
  bool omit_session_token = false;
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header form: headers to add to the request (X-Amz-Date, X-Amz-Security-Token,
  // x-amz-content-sha256 as configured, and Authorization), in that order.
  HeaderList headers_to_add;
  // Query form: parameters to add to the query string (X-Amz-*, then X-Amz-Signature), decoded.
  std::vector<std::pair<std::string, std::string>> query_to_add;
};

// Signs with an Authorization header.
[[nodiscard]] Signature sign_headers(const Request& request, const Params& params);
// Signs with query parameters, valid for `expires_seconds`.
[[nodiscard]] Signature presign_query(const Request& request, const Params& params,
                                      std::int64_t expires_seconds);

// Percent-encodes all but the unreserved characters A-Z a-z 0-9 - . _ ~ (and '/' when
// `keep_slash`), upper-case hex, as SigV4 requires.
[[nodiscard]] std::string uri_encode(std::string_view s, bool keep_slash);
// Decodes %XX sequences; invalid sequences are kept as they are.
[[nodiscard]] std::string uri_decode(std::string_view s);
// 20150830T123600Z
[[nodiscard]] std::string amz_date(std::int64_t epoch_seconds);

}  // namespace ssooidc::client::sigv4
