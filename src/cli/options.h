// Command-line options shared by every `ssooidc` command (named like the AWS CLI's global
// options), and how they become a Client configuration.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ssooidc/config.h"

namespace ssooidc::cli {

struct GlobalOptions {
  std::string endpoint_url;
  std::string portal_endpoint_url;  // the SSO portal's, when it is not endpoint_url
  std::string region;
  std::string profile;
  double connect_timeout_seconds = 60;
  double read_timeout_seconds = 60;
  int max_retries = 3;
  bool no_sign_request = false;

  void add_to(CLI::App& app);
  // Empty members stay empty so that the library resolves them from the environment and files.
  [[nodiscard]] Config to_config() const;
  // The same for the SSO portal client: --portal-endpoint-url, else --endpoint-url (ssooidc-server
  // serves both APIs on one listener), else resolved by the library.
  [[nodiscard]] Config to_portal_config() const;
};

// A string option that may be absent (CLI11 binds plain strings; presence is the option count).
class OptionalString {
 public:
  CLI::Option* add(CLI::App* app, const std::string& flag, const std::string& help) {
    option_ = app->add_option(flag, value_, help);
    return option_;
  }
  [[nodiscard]] std::optional<std::string> get() const {
    if (option_ == nullptr || option_->count() == 0) return std::nullopt;
    return value_;
  }

 private:
  std::string value_;
  CLI::Option* option_ = nullptr;
};

// A list option (`--scopes a b c`, as the AWS CLI takes lists) that may be absent.
class OptionalList {
 public:
  CLI::Option* add(CLI::App* app, const std::string& flag, const std::string& help) {
    option_ = app->add_option(flag, values_, help)->expected(1, -1);
    return option_;
  }
  [[nodiscard]] std::optional<std::vector<std::string>> get() const {
    if (option_ == nullptr || option_->count() == 0) return std::nullopt;
    return values_;
  }

 private:
  std::vector<std::string> values_;
  CLI::Option* option_ = nullptr;
};

}  // namespace ssooidc::cli
