// The libcurl HttpTransport. One easy handle per transport, kept for the transport's lifetime,
// so that consecutive requests to the same endpoint reuse one connection (unless the caller sends
// `Connection: close`). No libcurl type appears outside curl_transport.cc.
//
// Thread safety: one thread at a time (the owning Client serialises calls).
#pragma once

#include <memory>

#include "client/http_transport.h"

namespace ssooidc::client {

// Fails (kTransport) only if libcurl cannot be initialised or create a handle.
[[nodiscard]] std::expected<std::unique_ptr<HttpTransport>, Error> make_curl_transport(
    const TransportOptions& options);

}  // namespace ssooidc::client
