// PosixEnv against a private temporary directory (never the real HOME).
#include "client/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

namespace ssooidc::client {
namespace {

class PosixEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "ssooidc-env-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  PosixEnv env;
  std::string dir;
};

TEST_F(PosixEnvTest, WritePrivateCreatesDirectoriesAndMode0600) {
  const std::string path = join_path(dir, "a/b/cache/x.json");
  ASSERT_TRUE(env.write_file_private(path, "{\"k\": 1}").has_value());
  EXPECT_EQ(env.file_mode(path), 0600u);
  EXPECT_EQ(env.file_mode(join_path(dir, "a/b/cache")).value_or(0) & 0777u, 0700u);
  auto text = env.read_file(path);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "{\"k\": 1}");
}

TEST_F(PosixEnvTest, ReplaceIsAtomicAndLeavesNoTemporaryFiles) {
  const std::string path = join_path(dir, "t.json");
  ASSERT_TRUE(env.write_file_private(path, "one").has_value());
  ::chmod(path.c_str(), 0644);  // a file another tool created more openly
  ASSERT_TRUE(env.write_file_private(path, "two").has_value());
  EXPECT_EQ(env.read_file(path).value_or(""), "two");
  EXPECT_EQ(env.file_mode(path), 0600u);
  EXPECT_EQ(env.list_files(dir), (std::vector<std::string>{"t.json"}));
}

TEST_F(PosixEnvTest, MissingFilesAndDirectories) {
  auto missing = env.read_file(join_path(dir, "nope"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(is_file_not_found(missing.error()));
  EXPECT_TRUE(env.list_files(join_path(dir, "nope")).empty());
  EXPECT_TRUE(env.remove_file(join_path(dir, "nope")).has_value());
  EXPECT_FALSE(env.file_mode(join_path(dir, "nope")).has_value());
}

TEST_F(PosixEnvTest, WriteFailsClearlyWhenTheParentIsAFile) {
  ASSERT_TRUE(env.write_file_private(join_path(dir, "f"), "x").has_value());
  auto r = env.write_file_private(join_path(dir, "f/child.json"), "y");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().error_description.find("not a directory"), std::string::npos);
}

TEST(InMemoryEnvTest, ListsOnlyDirectChildren) {
  InMemoryEnv env;
  env.put_file("/d/a.json", "1");
  env.put_file("/d/sub/b.json", "2");
  env.put_file("/dx/c.json", "3");
  EXPECT_EQ(env.list_files("/d"), (std::vector<std::string>{"a.json"}));
  EXPECT_EQ(env.home_dir(), "/home/test");
  EXPECT_FALSE(env.get("HOME").has_value());
}

}  // namespace
}  // namespace ssooidc::client
