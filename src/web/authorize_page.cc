#include "web/authorize_page.h"

#include "domain/authorization_service.h"
#include "web/display_text.h"
#include "web/pages.h"

namespace ssooidc::web {
namespace {

std::optional<std::string> param(const FormFields& query, std::string_view name) {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

domain::AuthorizeParams params_of(const FormFields& query) {
  domain::AuthorizeParams p;
  p.response_type = param(query, "response_type");
  p.client_id = param(query, "client_id");
  p.redirect_uri = param(query, "redirect_uri");
  p.state = param(query, "state");
  p.code_challenge = param(query, "code_challenge");
  p.code_challenge_method = param(query, "code_challenge_method");
  p.scopes = param(query, "scopes");
  p.scope = param(query, "scope");
  p.nonce = param(query, "nonce");
  return p;
}

// This page again, with the request's parameters: the target of both forms.
std::string self_url(const PageRequest& req) {
  return std::string(kAuthorizePath) + (req.http.query.empty() ? "" : "?" + req.http.query);
}

// 302 Found to the client (RFC 6749 4.1.2 names 302). The consent page's CSP allows the form to
// lead there (form-action covers the redirects that follow a submission).
core::HttpResponse back_to_client(const std::string& redirect_uri,
                                  const std::vector<std::pair<std::string, std::string>>& params) {
  core::HttpResponse resp;
  resp.status = 302;
  resp.set("Location", domain::AuthorizationService::redirect_location(redirect_uri, params));
  resp.set("Content-Type", "text/plain; charset=utf-8");
  return resp;
}

core::HttpResponse error_page(PageDeps& deps, const PageRequest& req,
                              const domain::AuthorizeError& error) {
  ResultView view;
  view.status = error.error == "server_error" ? 500 : 400;
  view.kind = "error";
  view.title = "Sign-in request not valid";
  view.heading = "This sign-in request cannot be completed";
  view.message = error.description;
  view.next_step =
      "The application that sent you here made a request this server does not accept, so you "
      "were not sent back to it. Start the sign-in again from the application.";
  return result_page(deps, req, view);
}

// "scheme://host[:port]" of an absolute URI, for the CSP form-action source list.
std::string redirect_origin(std::string_view uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return {};
  return std::string(uri.substr(0, uri.find_first_of("/?#", scheme_end + 3)));
}

// An unsigned-in person signs in on the sign-in page, which brings them back here (the whole
// request, query included) through its return target.
core::HttpResponse to_sign_in(const PageDeps& deps, const PageRequest& req) {
  return redirect(deps.sign_in_path() + "?return_to=" + url_encode(self_url(req)));
}

core::HttpResponse consent_form(PageDeps& deps, const PageRequest& req,
                                const domain::ValidAuthorizeRequest& request) {
  // Everything here is the client's choice: shown without bidi or invisible characters.
  std::string scope_list;
  for (const auto& s : request.scopes)
    scope_list += (scope_list.empty() ? "" : " ") + display_text(s);
  if (scope_list.empty()) scope_list = "(none)";
  std::string client_name = display_text(request.client.client_name);
  if (client_name.find_first_not_of(' ') == std::string::npos)
    client_name = "An unnamed application";
  auto resp =
      render_page(deps, req, 200, "templates/consent.html",
                  {{"page_title", "Allow access?"},
                   {"brand_sub", "Sign-in"},
                   {"footer_note", "Only allow applications you started yourself."},
                   {"client_name", client_name},
                   {"user_name", req.session.user_name},
                   {"scope_list", scope_list},
                   {"redirect_uri", display_text(request.redirect_uri)},
                   {"authorize_url", self_url(req)}});
  // The Allow/Deny form ends in a redirect to the client, which form-action must also allow.
  resp.set("Content-Security-Policy",
           "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' " +
               redirect_origin(request.redirect_uri) + "; frame-ancestors 'none'; base-uri 'none'");
  return resp;
}

}  // namespace

core::HttpResponse authorize_page(PageDeps& deps, PageRequest& req) {
  domain::AuthorizationService& service = deps.authorizations;
  auto valid = service.validate(params_of(req.query));
  if (!valid) {
    const auto& error = valid.error();
    if (!error.redirect) return error_page(deps, req, error);
    std::vector<std::pair<std::string, std::string>> params = {
        {"error", error.error}, {"error_description", error.description}};
    if (!error.state.empty()) params.emplace_back("state", error.state);
    return back_to_client(error.redirect_uri, params);
  }
  // Test mode (--auto-approve): consent for that user without a page, so that a PKCE login whose
  // "browser" is curl completes with no person. The code's auth_time is now.
  if (deps.settings.test_mode && !deps.settings.auto_approve_user.empty()) {
    auto code = service.issue_code(*valid, deps.settings.auto_approve_user,
                                   deps.clock.now_epoch_seconds());
    if (!code) return internal_error_page(deps, req);
    return back_to_client(valid->redirect_uri, {{"code", *code}, {"state", valid->state}});
  }
  if (!req.session.signed_in()) return to_sign_in(deps, req);
  // A POST without a decision is not the consent form's: show the consent page again.
  const bool deciding = req.is_post() && req.form.contains("decision");
  if (auto refused = unless_enabled_user(deps, req)) return std::move(*refused);
  if (!deciding) return consent_form(deps, req, *valid);

  const std::string_view decision = field(req.form, "decision");
  if (decision != "allow") {
    return back_to_client(valid->redirect_uri,
                          {{"error", "access_denied"},
                           {"error_description", "The user denied the request."},
                           {"state", valid->state}});
  }
  // The session is renewed at sign-in, so its start is when the person authenticated.
  auto code = service.issue_code(*valid, req.session.user_name, req.session.created_at);
  if (!code) return internal_error_page(deps, req);
  return back_to_client(valid->redirect_uri, {{"code", *code}, {"state", valid->state}});
}

}  // namespace ssooidc::web
