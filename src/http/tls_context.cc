#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <utility>

namespace ssooidc::http {

namespace ssl = boost::asio::ssl;

namespace {

std::unexpected<Error> failure(const std::string& what, const boost::system::error_code& ec) {
  std::string reason = ec ? ec.message() : std::string("unknown error");
  return std::unexpected(Error::make(ErrorType::kInternalServer, what + ": " + reason));
}

}  // namespace

std::expected<void, Error> TlsContext::load(const std::string& certificate_file,
                                            const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression,
                       ec);
  if (ec) return failure("TLS options", ec);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    return failure("TLS minimum version", {});
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  context->use_certificate_chain_file(certificate_file, ec);
  if (ec) return failure("TLS certificate " + certificate_file, ec);
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return failure("TLS private key " + key_file, ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return std::unexpected(Error::make(ErrorType::kInternalServer,
                                       "TLS private key " + key_file +
                                           " does not match the certificate " + certificate_file));
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(context);
  return {};
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

}  // namespace ssooidc::http
