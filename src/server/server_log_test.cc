#include "server/server_log.h"

#include <gtest/gtest.h>

#include <regex>

namespace ssooidc::server {
namespace {

http::AccessLogEntry entry(const core::ResponseLog& log) {
  http::AccessLogEntry e;
  e.method = "POST";
  e.path = "/token";
  e.status = 400;
  e.bytes = 93;
  e.duration_us = 412;
  e.remote = "192.0.2.1";
  e.log = &log;
  return e;
}

TEST(ServerLogTest, JsonAccessLineCarriesTheResponsesFields) {
  const core::ResponseLog log{"CreateToken", "AuthorizationPendingException", "cid\"x", "rid"};
  const std::string line = ServerLog(ServerLog::Format::kJson).access_line(entry(log));
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\{"ts":"[0-9T:Z-]+","remote":"192\.0\.2\.1","method":"POST",)"
                       R"("path":"/token","status":400,"bytes":93,"us":412,"op":"CreateToken",)"
                       R"("error":"AuthorizationPendingException","client_id":"cid\\"x",)"
                       R"("request_id":"rid"\})")))
      << line;
}

TEST(ServerLogTest, TransportAnswersHaveNoResponseFields) {
  http::AccessLogEntry e = entry({});
  e.log = nullptr;
  const std::string line = ServerLog(ServerLog::Format::kJson).access_line(e);
  EXPECT_EQ(line.find("\"op\""), std::string::npos);
  EXPECT_NE(line.find("\"us\":412}"), std::string::npos);
}

TEST(ServerLogTest, TextValuesCannotForgeFieldsOrLines) {
  const core::ResponseLog log{"CreateToken", "", "a b=c\nd\"\\", ""};
  const std::string line = ServerLog(ServerLog::Format::kText).access_line(entry(log));
  EXPECT_NE(line.find(" 192.0.2.1 POST /token 400 93B 412us op=CreateToken "
                      "client_id=\"a b=c\\x0ad\\\"\\\\\""),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const std::string event =
      ServerLog(ServerLog::Format::kText).event_line("signin.failed", {{"user", ""}, {"remote", "x"}});
  EXPECT_NE(event.find(" event=signin.failed user=- remote=x"), std::string::npos) << event;
}

TEST(ServerLogTest, JsonEventLine) {
  const std::string line = ServerLog(ServerLog::Format::kJson)
                               .event_line("device.approved", {{"user", "alice"}, {"client_id", "c"}});
  EXPECT_NE(line.find(R"(,"event":"device.approved","user":"alice","client_id":"c"})"),
            std::string::npos)
      << line;
}

}  // namespace
}  // namespace ssooidc::server
