#include "postgres_test_support.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace ssooidc::storage::test_support {

std::string postgres_test_url() {
  const char* url = std::getenv("SSOOIDC_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "SSOOIDC_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts "
        "a throw-away PostgreSQL (scripts/postgres-cluster.sh)");
  }
  return url;
}

std::string with_url_parameter(const std::string& url, const std::string& parameter) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

void postgres_execute(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("test PostgreSQL unreachable: ") +
                             PQerrorMessage(connection.get()));
  PQsetNoticeProcessor(connection.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                       &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw std::runtime_error("test SQL failed: " + std::string(PQerrorMessage(connection.get())));
}

ScratchSchema::ScratchSchema() : base_(postgres_test_url()) {
  static std::atomic<int> counter{0};
  name_ = "ssooidc_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  postgres_execute(base_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
  url_ = with_url_parameter(base_, "options=-csearch_path%3D" + name_);
}

ScratchSchema::~ScratchSchema() {
  try {
    postgres_execute(base_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // The server went away: nothing to clean up that outlives the cluster.
  }
}

}  // namespace ssooidc::storage::test_support
