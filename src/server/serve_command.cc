// `ssooidc-server serve`: opens storage, binds, prints the URL it listens on as the first line of
// standard output, and serves until SIGINT or SIGTERM, finishing requests in flight.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "core/json_text.h"
#include "core/url.h"
#include "core/time_format.h"
#include "crypto/crypto.h"
#include "http/server.h"
#include "server/application.h"
#include "server/commands.h"
#include "server/world_file.h"
#include "server/secret_files.h"
#include "storage/storage.h"
#include "server/server_log.h"

namespace ssooidc::server {
namespace {

// The lease under which one process at a time applies --world at start. A process that dies
// holding it delays the others' starts by at most this long.
constexpr std::string_view kWorldLease = "world-file";
constexpr std::int64_t kWorldLeaseMillis = 60'000;

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

ListenAddress parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw std::runtime_error("--listen wants HOST:PORT, got '" + text + "'");
  ListenAddress out;
  out.host = text.substr(0, colon);
  // "[::1]:8080": an IPv6 literal is written in brackets, as in a URL (RFC 3986 3.2.2), so that
  // its colons are not taken for the port's; the socket wants it bare.
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  try {
    std::size_t used = 0;
    int p = std::stoi(port, &used);
    if (used != port.size() || p < 0 || p > 65535) throw std::out_of_range("port");
    out.port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    throw std::runtime_error("--listen has a bad port: '" + port + "'");
  }
  return out;
}

// The public URL is the OpenID issuer and the prefix of every endpoint the server advertises
// (public_url + "/token"): "https://sso.example/" would advertise "https://sso.example//token",
// and verifiers compare an ID token's `iss` with the issuer character for character (OpenID
// Connect Discovery 1.0 section 4.3).
std::string strip_trailing_slash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

// Creates the first user of an empty directory so that a newcomer can sign in at once. The
// password goes to a 0600 file, and to standard output only when that is a terminal: service
// managers log standard output (issue 11 item 9).
void bootstrap_user(Application& app, const std::string& database_url, std::string file) {
  auto count = app.storage().users().count();
  // Never a second admin: only a directory known to be empty gets one. A failed count is left to
  // /readyz and the first request to report.
  if (!count || *count > 0) return;
  if (file.empty()) {
    if (auto sqlite = sqlite_file_of(database_url)) file = *sqlite + ".admin-password";
  }
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  if (file.empty() && !terminal) {
    std::fprintf(stderr,
                 "ssooidc-server: no first user created: standard output is not a terminal and "
                 "the database has no file beside it; pass --bootstrap-password-file\n");
    return;
  }
  crypto::SecureRandom random;
  const std::string password = crypto::random_token(random, "", 15);
  // Written before the user exists, under a name of its own, and moved into place only by the
  // process whose user was added: replicas started at once on an empty database all get here,
  // and the file must hold the password of the one user that was created.
  const std::string pending = file.empty() ? "" : file + ".tmp-" + std::to_string(::getpid());
  if (!pending.empty()) write_private_file(pending, password + "\n");
  auto added = app.users().add("admin", password);
  if (!added || (!pending.empty() && ::rename(pending.c_str(), file.c_str()) != 0)) {
    if (!pending.empty()) ::unlink(pending.c_str());
    return;
  }
  std::printf("Created the first user: admin\n");
  if (!file.empty()) std::printf("Password written to %s (mode 0600)\n", file.c_str());
  if (terminal) std::printf("Password (shown once): %s\n", password.c_str());
}

// A replica started while its PostgreSQL is down (or not yet up) waits for it instead of exiting,
// saying so once a second, until the database answers or SIGINT/SIGTERM (blocked in `signals`)
// arrives. Returns false on the signal. SQLite and memory: are opened at once as before.
bool wait_for_database(const std::string& database_url, const sigset_t& signals) {
  if (!database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://"))
    return true;
  for (int attempt = 1;; ++attempt) {
    auto opened = storage::open_storage(database_url);
    if (opened) {
      if (attempt > 1) std::fprintf(stderr, "ssooidc-server: database reachable, starting\n");
      return true;
    }
    // The description names the server (host, port, database, user), never the password.
    std::fprintf(stderr, "ssooidc-server: waiting for the database (attempt %d): %s; retrying in 1 s\n",
                 attempt, opened.error().error_description.c_str());
    const timespec pause{1, 0};
    if (sigtimedwait(&signals, nullptr, &pause) > 0) return false;
  }
}

// Every connection takes a descriptor: use all the hard limit allows (the HTTP server keeps a
// reserve of them for the database and caps connections to the rest).
void raise_descriptor_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur >= files.rlim_max) return;
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

// The answers of the --metrics-listen listener: /metrics and /healthz, nothing else.
core::HttpResponse metrics_listener_response(Application& app, const core::HttpRequest& req) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (get && req.path == "/metrics") return app.metrics_response();
  core::HttpResponse resp;
  resp.set("Content-Type", "text/plain; charset=utf-8");
  resp.set("Cache-Control", "no-store");
  if (get && req.path == "/healthz") {
    resp.body = "ok\n";
  } else {
    resp.status = 404;
    resp.body = "Only /metrics and /healthz are served here\n";
  }
  return resp;
}

// The production minimums that only the test mode may go below ("fast clocks"): below them a
// person cannot finish a login in time or clients would refresh all the time, but a CI test wants
// to see a device code, a registration or a session expire without waiting for it.
struct ProductionMinimum {
  const char* flag;
  std::int64_t value;
  std::int64_t minimum;
};

}  // namespace

void add_operations_options(CLI::App& serve, ServeOptions& options) {
  serve.add_option("--tls-cert", options.tls_certificate_file,
                   "PEM certificate (leaf first, then its chain): serve HTTPS; reloaded on SIGHUP")
      ->envname("SSOOIDC_TLS_CERT");
  serve.add_option("--tls-key", options.tls_private_key_file,
                   "PEM private key of --tls-cert; reloaded on SIGHUP")
      ->envname("SSOOIDC_TLS_KEY");
  serve.add_option("--metrics-listen", options.metrics_listen,
                   "HOST:PORT serving /metrics (Prometheus) and /healthz; /metrics then leaves "
                   "the main listener")
      ->envname("SSOOIDC_METRICS_LISTEN");
  serve.add_option("--handler-threads", options.handler_threads,
                   "Threads for requests that use the database, so a slow database does not "
                   "stall the I/O threads; 0 handles every request on the I/O threads")
      ->check(CLI::Range(0, 1024));
  serve.add_option("--handler-queue", options.handler_queue,
                   "Requests that may wait for a handler thread before the rest get 503")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  serve.add_flag("--no-pending-index", options.no_pending_index,
                 "Do not keep every pending device authorization's poll answer in memory "
                 "(about 20 bytes each, read from the database at start-up)");
}

void check_serve_options(const CommonOptions& common, const ServeOptions& options) {
  (void)common;
  const ListenAddress listen = parse_listen(options.listen);
  const domain::Settings& s = options.settings;
  if (!s.test_mode) {
    if (options.test_mode_allow_remote)
      throw std::runtime_error("--test-mode-allow-remote needs --test-mode");
    if (!s.auto_approve_user.empty()) throw std::runtime_error("--auto-approve needs --test-mode");
    if (!options.test_admin_token.empty())
      throw std::runtime_error("--test-admin-token needs --test-mode");
    const ProductionMinimum minimums[] = {
        {"--device-code-ttl", s.device_code_ttl_seconds, 10},
        {"--registration-ttl", s.registration_ttl_seconds, 60},
        {"--session-ttl", s.session_ttl_seconds, 900},
        {"--access-token-ttl", s.access_token_ttl_seconds, 300},
    };
    for (const auto& m : minimums)
      if (m.value < m.minimum)
        throw std::runtime_error(std::string(m.flag) + " " + std::to_string(m.value) +
                                 " is below its production minimum of " +
                                 std::to_string(m.minimum) + "; shorter only with --test-mode");
    return;
  }
  // A test-mode server approves whatever it is asked to: reachable from elsewhere only when the
  // operator says so explicitly.
  if (!core::is_loopback_host(listen.host) && !options.test_mode_allow_remote)
    throw std::runtime_error("--test-mode on " + options.listen +
                             ", which is not a loopback address: add --test-mode-allow-remote "
                             "if this is really wanted");
  if (!s.auto_approve_user.empty() && !domain::UserService::valid_name(s.auto_approve_user))
    throw std::runtime_error("--auto-approve: '" + s.auto_approve_user + "' is not a user name");
  if (!options.test_admin_token.empty() && options.test_admin_token.size() < 16)
    throw std::runtime_error("--test-admin-token must be at least 16 characters");
}

int run_serve(const CommonOptions& common, const ServeOptions& options) {
  check_serve_options(common, options);
  // Signals are taken by a dedicated thread (sigwait), so I/O threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reloads the TLS certificate
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const ListenAddress listen = parse_listen(options.listen);
  std::optional<ListenAddress> metrics_listen;
  if (!options.metrics_listen.empty()) metrics_listen = parse_listen(options.metrics_listen);
  const bool tls = !options.tls_certificate_file.empty() || !options.tls_private_key_file.empty();
  if (tls && (options.tls_certificate_file.empty() || options.tls_private_key_file.empty()))
    throw std::runtime_error("--tls-cert and --tls-key go together");
  // A malformed world file stops the start before the database is touched.
  std::optional<World> world;
  if (!options.world_file.empty()) world = load_world_file(options.world_file);
  crypto::SecureRandom key_random;
  std::string server_key = load_or_create_server_key(common.database, options.key_file, key_random);
  if (!wait_for_database(common.database, signals)) return 0;
  Application app(common.database, options.settings, std::make_unique<core::SystemClock>(),
                  std::move(server_key));
  // Signing keys stored in clear by an older version are sealed now; the wrong key file for this
  // database stops the start here rather than at the first ID token.
  if (auto sealed = app.services().id_tokens.seal_stored_keys(); !sealed)
    throw std::runtime_error(sealed.error().error_description);
  if (world) {
    // Replicas started at once on one database apply the same file: the first under a lease
    // every process honours, the others once it is done (they wait for the lease, let it go at
    // once and check the file together, finding the rows written: usually nothing is left).
    // Applying is idempotent, so a pass that still collides with another process's insert (two
    // checking at once after a first that died half way) is applied again; a file that is really
    // wrong fails each time.
    domain::SharedState& shared = app.services().shared;
    bool waited = false;
    for (;;) {
      auto led = shared.lead(kWorldLease, kWorldLeaseMillis);
      if (!led) throw std::runtime_error("world: " + led.error().error_description);
      if (*led) break;
      waited = true;
      const timespec pause{0, 100'000'000};
      if (sigtimedwait(&signals, nullptr, &pause) > 0) return 0;
    }
    auto release = [&shared] {
      if (auto released = shared.release(kWorldLease); !released)
        throw std::runtime_error("world: " + released.error().error_description);
    };
    if (waited) release();
    std::int64_t changes = 0;
    for (int attempt = 1;; ++attempt) {
      try {
        changes = apply_world(app, *world);
        break;
      } catch (const std::runtime_error&) {
        if (attempt == 3) throw;
      }
    }
    if (!waited) release();
    std::fprintf(stderr, "ssooidc-server: applied world file %s (%lld changes)\n",
                 options.world_file.c_str(), static_cast<long long>(changes));
  }

  if (!options.no_pending_index) {
    // Read before the first request (issue 15 item 4): polls among millions of pending logins
    // are then answered from memory. A failure only leaves the polls to the table.
    const auto started = std::chrono::steady_clock::now();
    auto held = app.services().tokens.load_pending_index();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!held)
      std::fprintf(stderr, "ssooidc-server: pending index not loaded: %s\n",
                   held.error().error_description.c_str());
    else if (*held > 0)
      std::fprintf(stderr, "ssooidc-server: pending index: %zu device authorizations in %.1f s\n",
                   *held, seconds);
  }

  http::ServerOptions http_options;
  http_options.host = listen.host;
  http_options.port = listen.port;
  http_options.threads = options.threads;
  http_options.max_connections = options.max_connections;
  http_options.max_connections_per_address = options.max_connections_per_address;
  http_options.trusted_proxies = options.trusted_proxies;
  raise_descriptor_limit();
  http_options.error_response = [&app](int status, std::string_view description) {
    return app.transport_error(status, description);
  };
  // The access log and the security events (server_log.h): fields are names, ids and paths,
  // never secrets.
  static ServerLog log(options.log_format == "text" ? ServerLog::Format::kText
                                                   : ServerLog::Format::kJson);
  if (options.access_log == "stderr")
    http_options.access_log = [](const http::AccessLogEntry& e) { log.access(e); };
  app.set_event_log(&log);
  std::string test_admin_token;
  if (options.settings.test_mode) {
    test_admin_token = options.test_admin_token.empty()
                           ? crypto::random_token(key_random, "", 24)
                           : options.test_admin_token;
    app.enable_test_admin(test_admin_token);
    log.notice("TEST MODE: not for production. The scripted admin API is on at /ssooidc-test/" +
               (options.settings.auto_approve_user.empty()
                    ? std::string()
                    : "; every device authorization and /authorize request is approved as " +
                          options.settings.auto_approve_user) +
               "; TTLs may be shorter than production allows");
  }
  // Requests count as https (Secure cookies, HSTS) when people reach the server over https: its
  // own TLS, or a TLS-terminating proxy in front named by an https --public-url.
  const bool https = options.public_url.starts_with("https://") ||
                     (tls && options.public_url.empty());
  http_options.tls_public = https;
  http_options.tls_certificate_file = options.tls_certificate_file;
  http_options.tls_private_key_file = options.tls_private_key_file;
  http_options.handler_threads = options.handler_threads;
  // On PostgreSQL, by default one handler per connection of the storage's pool (16,
  // storage/postgres/postgres_storage.h): durable commits of concurrent handlers then share one
  // WAL flush (group commit), which 8 handlers left half used (bench/run_wrk_pg_replicas.sh:
  // StartDeviceAuthorization 0.19-0.24 of nginx with 8, 0.36 with 16).
  if (!options.handler_threads_given && (common.database.starts_with("postgres://") ||
                                         common.database.starts_with("postgresql://")))
    http_options.handler_threads = 16;
  http_options.handler_queue_limit = options.handler_queue;
  // Answered on the I/O thread when memory alone answers (no database: /healthz, /metrics, the
  // static assets, discovery, a cached pending poll, issue 15); else on the handler pool.
  http_options.try_inline = [&app](const core::HttpRequest& req) { return app.handle_inline(req); };
  http_options.quick_lane = [&app](const core::HttpRequest& req) {
    return app.takes_without_waiting_on_handler_thread(req);
  };
  http_options.try_async = [&app](const core::HttpRequest& req, bool may_block,
                                  core::ResponseDone& done) {
    return app.handle_without_waiting(req, may_block, done);
  };
  http::Server server(http_options,
                      [&app](const core::HttpRequest& req) { return app.handle(req); });
  auto port = server.bind();
  if (!port) throw std::runtime_error("cannot listen on " + options.listen + ": " + port.error().error_description);
  app.metrics().set_gauge("ssooidc_open_connections", "Connections open on the main listener.",
                          [&server]() -> std::optional<std::int64_t> {
                            return static_cast<std::int64_t>(server.open_connections());
                          });
  app.metrics().set_gauge("ssooidc_handler_queue_length",
                          "Requests waiting for a handler thread (--handler-threads).",
                          [&server]() -> std::optional<std::int64_t> {
                            return static_cast<std::int64_t>(server.queued_requests());
                          });
  app.metrics().set_counter("ssooidc_handler_busy_rejections_total",
                            "Requests answered 503 because every handler thread was busy and "
                            "the queue (--handler-queue) was full.",
                            [&server]() -> std::optional<std::int64_t> {
                              return static_cast<std::int64_t>(server.busy_rejections());
                            });

  // /metrics on its own address (plain HTTP, meant for a private network), answered on the I/O
  // thread: it never touches the database.
  std::optional<http::Server> metrics_server;
  std::uint16_t metrics_port = 0;
  if (metrics_listen) {
    http::ServerOptions metrics_options;
    metrics_options.host = metrics_listen->host;
    metrics_options.port = metrics_listen->port;
    metrics_options.threads = 1;
    metrics_options.max_connections = 64;
    metrics_server.emplace(metrics_options, [&app](const core::HttpRequest& req) {
      return metrics_listener_response(app, req);
    });
    auto bound = metrics_server->bind();
    if (!bound)
      throw std::runtime_error("cannot listen on " + options.metrics_listen + ": " +
                               bound.error().error_description);
    metrics_port = *bound;
    app.set_metrics_on_main_listener(false);
  }

  // An IPv6 address goes back into brackets in the URL (RFC 3986 3.2.2).
  std::string host_for_url = listen.host.find(':') != std::string::npos ? "[" + listen.host + "]"
                                                                          : listen.host;
  const std::string bound_url =
      std::string(tls ? "https://" : "http://") + host_for_url + ":" + std::to_string(*port);
  app.set_public_url(options.public_url.empty() ? bound_url
                                                : strip_trailing_slash(options.public_url));
  std::printf("%s\n", bound_url.c_str());
  if (metrics_server) {
    std::fprintf(stderr, "ssooidc-server: metrics on http://%s:%u/metrics\n",
                 metrics_listen->host.c_str(), static_cast<unsigned>(metrics_port));
  }
  if (!options.no_bootstrap_user)
    bootstrap_user(app, common.database, options.bootstrap_password_file);
  if (options.settings.test_mode) {
    // The CI job reads it from here (README "Testing SSO logins in CI").
    if (options.test_admin_token.empty())
      std::printf("Test-mode admin token: %s\n", test_admin_token.c_str());
    const std::string& user = options.settings.auto_approve_user;
    if (!user.empty() && !app.users().find_enabled(user))
      throw std::runtime_error("--auto-approve: there is no enabled user '" + user +
                               "' (create it with the world file or `user add`)");
  }
  std::fflush(stdout);

  std::thread signal_thread([&server, &metrics_server, signals, tls] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        // Taken even without TLS, so that a service manager's reload signal never ends the
        // process; there is just nothing to reload then.
        if (!tls) continue;
        // New connections get the new certificate; open ones keep the one they started with.
        auto reloaded = server.reload_certificates();
        if (reloaded)
          std::fprintf(stderr, "ssooidc-server: SIGHUP, TLS certificate reloaded\n");
        else
          std::fprintf(stderr, "ssooidc-server: SIGHUP, TLS certificate NOT reloaded, keeping "
                       "the old one: %s\n", reloaded.error().error_description.c_str());
        continue;
      }
      std::fprintf(stderr, "ssooidc-server: signal %d, finishing requests in flight\n", sig);
      server.stop();
      if (metrics_server) metrics_server->stop();
      return;
    }
  });
  std::thread metrics_thread;
  if (metrics_server) metrics_thread = std::thread([&metrics_server] { metrics_server->run(); });

  // Expired rows are purged in the background, hourly by default, by one process at a time
  // (Application::purge_expired takes a lease). The lease lasts one and a half periods, so its
  // holder renews it on every run and keeps leading; if the holder dies, another process takes
  // over within one and a half periods.
  std::mutex purge_mutex;
  std::condition_variable purge_cv;
  bool stopping = false;
  const std::int64_t purge_period = std::max<std::int64_t>(options.purge_interval_seconds, 1);
  const std::int64_t purge_lease = purge_period + std::max<std::int64_t>(1, purge_period / 2);
  std::thread purge_thread([&] {
    std::unique_lock lock(purge_mutex);
    while (!purge_cv.wait_for(lock, std::chrono::seconds(purge_period), [&] { return stopping; })) {
      if (auto purged = app.purge_expired(purge_lease)) {
        std::fprintf(stderr, "ssooidc-server: purge: %lld expired rows removed\n",
                     static_cast<long long>(*purged));
      } else {
        std::fprintf(stderr, "ssooidc-server: purge: another process leads it\n");
      }
    }
  });

  server.run();
  if (metrics_server) {
    metrics_server->stop();
    metrics_thread.join();
  }

  {
    std::lock_guard lock(purge_mutex);
    stopping = true;
  }
  purge_cv.notify_all();
  purge_thread.join();
  // Wake the signal thread if the server stopped for another reason. SIGTERM is blocked in every
  // thread and the signal thread takes it with sigwait, so this ends its wait, not the process.
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  signal_thread.join();
  return 0;
}

}  // namespace ssooidc::server
