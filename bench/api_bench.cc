// Micro-benchmarks of the request handler alone (no sockets): `Application::handle` on the two
// calls run_wrk.sh measures end to end, against a real SQLite file in a temporary directory.
// Comparing these with http_bench's round trip shows how a request's cost splits between the
// transport and the API, crypto and database. Run under `valgrind --tool=callgrind` for
// repeatable instruction counts (see bench/README.md).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "server/application.h"

namespace {

namespace fs = std::filesystem;
using ssooidc::core::HttpRequest;
using ssooidc::core::HttpResponse;

HttpRequest post(std::string path, std::string body) {
  HttpRequest req;
  req.method = "POST";
  req.path = std::move(path);
  req.headers = {{"Host", "oidc.eu-west-2.amazonaws.com"},
                 {"Content-Type", "application/json"},
                 {"User-Agent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 command/sso.login"}};
  req.body = std::move(body);
  req.remote_address = "127.0.0.1";
  return req;
}

// Reads a string member out of a compact JSON body the server produced: enough for "clientId"
// style members whose values hold no escapes.
std::string member(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto start = json.find(key);
  if (start == std::string::npos) return {};
  const auto from = start + key.size();
  return json.substr(from, json.find('"', from) - from);
}

// One server on a fresh SQLite file, with a registered client and a pending device code; the
// same for every benchmark of one process, as the server keeps it for its lifetime.
struct Fixture {
  fs::path dir;
  std::unique_ptr<ssooidc::server::Application> app;
  std::string client_id;
  std::string client_secret;
  std::string device_code;

  Fixture() {
    dir = fs::temp_directory_path() / ("ssooidc-api-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    ssooidc::domain::Settings settings;
    settings.poll_interval_seconds = 0;  // as run_wrk.sh: measure the pending path, not slow_down
    app = std::make_unique<ssooidc::server::Application>("sqlite:" + (dir / "bench.db").string(),
                                                         settings);
    const HttpResponse reg = app->handle(post(
        "/client/register",
        R"({"clientName":"botocore-client-bench","clientType":"public","scopes":["sso:account:access"]})"));
    client_id = member(reg.body, "clientId");
    client_secret = member(reg.body, "clientSecret");
    const HttpResponse start = app->handle(post("/device_authorization", start_body()));
    device_code = member(start.body, "deviceCode");
  }
  ~Fixture() {
    app.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  [[nodiscard]] std::string start_body() const {
    return R"({"clientId":")" + client_id + R"(","clientSecret":")" + client_secret +
           R"(","startUrl":"https://d-0000000000.awsapps.com/start"})";
  }
  // What botocore sends when polling (reference 3.3), with its spacing.
  [[nodiscard]] std::string poll_body() const {
    return R"({"grantType": "urn:ietf:params:oauth:grant-type:device_code", "clientId": ")" +
           client_id + R"(", "clientSecret": ")" + client_secret + R"(", "deviceCode": ")" +
           device_code + R"("})";
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_CreateTokenPending(benchmark::State& state) {
  Fixture& f = fixture();
  const HttpRequest req = post("/token", f.poll_body());
  for (auto _ : state) {
    HttpResponse resp = f.app->handle(req);
    if (resp.status != 400 || resp.body.find("authorization_pending") == std::string::npos)
      state.SkipWithError(("unexpected answer: " + resp.body).c_str());
    benchmark::DoNotOptimize(resp.body.data());
  }
}
BENCHMARK(BM_CreateTokenPending);

void BM_CreateTokenUnknownClient(benchmark::State& state) {
  Fixture& f = fixture();
  const HttpRequest req =
      post("/token", R"({"grantType": "urn:ietf:params:oauth:grant-type:device_code", "clientId": )"
                     R"("nobody", "clientSecret": "x", "deviceCode": "y"})");
  for (auto _ : state) {
    HttpResponse resp = f.app->handle(req);
    if (resp.status != 401) state.SkipWithError(("unexpected answer: " + resp.body).c_str());
    benchmark::DoNotOptimize(resp.body.data());
  }
}
BENCHMARK(BM_CreateTokenUnknownClient);

// The database read every poll makes, alone: what is left of BM_CreateTokenPending's cost when
// JSON, hashing and the answer are taken away.
void BM_FindDeviceAuthorization(benchmark::State& state) {
  Fixture& f = fixture();
  const std::string hash = ssooidc::crypto::sha256_hex(f.device_code);
  auto& store = f.app->storage().device_authorizations();
  for (auto _ : state) {
    auto found = store.find_by_device_code_hash(hash);
    if (!found || !*found) state.SkipWithError("device authorization not found");
    benchmark::DoNotOptimize(found);
  }
}
BENCHMARK(BM_FindDeviceAuthorization);

void BM_StartDeviceAuthorization(benchmark::State& state) {
  Fixture& f = fixture();
  const HttpRequest req = post("/device_authorization", f.start_body());
  for (auto _ : state) {
    HttpResponse resp = f.app->handle(req);
    if (resp.status != 200) state.SkipWithError(("unexpected answer: " + resp.body).c_str());
    benchmark::DoNotOptimize(resp.body.data());
  }
}
BENCHMARK(BM_StartDeviceAuthorization);

}  // namespace

BENCHMARK_MAIN();
