// TlsContext: the server's certificate and key, loaded from PEM files into an OpenSSL context
// with the secure defaults (issue 13), and swapped whole when the files are reloaded. Private to
// the http layer.
//
// Protocols: TLS 1.2 and 1.3 only (SSLv3, TLS 1.0 and 1.1 refused); ciphers, groups and
// signature algorithms are OpenSSL's defaults (its "secure by default" lists); no compression, no
// renegotiation, server cipher preference. The certificate file may hold the chain: the leaf
// first, then the intermediates (SSL_CTX_use_certificate_chain_file).
//
// Reload: load() builds a complete new context and, only if the certificate, the key and their
// match all check out, replaces the current one. A connection keeps the context it was accepted
// with (it holds a shared_ptr), so existing connections are untouched; new ones get the new
// certificate. A failed reload keeps serving the old one.
//
// Thread safety: current() and load() may be called from any thread.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <expected>
#include <memory>
#include <mutex>
#include <string>

#include "ssooidc/error.h"

namespace ssooidc::http {

class TlsContext {
 public:
  // Reads `certificate_file` (PEM, leaf then chain) and `key_file` (PEM private key). On
  // success the new context becomes current; on failure an InternalServer error naming the file
  // and OpenSSL's reason, and the current context (if any) stays.
  [[nodiscard]] std::expected<void, Error> load(const std::string& certificate_file,
                                                const std::string& key_file);
  // The context new connections use; null before the first successful load().
  [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace ssooidc::http
