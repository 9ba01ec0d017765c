// Micro-benchmarks of the HTTP transport, independent of the API: parsing a CreateToken request,
// serializing the AuthorizationPending answer, and a full keep-alive round trip over loopback to
// an in-process Server with a fixed handler. Run under `valgrind --tool=callgrind` for
// repeatable instruction counts (see bench/README.md).
#include <benchmark/benchmark.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdlib>
#include <string>
#include <thread>

#include "http/request_parser.h"
#include "http/response_writer.h"
#include "http/server.h"

namespace {

namespace asio = boost::asio;
using ssooidc::core::HttpResponse;

// What botocore sends when polling (reference §3.3), with a typical CLI User-Agent.
const std::string kCreateTokenRequest = [] {
  const std::string body =
      R"({"grantType": "urn:ietf:params:oauth:grant-type:device_code", "clientId": )"
      R"("_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID", "clientSecret": ")" +
      std::string(400, 's') + R"(", "deviceCode": ")" + std::string(86, 'd') + R"("})";
  return "POST /token HTTP/1.1\r\nHost: oidc.eu-west-2.amazonaws.com\r\n"
         "Accept-Encoding: identity\r\nContent-Type: application/json\r\n"
         "User-Agent: aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12 prompt/off "
         "command/sso.login\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}();

HttpResponse pending_response() {
  HttpResponse response;
  response.status = 400;
  response.set("Content-Type", "application/json");
  response.set("x-amzn-RequestId", "52c5e465-fb2e-4c60-bf89-8a768a24a043");
  response.set("x-amzn-ErrorType",
               "AuthorizationPendingException:http://internal.amazon.com/coral/"
               "com.amazonaws.sso.oidc/");
  response.body =
      R"({"error":"authorization_pending","error_description":"Authorization is still pending"})";
  return response;
}

void BM_ParseCreateTokenRequest(benchmark::State& state) {
  for (auto _ : state) {
    ssooidc::http::RequestParser parser(16 * 1024, 64 * 1024);
    boost::system::error_code ec;
    parser.put(asio::buffer(kCreateTokenRequest), ec);
    if (ec || !parser.is_done()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parser.request().body.data());
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kCreateTokenRequest.size()));
}
BENCHMARK(BM_ParseCreateTokenRequest);

void BM_SerializePendingResponse(benchmark::State& state) {
  ssooidc::http::HttpDate date;
  for (auto _ : state) {
    auto wire = ssooidc::http::serialize_response(pending_response(), true, false, date.now());
    benchmark::DoNotOptimize(wire.head.data());
  }
}
BENCHMARK(BM_SerializePendingResponse);

// One request and its response per iteration, on one keep-alive connection.
void BM_LoopbackRoundTrip(benchmark::State& state) {
  ssooidc::http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  ssooidc::http::Server server(
      options, [](const ssooidc::core::HttpRequest&) { return pending_response(); });
  auto port = server.bind();
  if (!port) {
    state.SkipWithError(port.error().error_description.c_str());
    return;
  }
  std::thread serving([&server] { server.run(); });

  asio::io_context context;
  asio::ip::tcp::socket socket(context);
  socket.connect({asio::ip::make_address("127.0.0.1"), *port});
  socket.set_option(asio::ip::tcp::no_delay(true));
  std::string input;
  std::array<char, 4096> chunk{};
  for (auto _ : state) {
    asio::write(socket, asio::buffer(kCreateTokenRequest));
    // Read until one whole response (head + Content-Length body) is buffered.
    std::size_t need = std::string::npos;
    for (;;) {
      if (need == std::string::npos) {
        if (auto end = input.find("\r\n\r\n"); end != std::string::npos) {
          auto cl = input.find("Content-Length: ");
          need = end + 4 + std::strtoul(input.c_str() + cl + 16, nullptr, 10);
        }
      }
      if (need != std::string::npos && input.size() >= need) break;
      input.append(chunk.data(), socket.read_some(asio::buffer(chunk)));
    }
    input.erase(0, need);
  }
  socket.close();
  server.stop();
  serving.join();
}
BENCHMARK(BM_LoopbackRoundTrip)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
