#include "cli/sso_commands.h"

#include <chrono>
#include <cstdio>
#include <expected>
#include <map>
#include <memory>

#include "cli/browser.h"
#include "cli/output.h"
#include "cli/sso_target.h"
#include "cli/terminal_qr.h"
#include "ssooidc/json.h"
#include "ssooidc/portal_client.h"
#include "ssooidc/sso_cache.h"

namespace ssooidc::cli {
namespace {

struct SsoCommandFlags {
  SsoFlags sso;
  LoginOptions login;
  bool force_refresh = false;
  bool json = false;
};

class TerminalPrompt final : public DeviceLoginPrompt {
 public:
  TerminalPrompt(bool open_browser, bool show_qr, std::FILE* out)
      : open_browser_(open_browser), show_qr_(show_qr), out_(out) {}

  void show(const StartDeviceAuthorizationResponse& a) override {
    const std::string uri = a.verificationUri.value_or("");
    const std::string complete = a.verificationUriComplete.value_or(uri);
    const std::string code = a.userCode.value_or("");
    if (open_browser_) {
      std::fprintf(
          out_,
          "Attempting to automatically open the SSO authorization page in your default "
          "browser.\nIf the browser does not open or you wish to use a different device to "
          "authorize this request, open the following URL:\n");
    } else {
      std::fprintf(out_, "Open the following URL on any device:\n");
    }
    std::fprintf(out_, "\n%s\n\nThen enter the code:\n\n%s\n\n", uri.c_str(), code.c_str());
    std::fprintf(out_, "Or open this URL, which includes the code:\n\n%s\n\n", complete.c_str());
    if (show_qr_ && !complete.empty()) {
      if (auto qr = render_qr_utf8(complete)) {
        std::fprintf(out_, "Or scan this QR code:\n\n%s\n", qr->c_str());
      }
    }
    std::fflush(out_);
    if (open_browser_ && !complete.empty() && !open_in_browser(complete)) {
      std::fprintf(stderr, "ssooidc: could not start a browser; open the URL above by hand\n");
    }
  }

 private:
  bool open_browser_;
  bool show_qr_;
  std::FILE* out_;
};

// The PKCE login's prompt. The redirect goes to 127.0.0.1, so unlike the device flow's URL this
// one only works in a browser on this computer; say so, and name the way out.
class TerminalAuthorizePrompt final : public BrowserLoginPrompt {
 public:
  TerminalAuthorizePrompt(bool open_browser, std::FILE* out)
      : open_browser_(open_browser), out_(out) {}

  void show(const std::string& url) override {
    if (open_browser_) {
      std::fprintf(
          out_,
          "Attempting to automatically open the SSO authorization page in your default "
          "browser.\nIf the browser does not open, open the following URL in a browser on this "
          "computer:\n");
    } else {
      std::fprintf(out_, "Open the following URL in a browser on this computer:\n");
    }
    std::fprintf(
        out_,
        "\n%s\n\nThe browser returns to this computer (127.0.0.1). If that is not possible, for "
        "example on a remote machine, log in with --use-device-code instead.\n\n",
        url.c_str());
    std::fflush(out_);
    if (open_browser_ && !open_in_browser(url)) {
      std::fprintf(stderr, "ssooidc: could not start a browser; open the URL above by hand\n");
    }
  }

 private:
  bool open_browser_;
  std::FILE* out_;
};

}  // namespace

std::expected<CommandContext, Error> load_context(const GlobalOptions& global) {
  auto config = SharedConfig::load();
  if (!config) return std::unexpected(std::move(config.error()));
  return CommandContext{std::move(*config), resolve_profile(global.profile)};
}

std::expected<SsoLoginResult, Error> log_in(const GlobalOptions& global, const SsoTarget& target,
                                            const LoginOptions& options, std::FILE* out) {
  const LoginFlow flow = login_flow_for(target, options.use_device_code);

  // The listener comes first, as in the AWS CLI: without it there is no point in registering.
  std::optional<LoopbackRedirect> redirect;
  if (flow == LoginFlow::kAuthorizationCode) {
    auto opened = LoopbackRedirect::open(
        std::chrono::milliseconds(static_cast<long long>(options.login_timeout_seconds * 1000)));
    if (!opened) {
      return std::unexpected(configuration_error(
          "Unable to start the listener for the browser's redirect (" +
          opened.error().error_description +
          "). You may use --use-device-code to log in with the device flow instead."));
    }
    redirect = std::move(*opened);
  }

  Config config = global.to_config();
  config.region = target.region;  // the client talks to the SSO region
  auto client = Client::create(config);
  if (!client) return std::unexpected(std::move(client.error()));

  const std::string cache_dir = default_sso_cache_dir();
  if (cache_dir.empty()) {
    return std::unexpected(configuration_error("no home directory for ~/.aws/sso/cache"));
  }
  const SsoLoginRequest request{target.start_url, target.region, target.session, target.scopes};
  if (flow == LoginFlow::kAuthorizationCode) {
    TerminalAuthorizePrompt prompt(!options.no_browser, out);
    return pkce_login(*client, cache_dir, request, *redirect, prompt);
  }
  TerminalPrompt prompt(!options.no_browser, !options.no_qr, out);
  return device_login(*client, cache_dir, request, prompt);
}

ClientFactory refresh_clients(const GlobalOptions& global) {
  return [&global](const std::string& token_region) {
    Config config = global.to_config();
    config.region = global.region.empty() ? token_region : global.region;
    return Client::create(config);
  };
}

namespace {

int run_login(const GlobalOptions& global, const SsoCommandFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  SsoFlags sso = flags.sso;
  sso.region = global.region;
  auto target = resolve_sso_target(ctx->config, ctx->profile, sso, /*for_login=*/true);
  if (!target) return fail(target.error());
  auto result = log_in(global, *target, flags.login, stdout);
  if (!result) return report_error(result.error(), "");
  std::printf("Successfully logged into Start URL: %s\n", target->start_url.c_str());
  return kExitOk;
}

int run_token(const GlobalOptions& global, const SsoCommandFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  SsoFlags sso = flags.sso;
  sso.region = global.region;
  auto target = resolve_sso_target(ctx->config, ctx->profile, sso, /*for_login=*/false);
  if (!target) return fail(target.error());

  auto result = load_or_refresh_sso_token(
      default_sso_cache_dir(),
      SsoTokenRequest{target->session, target->start_url, target->region, flags.force_refresh},
      refresh_clients(global));
  if (!result) return report_error(result.error(), result.error().http_status ? "CreateToken" : "");
  if (result->refresh_error) {
    std::fprintf(stderr,
                 "ssooidc: warning: refreshing the token failed (%s); the cached token is valid "
                 "until %s\n",
                 describe_error(*result->refresh_error, "CreateToken").c_str(),
                 format_cache_time(result->token.expires_at).c_str());
  }
  std::printf("%s\n", result->token.access_token.c_str());
  return kExitOk;
}

// The cache key -> name for every sso-session in the config file, to label cache files.
std::map<std::string, std::string> session_names(const SharedConfig& config) {
  std::map<std::string, std::string> names;
  for (auto& name : config.sso_session_names()) names[sso_token_cache_key(name, "")] = name;
  return names;
}

int run_sessions(const GlobalOptions& global, const SsoCommandFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  const std::string cache_dir = default_sso_cache_dir();
  const auto names = session_names(ctx->config);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();

  json::Array list;
  std::string table;
  for (const auto& entry : list_sso_tokens(cache_dir)) {
    const SsoToken& t = entry.token;
    std::string label = "-";
    if (auto it = names.find(entry.key); it != names.end()) {
      label = it->second;
    } else if (!t.start_url.empty() &&
               sso_token_cache_key(std::nullopt, t.start_url) == entry.key) {
      label = "(legacy)";
    }
    const bool expired = t.expires_at <= now;
    const bool refreshable =
        t.refresh_token && t.registration_expires_at && *t.registration_expires_at > now;
    std::string status = expired
                             ? (refreshable ? "expired, refreshable" : "expired")
                             : "valid for " + std::to_string((t.expires_at - now) / 60) + " min";
    json::Object o;
    o.emplace_back("session",
                   label == "-" || label == "(legacy)" ? json::Value(nullptr) : json::Value(label));
    o.emplace_back("startUrl", t.start_url);
    o.emplace_back("region", t.region);
    o.emplace_back("expiresAt", format_cache_time(t.expires_at));
    o.emplace_back("expired", expired);
    o.emplace_back("refreshable", refreshable);
    o.emplace_back("cacheFile", entry.path);
    list.emplace_back(std::move(o));
    char line[1024];
    std::snprintf(line, sizeof line, "%-20s %-50s %-15s %-21s %s\n", label.c_str(),
                  t.start_url.c_str(), t.region.c_str(), format_cache_time(t.expires_at).c_str(),
                  status.c_str());
    table += line;
  }
  if (flags.json) {
    std::printf("%s\n",
                json::serialize(json::Value(std::move(list)), json::Style::kPretty).c_str());
  } else if (table.empty()) {
    std::printf("No cached SSO sessions in %s\n", cache_dir.c_str());
  } else {
    std::printf("%-20s %-50s %-15s %-21s %s\n%s", "SESSION", "START URL", "REGION", "EXPIRES AT",
                "STATUS", table.c_str());
  }
  return kExitOk;
}

int run_logout(const GlobalOptions& global, const SsoCommandFlags& flags) {
  auto ctx = load_context(global);
  if (!ctx) return fail(ctx.error());
  const std::string cache_dir = default_sso_cache_dir();
  std::vector<std::string> keys;
  if (!flags.sso.session.empty() || !flags.sso.start_url.empty()) {
    keys.push_back(sso_token_cache_key(
        flags.sso.session.empty() ? std::nullopt : std::optional(flags.sso.session),
        flags.sso.start_url));
  } else {
    // Like `aws sso logout`: every cached file that holds an access token.
    for (const auto& entry : list_sso_tokens(cache_dir)) keys.push_back(entry.key);
  }
  int removed = 0;
  for (const auto& key : keys) {
    auto token = read_sso_token(cache_dir, key);
    if (token && !*token) continue;
    // As `aws sso logout` (SSOTokenSweeper): a token that names its region is revoked with the
    // portal's Logout first; a refusal (expired, already revoked) does not stop the removal.
    if (token && !(*token)->region.empty()) {
      Config config = global.to_portal_config();
      config.region = (*token)->region;
      auto portal = PortalClient::create(config);
      auto out = portal ? portal->logout({(*token)->access_token})
                        : std::expected<void, Error>(std::unexpected(portal.error()));
      if (!out) {
        std::fprintf(stderr, "ssooidc: warning: Logout of %s: %s\n", (*token)->start_url.c_str(),
                     describe_error(out.error(), "Logout").c_str());
      }
    }
    if (auto r = remove_sso_token(cache_dir, key); !r) return fail(r.error());
    ++removed;
  }
  std::printf("Removed %d cached SSO token%s from %s\n", removed, removed == 1 ? "" : "s",
              cache_dir.c_str());
  if (!flags.sso.session.empty() || !flags.sso.start_url.empty()) {
    return kExitOk;  // role credentials do not say which login they came from: keep them
  }
  // And, as SSOCredentialSweeper, the role credentials the SSO provider cached.
  const std::string credentials_dir = default_role_credentials_cache_dir();
  auto swept = remove_sso_role_credentials(credentials_dir);
  if (!swept) return fail(swept.error());
  std::printf("Removed %d cached role credential%s from %s\n", *swept, *swept == 1 ? "" : "s",
              credentials_dir.c_str());
  return kExitOk;
}

}  // namespace

void add_login_flags(CLI::App* sub, LoginOptions& options) {
  sub->add_flag("--use-device-code", options.use_device_code,
                "Use the device authorization flow even with an sso-session (for a browser on "
                "another device)");
  sub->add_flag("--no-browser", options.no_browser,
                "Do not open a browser, only print the URL (the browser is $BROWSER, else "
                "xdg-open)");
  sub->add_flag("--no-qr", options.no_qr, "Do not print a QR code (device flow)");
  sub->add_option("--login-timeout", options.login_timeout_seconds,
                  "Seconds to wait for the browser to come back (PKCE; default 600, at most "
                  "86400)")
      ->check(CLI::Range(0.001, 86400.0));
}

void add_sso_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners) {
  auto add_target = [](CLI::App* sub, SsoCommandFlags& f) {
    sub->add_option("--start-url", f.sso.start_url, "AWS access portal URL (sso_start_url)");
    sub->add_option("--sso-session", f.sso.session, "Name of the sso-session");
  };
  {
    auto [sub, f] = add_command<SsoCommandFlags>(
        app, global, runners, "login",
        "Log in and cache the token like `aws sso login`: with an sso-session, the "
        "authorization code flow with PKCE in a browser on this computer; for a legacy profile "
        "or with --use-device-code, the device authorization flow (--region is the SSO region)",
        run_login);
    add_target(sub, f);
    sub->add_option("--scopes", f.sso.scopes,
                    "Registration scopes (default for an sso-session: sso:account:access)")
        ->expected(1, -1);
    add_login_flags(sub, f.login);
  }
  {
    auto [sub, f] = add_command<SsoCommandFlags>(
        app, global, runners, "token",
        "Print a valid access token from the cache, refreshing it when it has less than "
        "15 minutes left",
        run_token);
    add_target(sub, f);
    sub->add_flag("--force-refresh", f.force_refresh, "Refresh even if the token is still valid");
  }
  {
    auto [sub, f] =
        add_command<SsoCommandFlags>(app, global, runners, "sessions",
                                     "List cached SSO sessions and their expiry", run_sessions);
    sub->add_flag("--json", f.json, "Print JSON");
  }
  {
    auto [sub, f] = add_command<SsoCommandFlags>(
        app, global, runners, "logout",
        "Revoke (SSO portal Logout) and remove cached SSO tokens, all of them or the one named, "
        "like `aws sso logout`; without a name also the cached SSO role credentials",
        run_logout);
    add_target(sub, f);
  }
}

}  // namespace ssooidc::cli
