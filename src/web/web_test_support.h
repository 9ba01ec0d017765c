// What the page tests share: a browser driven with HttpRequest values (a cookie jar, CSRF tokens
// read back from the forms, redirects followed by hand) and the services behind the pages, on
// memory storage with a fake clock and the user alice.
//
// Test-only; included by web_test's sources.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "crypto/crypto.h"
#include "domain/client_service.h"
#include "domain/device_service.h"
#include "domain/user_service.h"
#include "storage/storage.h"
#include "web/web.h"

namespace ssooidc::web::testing {

inline constexpr const char* kOrigin = "http://127.0.0.1:8080";

inline std::string header_of(const core::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (core::iequals(k, name)) return v;
  return "";
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// One browser: keeps the session cookie and the CSRF token of the last page it saw.
struct Browser {
  Web& web;
  std::string address = "203.0.113.7";
  bool tls = false;
  std::string cookie;  // "name=value" or ""
  std::string csrf;

  core::HttpResponse send(std::string method, std::string target, std::string body = {},
                          std::vector<std::pair<std::string, std::string>> extra = {}) {
    core::HttpRequest req;
    req.method = std::move(method);
    const std::size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = std::move(body);
    req.remote_address = address;
    req.tls = tls;
    req.headers.emplace_back("Host", "127.0.0.1:8080");
    if (!cookie.empty()) req.headers.emplace_back("Cookie", cookie);
    if (req.method == "POST") {
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      bool has_origin = false;
      for (const auto& [k, v] : extra) has_origin |= core::iequals(k, "Origin");
      if (!has_origin) req.headers.emplace_back("Origin", kOrigin);
    }
    for (auto& h : extra) req.headers.push_back(std::move(h));
    auto resp = web.handle(req);
    EXPECT_TRUE(resp.has_value()) << target;
    if (!resp) return {};
    const std::string set_cookie = header_of(*resp, "Set-Cookie");
    if (!set_cookie.empty()) {
      const std::string pair = set_cookie.substr(0, set_cookie.find(';'));
      cookie = pair.ends_with("=") ? "" : pair;
    }
    static const std::regex token(R"re(name="csrf_token" value="([^"]*)")re");
    std::smatch m;
    if (std::regex_search(resp->body, m, token)) csrf = m[1];
    return std::move(*resp);
  }
  core::HttpResponse get(std::string target) { return send("GET", std::move(target)); }
  core::HttpResponse post(std::string target, std::string form,
                          std::vector<std::pair<std::string, std::string>> extra = {}) {
    return send("POST", std::move(target), std::move(form), std::move(extra));
  }
  // Follows 303s with GETs, as browsers do after a form post.
  core::HttpResponse follow(core::HttpResponse resp) {
    for (int i = 0; i < 5 && resp.status == 303; ++i) resp = get(header_of(resp, "Location"));
    return resp;
  }
  std::string session_id() const { return cookie.substr(cookie.find('=') + 1); }
};

// The pages' services; the user alice has the password "correct horse battery".
class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(*storage::open_storage("memory:"));
    domain::Settings settings;
    settings.public_url = kOrigin;
    ctx_ = std::make_unique<domain::Context>(
        domain::Context{*store_, clock_, random_, std::move(settings)});
    clients_ = std::make_unique<domain::ClientService>(*ctx_);
    devices_ = std::make_unique<domain::DeviceService>(*ctx_, *clients_);
    users_ = std::make_unique<domain::UserService>(*ctx_);
    web_ = std::make_unique<Web>(*ctx_, *devices_, *users_);
    ASSERT_TRUE(users_->add("alice", "correct horse battery"));
  }

  core::FakeClock clock_;
  crypto::SecureRandom random_;
  std::unique_ptr<storage::Storage> store_;
  std::unique_ptr<domain::Context> ctx_;
  std::unique_ptr<domain::ClientService> clients_;
  std::unique_ptr<domain::DeviceService> devices_;
  std::unique_ptr<domain::UserService> users_;
  std::unique_ptr<Web> web_;
};

}  // namespace ssooidc::web::testing
