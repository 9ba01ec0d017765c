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

#include "testing/http_values.h"
#include "testing/test_services.h"
#include "web/web.h"

namespace ssooidc::web::testing {

inline constexpr const char* kOrigin = "http://127.0.0.1:8080";

using test_support::header_of;

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
class PagesTest : public test_support::ServicesTest {
 protected:
  PagesTest() : ServicesTest(settings()) {}
  static domain::Settings settings() {
    domain::Settings s;
    s.public_url = kOrigin;
    return s;
  }
  void SetUp() override {
    web_ = std::make_unique<Web>(WebServices{t_.graph.devices, t_.graph.users,
                                             t_.graph.authorizations, t_.graph.context.settings,
                                             t_.clock, t_.random, t_.graph.shared});
    ASSERT_TRUE(users_->add("alice", "correct horse battery"));
  }

  std::unique_ptr<Web> web_;
};

}  // namespace ssooidc::web::testing
