#include "server/config_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace ssooidc::server {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cmd_ = app_.add_subcommand("serve", "");
    cmd_->add_option("--listen", listen_)->envname("CONFIG_FILE_TEST_LISTEN");
    cmd_->add_option("--threads", threads_)->check(CLI::Range(0, 8));
    cmd_->add_option("--proxies", proxies_)->delimiter(',');
    cmd_->add_flag("--quiet", quiet_);
    char dir[] = "/tmp/config-file-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    unsetenv("CONFIG_FILE_TEST_LISTEN");
  }
  void TearDown() override {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
    unsetenv("CONFIG_FILE_TEST_LISTEN");
  }
  void parse(std::vector<std::string> args) {
    std::vector<const char*> argv{"prog", "serve"};
    for (const auto& a : args) argv.push_back(a.c_str());
    app_.parse(static_cast<int>(argv.size()), argv.data());
  }
  const std::string& file(const std::string& text) {
    path_ = dir_ + "/c.toml";
    std::ofstream(path_) << text;
    return path_;
  }
  std::string error_of(const std::string& text) {
    try {
      apply_config_file(*cmd_, file(text));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

  CLI::App app_;
  CLI::App* cmd_ = nullptr;
  std::string listen_ = "default";
  int threads_ = 0;
  std::vector<std::string> proxies_;
  bool quiet_ = false;
  std::string dir_, path_;
};

TEST_F(ConfigFileTest, FileFillsWhatNeitherFlagNorEnvironmentSet) {
  setenv("CONFIG_FILE_TEST_LISTEN", "from-env", 1);
  parse({"--threads", "3"});
  EXPECT_EQ(apply_config_file(*cmd_, file("listen = \"from-file\"\nthreads = 5\n"
                                          "proxies = [\"a\", \"b\"]\nquiet = true\n")),
            2);
  EXPECT_EQ(listen_, "from-env");
  EXPECT_EQ(threads_, 3);
  EXPECT_EQ(proxies_, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(quiet_);
}

TEST_F(ConfigFileTest, FileBeatsTheDefault) {
  parse({});
  apply_config_file(*cmd_, file("listen = \"from-file\"\n"));
  EXPECT_EQ(listen_, "from-file");
}

TEST_F(ConfigFileTest, ErrorsNameTheLineAndTheKey) {
  parse({});
  EXPECT_NE(error_of("threads = 1\nlisten-x = 2\n").find("c.toml:2: unknown key 'listen-x'"),
            std::string::npos);
  EXPECT_NE(error_of("threads = 9\n").find("c.toml:1: key 'threads': --threads: Value 9 not in"),
            std::string::npos);
  EXPECT_NE(error_of("quiet = 1\n").find("key 'quiet' is a switch"), std::string::npos);
  EXPECT_NE(error_of("listen = [\"a\"]\n").find("takes one value"), std::string::npos);
  EXPECT_NE(error_of("[t]\nx = 1\n").find("unknown key 't'"), std::string::npos);
  EXPECT_NE(error_of("help = true\n").find("unknown key 'help'"), std::string::npos);
  EXPECT_NE(error_of("= x").find("not valid TOML"), std::string::npos);
}

TEST_F(ConfigFileTest, ABadKeyAppliesNothing) {
  parse({});
  EXPECT_FALSE(error_of("listen = \"x\"\nnope = 1\n").empty());
  EXPECT_EQ(listen_, "default");
}

TEST_F(ConfigFileTest, ExampleListsEveryOptionCommentedWithItsDefault) {
  const std::string example = config_example(*cmd_);
  EXPECT_NE(example.find("\n#listen = \"default\"\n"), std::string::npos) << example;
  EXPECT_NE(example.find("\n#threads = 0\n"), std::string::npos);
  EXPECT_NE(example.find("\n#proxies = []\n"), std::string::npos);
  EXPECT_NE(example.find("\n#quiet = false\n"), std::string::npos);
  EXPECT_NE(example.find("(environment: CONFIG_FILE_TEST_LISTEN)"), std::string::npos);
}

}  // namespace
}  // namespace ssooidc::server
