// http_fixed_server: ssooidc's HTTP transport (http::Server) with a handler that answers the two
// benchmarked calls with the same fixed bodies as bench/nginx.conf.in. Run by run_wrk.sh next to
// nginx and ssooidc-server, it separates the transport's cost from the API's.
//
//   http_fixed_server [--listen HOST:PORT] [--threads N]
// Prints http://HOST:PORT as the first line of stdout; stops on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "http/server.h"

namespace {

using ssooidc::core::HttpRequest;
using ssooidc::core::HttpResponse;

HttpResponse answer(const HttpRequest& request, const std::string& device_body) {
  HttpResponse response;
  response.set("Content-Type", "application/json");
  if (request.path == "/token") {
    response.status = 400;
    response.set("x-amzn-RequestId", "8506bebb-9eca-4771-9336-953ba378efb1");
    response.set("x-amzn-ErrorType",
                 "AuthorizationPendingException:http://internal.amazon.com/coral/"
                 "com.amazonaws.sso.oidc/");
    response.body =
        R"({"error":"authorization_pending","error_description":"Authorization is still pending"})";
  } else if (request.path == "/device_authorization") {
    response.set("x-amzn-RequestId", "4032852a-486b-4380-92ca-65153ce70558");
    response.body = device_body;
  } else {
    response.status = 404;
  }
  return response;
}

int usage() {
  std::fprintf(stderr, "usage: http_fixed_server [--listen HOST:PORT] [--threads N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ssooidc::http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--listen") {
      const std::string listen = argv[++i];
      const auto colon = listen.rfind(':');
      if (colon == std::string::npos) return usage();
      options.host = listen.substr(0, colon);
      options.port = static_cast<std::uint16_t>(std::atoi(listen.c_str() + colon + 1));
    } else if (arg == "--threads") {
      options.threads = std::atoi(argv[++i]);
    } else {
      return usage();
    }
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string device_body;
  ssooidc::http::Server server(
      options, [&device_body](const HttpRequest& request) { return answer(request, device_body); });
  auto port = server.bind();
  if (!port) {
    std::fprintf(stderr, "http_fixed_server: %s\n", port.error().error_description.c_str());
    return 1;
  }
  const std::string base = "http://" + options.host + ":" + std::to_string(*port);
  device_body =
      R"({"deviceCode":"xYPXpeHNWybL2yivg0oomUZ0hKqbAt9zUYNy1K1HTSJT0Oqo7T266etaIa9n9ajmzvzwa5qeyYx5BPoiVsdsbA","expiresIn":600,"interval":1,"userCode":"PMPJ-VZCJ","verificationUri":")" +
      base + R"(/device","verificationUriComplete":")" + base + R"(/device?user_code=PMPJ-VZCJ"})";
  std::printf("%s\n", base.c_str());
  std::fflush(stdout);

  std::thread signal_thread([&server, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.run();
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}
