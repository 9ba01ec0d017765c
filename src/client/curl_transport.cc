#include "client/curl_transport.h"

#include <curl/curl.h>

#include <mutex>

#include "core/http_message.h"

namespace ssooidc::client {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is not thread-safe; run it once per process.
CURLcode global_init() {
  static CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  return rc;
}

struct Collector {
  HttpReply* reply;
  std::size_t limit;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* c = static_cast<Collector*>(user);
  const std::size_t bytes = size * n;
  if (c->reply->body.size() + bytes > c->limit) {
    c->overflow = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  c->reply->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* c = static_cast<Collector*>(user);
  const std::size_t bytes = size * n;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a redirect): forget earlier headers.
    c->reply->headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  c->reply->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return bytes;
}

// Every failure of this file is a TransportError: no answer came back.
Error transport_error(std::string message) {
  return Error::make(ErrorType::kTransport, std::move(message));
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport(EasyHandle handle, TransportOptions options)
      : handle_(std::move(handle)), options_(options) {}

  std::expected<HttpReply, Error> send(const HttpCall& call) override {
    CURL* h = handle_.get();
    HttpReply reply;
    Collector collector{&reply, options_.max_response_bytes};

    Slist headers;
    for (const auto& [name, value] : call.headers) {
      std::string line = name;
      line.append(": ").append(value);
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next == nullptr) return std::unexpected(transport_error("out of memory building request headers"));
      (void)headers.release();
      headers.reset(next);
    }
    // No "Expect: 100-continue" round trip for small JSON bodies, and no Content-Type but the
    // caller's (libcurl would label a POST without one as a form; Logout has no body at all).
    bool has_content_type = false;
    for (const auto& header : call.headers) {
      has_content_type = has_content_type || core::iequals(header.first, "Content-Type");
    }
    for (const char* disabled : {"Expect:", "Content-Type:"}) {
      if (has_content_type && std::string_view(disabled) == "Content-Type:") continue;
      if (curl_slist* next = curl_slist_append(headers.get(), disabled); next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
    }

    // Options that change per request; the rest were set once in make_curl_transport.
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption opt, auto value) {
      if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, value);
    };
    set(CURLOPT_URL, call.url.c_str());
    set(CURLOPT_CUSTOMREQUEST,
        call.method == "POST" ? static_cast<const char*>(nullptr) : call.method.c_str());
    if (call.method == "POST") {
      set(CURLOPT_POST, 1L);
      set(CURLOPT_POSTFIELDS, call.body.c_str());
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    } else {
      set(CURLOPT_HTTPGET, 1L);
    }
    set(CURLOPT_HTTPHEADER, headers.get());
    set(CURLOPT_WRITEDATA, static_cast<void*>(&collector));
    set(CURLOPT_HEADERDATA, static_cast<void*>(&collector));
    if (rc != CURLE_OK) return std::unexpected(transport_error(std::string("libcurl: ") + curl_easy_strerror(rc)));

    error_buffer_[0] = '\0';
    rc = curl_easy_perform(h);
    // The header list dies with this call; never leave a dangling pointer in the handle.
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    if (collector.overflow) {
      return std::unexpected(transport_error("the answer from " + call.url + " is larger than " +
                             std::to_string(options_.max_response_bytes) + " bytes"));
    }
    if (rc != CURLE_OK) {
      std::string detail = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(rc);
      return std::unexpected(transport_error("request to " + call.url + " failed: " + detail));
    }
    long status = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
      return std::unexpected(transport_error("libcurl did not report an HTTP status"));
    }
    reply.status = static_cast<int>(status);
    return reply;
  }

  char* error_buffer() { return error_buffer_; }

 private:
  EasyHandle handle_;
  TransportOptions options_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace

std::expected<std::unique_ptr<HttpTransport>, Error> make_curl_transport(
    const TransportOptions& options) {
  if (CURLcode g = global_init(); g != CURLE_OK) {
    return std::unexpected(transport_error(std::string("libcurl initialisation failed: ") + curl_easy_strerror(g)));
  }
  EasyHandle handle(curl_easy_init());
  if (!handle) return std::unexpected(transport_error("libcurl could not create a handle"));
  CURL* h = handle.get();
  auto transport = std::make_unique<CurlTransport>(std::move(handle), options);

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, value);
  };
  set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: safe in threaded programs
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_ERRORBUFFER, transport->error_buffer());
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_USERAGENT, "ssooidc/0.1.0");
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  if (rc != CURLE_OK) return std::unexpected(transport_error(std::string("libcurl: ") + curl_easy_strerror(rc)));
  return std::unique_ptr<HttpTransport>(std::move(transport));
}

}  // namespace ssooidc::client
