// The person's side of the SSO portal, as the AWS access portal has it: after signing in, `/portal`
// lists the user's accounts and roles, and each role's "Get credentials" form (POST, CSRF-checked
// by web.cc) answers a page with short-term credentials as shell exports, a credential_process
// line and a ready ~/.aws/config profile for the sso-session of this server.
//
// The template language has no loops, so the list is put together from escaped fragments
// (portal_top, portal_account, portal_role, portal_account_end, portal_bottom): every value still
// goes through the template's escaping.
#include <string>

#include "core/time_format.h"
#include "web/pages.h"

namespace ssooidc::web {
namespace {

constexpr std::string_view kSessionName = "ssooidc";

// A value in single quotes for a POSIX shell: ' becomes '\''.
std::string shell_quote(std::string_view value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::int64_t session_end(const PageDeps& deps, const PageRequest& req) {
  return req.session.created_at + deps.session_absolute_seconds;
}

}  // namespace

core::HttpResponse portal_page(PageDeps& deps, PageRequest& req) {
  if (!req.session.signed_in())
    return redirect(deps.sign_in_path() + "?return_to=" + url_encode("/portal"));
  if (auto refused = unless_enabled_user(deps, req)) return std::move(*refused);
  auto assigned = deps.portal->assignments_of(req.session.user_name);
  if (!assigned) return internal_error_page(deps, req);

  std::string body;
  auto add = [&](std::string_view fragment, TemplateValues values) {
    auto rendered = render_template(fragment, page_values(deps, req, std::move(values)));
    if (!rendered) return false;
    body += *rendered;
    return true;
  };
  bool ok = add("templates/portal_top.html",
                {{"page_title", "AWS access portal"},
                 {"brand_sub", "AWS access portal"},
                 {"has_accounts", assigned->empty() ? "" : "1"}});
  for (const auto& [account, roles] : *assigned) {
    ok = ok && add("templates/portal_account.html", {{"account_name", account.name},
                                                      {"account_id", account.account_id},
                                                      {"account_email", account.email}});
    for (const auto& role : roles)
      ok = ok && add("templates/portal_role.html",
                     {{"account_id", account.account_id}, {"role_name", role.role_name}});
    ok = ok && add("templates/portal_account_end.html", {});
  }
  ok = ok && add("templates/portal_bottom.html",
                 {{"session_end", core::format_utc_text(session_end(deps, req))},
                  {"footer_note", "Credentials are secrets: keep them to yourself."}});
  if (!ok) return internal_error_page(deps, req);
  return html_response(200, std::move(body));
}

core::HttpResponse portal_credentials_page(PageDeps& deps, PageRequest& req) {
  if (!req.session.signed_in())
    return redirect(deps.sign_in_path() + "?return_to=" + url_encode("/portal"));
  if (auto refused = unless_enabled_user(deps, req)) return std::move(*refused);
  const std::string account_id(field(req.form, "account_id"));
  const std::string role_name(field(req.form, "role_name"));
  auto creds = deps.portal->credentials_for_user(req.session.user_name, account_id, role_name,
                                                 session_end(deps, req));
  if (!creds) {
    if (creds.error().type == ErrorType::kTooManyRequests)
      return too_many_attempts_page(deps, req, 1, "requests for credentials", "from your account");
    if (creds.error().type != ErrorType::kResourceNotFound) return internal_error_page(deps, req);
    ResultView view;
    view.status = 404;
    view.kind = "error";
    view.heading = "No such role";
    view.message = "This role does not exist or is not assigned to you.";
    view.next_step = "Go back to the list of your accounts and choose a role from it.";
    view.action_url = "/portal";
    view.action_label = "Back to the accounts";
    return result_page(deps, req, view);
  }
  std::string account_name = account_id;
  if (auto assigned = deps.portal->assignments_of(req.session.user_name)) {
    for (const auto& a : *assigned)
      if (a.account.account_id == account_id) account_name = a.account.name;
  }

  std::string exports = "export AWS_ACCESS_KEY_ID=" + shell_quote(creds->accessKeyId.value_or("")) +
                        "\nexport AWS_SECRET_ACCESS_KEY=" +
                        shell_quote(creds->secretAccessKey.value_or(""));
  if (creds->sessionToken)
    exports += "\nexport AWS_SESSION_TOKEN=" + shell_quote(*creds->sessionToken);
  const std::string& url = deps.settings.public_url;
  const std::string profile_name = role_name + "-" + account_id;
  const std::string credential_process = "credential_process = ssooidc credentials --account-id " +
                                         account_id + " --role-name " + role_name +
                                         " --sso-session " + std::string(kSessionName);
  const std::string profile =
      "[profile " + profile_name + "]\nsso_session = " + std::string(kSessionName) +
      "\nsso_account_id = " + account_id + "\nsso_role_name = " + role_name +
      "\nregion = us-east-1\nservices = " + std::string(kSessionName) + "\n\n[sso-session " +
      std::string(kSessionName) + "]\nsso_start_url = " + url +
      "/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[services " +
      std::string(kSessionName) + "]\nsso =\n  endpoint_url = " + url +
      "\nsso_oidc =\n  endpoint_url = " + url;
  return render_page(deps, req, 200, "templates/portal_credentials.html",
                     {{"page_title", "Credentials for " + role_name},
                      {"brand_sub", "AWS access portal"},
                      {"footer_note", "Credentials are secrets: keep them to yourself."},
                      {"role_name", role_name},
                      {"account_id", account_id},
                      {"account_name", account_name},
                      {"expires_at", core::format_utc_text(creds->expiration.value_or(0) / 1000)},
                      {"exports", exports},
                      {"credential_process", credential_process},
                      {"profile_name", profile_name},
                      {"profile", profile}});
}

}  // namespace ssooidc::web
