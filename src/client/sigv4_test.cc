// Runs the signer over every case of the published SigV4 test suite (testdata/sigv4, from
// awslabs/aws-c-auth): each folder has request.txt, context.json and, for the header and the
// query form, the expected canonical request, string to sign, signature and signed request.
#include "client/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/json.h"
#include "client/sso_cache.h"

namespace ssooidc::client::sigv4 {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  Request request;
  std::string body;
  Params params;
  std::int64_t expires = 0;
};

// request.txt: "METHOD target HTTP/1.1", "Name:value" lines (indented lines continue the
// previous value), an empty line, the body. The target may contain spaces and raw UTF-8.
Case load_case(const fs::path& dir) {
  Case c;
  std::string text = read(dir / "request.txt");
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    auto nl = text.find('\n', pos);
    line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  std::string line;
  next_line(line);
  const auto first_space = line.find(' ');
  const auto last_space = line.rfind(' ');
  c.request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  auto q = target.find('?');
  c.request.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      auto amp = query.find('&', start);
      std::string part =
          query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      if (!part.empty()) {
        auto eq = part.find('=');
        c.request.query.emplace_back(
            uri_decode(part.substr(0, eq)),
            eq == std::string::npos ? "" : uri_decode(part.substr(eq + 1)));
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  while (next_line(line) && !line.empty()) {
    if ((line.front() == ' ' || line.front() == '\t') && !c.request.headers.empty()) {
      c.request.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    c.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  c.body = pos < text.size() ? text.substr(pos) : "";

  auto ctx = json::parse(read(dir / "context.json"));
  EXPECT_TRUE(ctx.has_value()) << dir;
  const json::Value& creds = *ctx->find("credentials");
  c.params.credentials.access_key_id = *creds.string_member("access_key_id");
  c.params.credentials.secret_access_key = *creds.string_member("secret_access_key");
  c.params.credentials.session_token = creds.string_member("token").value_or("");
  c.params.region = *ctx->string_member("region");
  c.params.service = *ctx->string_member("service");
  c.params.epoch_seconds = *parse_cache_time(*ctx->string_member("timestamp"));
  c.params.normalize_path = *ctx->find("normalize")->as_bool();
  c.params.content_sha256_header = *ctx->find("sign_body")->as_bool();
  if (const json::Value* omit = ctx->find("omit_session_token")) {
    c.params.omit_session_token = *omit->as_bool();
  }
  c.expires = *ctx->find("expiration_in_seconds")->as_int();
  return c;
}

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(SSOOIDC_SIGV4_TESTDATA)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SigV4Test, TestSuiteIsPresent) {
  // Fail, not skip: the signer is only proven by this data.
  ASSERT_TRUE(fs::is_directory(SSOOIDC_SIGV4_TESTDATA))
      << "missing SigV4 test suite at " << SSOOIDC_SIGV4_TESTDATA;
  EXPECT_GE(case_dirs().size(), 30u);
}

TEST(SigV4Test, HeaderFormMatchesEveryCase) {
  ASSERT_TRUE(fs::is_directory(SSOOIDC_SIGV4_TESTDATA));
  int checked = 0;
  for (const auto& dir : case_dirs()) {
    SCOPED_TRACE(dir.filename().string());
    Case c = load_case(dir);
    c.request.body = c.body;
    Signature s = sign_headers(c.request, c.params);
    EXPECT_EQ(s.canonical_request, read(dir / "header-canonical-request.txt"));
    EXPECT_EQ(s.string_to_sign, read(dir / "header-string-to-sign.txt"));
    EXPECT_EQ(s.signature, read(dir / "header-signature.txt"));
    // The Authorization line of the expected signed request.
    std::string signed_request = read(dir / "header-signed-request.txt");
    auto at = signed_request.find("\nAuthorization:");
    ASSERT_NE(at, std::string::npos);
    auto end = signed_request.find('\n', at + 1);
    std::string expected_authz =
        signed_request.substr(at + 15, end == std::string::npos ? end : end - at - 15);
    auto authz = std::find_if(s.headers_to_add.begin(), s.headers_to_add.end(),
                              [](const auto& h) { return h.first == "Authorization"; });
    ASSERT_NE(authz, s.headers_to_add.end());
    EXPECT_EQ(authz->second, expected_authz);
    // Every added header appears in the expected signed request.
    for (const auto& [name, value] : s.headers_to_add) {
      EXPECT_NE(signed_request.find(name + ":" + value), std::string::npos) << name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(SigV4Test, QueryFormMatchesEveryCase) {
  ASSERT_TRUE(fs::is_directory(SSOOIDC_SIGV4_TESTDATA));
  int checked = 0;
  for (const auto& dir : case_dirs()) {
    if (!fs::exists(dir / "query-canonical-request.txt")) continue;
    SCOPED_TRACE(dir.filename().string());
    Case c = load_case(dir);
    c.request.body = c.body;
    Signature s = presign_query(c.request, c.params, c.expires);
    EXPECT_EQ(s.canonical_request, read(dir / "query-canonical-request.txt"));
    EXPECT_EQ(s.string_to_sign, read(dir / "query-string-to-sign.txt"));
    EXPECT_EQ(s.signature, read(dir / "query-signature.txt"));
    std::string signed_request = read(dir / "query-signed-request.txt");
    for (const auto& [name, value] : s.query_to_add) {
      EXPECT_NE(signed_request.find(name + "=" + uri_encode(value, false)), std::string::npos)
          << name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(SigV4Test, HelpersEncodeAsSigV4Requires) {
  EXPECT_EQ(uri_encode("a b/c~d+e*", false), "a%20b%2Fc~d%2Be%2A");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(uri_decode("%E1%88%B4%zz%4"), "\xe1\x88\xb4%zz%4");
  EXPECT_EQ(amz_date(1440938160), "20150830T123600Z");
}

TEST(SigV4Test, CreateTokenWithIamRequestIsSignedForSsoOauth) {
  Request r;
  r.method = "POST";
  r.path = "/token";
  r.query = {{"aws_iam", "t"}};
  r.headers = {{"Host", "oidc.us-east-1.amazonaws.com"},
               {"Content-Type", "application/json"},
               {"User-Agent", "never-signed"}};
  r.body = R"({"clientId":"arn:aws:sso::123456789012:application/x","grantType":"refresh_token"})";
  Params p;
  p.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session"};
  p.region = "us-east-1";
  p.service = "sso-oauth";
  p.epoch_seconds = 1440938160;
  Signature s = sign_headers(r, p);
  EXPECT_TRUE(s.canonical_request.starts_with("POST\n/token\naws_iam=t\n"));
  EXPECT_NE(s.canonical_request.find("\ncontent-type;host;x-amz-date;x-amz-security-token\n"),
            std::string::npos);
  EXPECT_TRUE(s.headers_to_add.back().second.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sso-oauth/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="));
}

}  // namespace
}  // namespace ssooidc::client::sigv4
