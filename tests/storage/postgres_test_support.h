// A scratch schema on the test PostgreSQL (SSOOIDC_TEST_POSTGRES_URL, started by
// scripts/test.sh), so that each test gets empty tables without creating a database.
//
// Without the variable, or when the server cannot be reached, `url()` throws: a suite that needs
// PostgreSQL fails loudly, it never skips.
#pragma once

#include <string>

namespace ssooidc::storage::test_support {

// The test server's URL; throws when SSOOIDC_TEST_POSTGRES_URL is not set.
std::string postgres_test_url();

// `url` with a libpq parameter added (key=value, percent-encoded by the caller).
std::string with_url_parameter(const std::string& url, const std::string& parameter);

// Runs `sql` (no values: test set-up only) on a fresh connection to `url`; throws with libpq's
// message on failure.
void postgres_execute(const std::string& url, const std::string& sql);

class ScratchSchema {
 public:
  // Creates schema ssooidc_test_<pid>_<n> on the test server.
  ScratchSchema();
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;
  ~ScratchSchema();  // drops it with everything in it

  // The test URL with search_path set to the schema, so tables land in it.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  std::string base_;
  std::string name_;
  std::string url_;
};

}  // namespace ssooidc::storage::test_support
