#include "web/display_text.h"

#include <gtest/gtest.h>

namespace ssooidc::web {
namespace {

TEST(DisplayText, RemovesBidiOverridesAndInvisibleCharacters) {
  // "aws-cli" + RIGHT-TO-LEFT OVERRIDE + "txt.exe": shown as "aws-cliexe.txt" before.
  EXPECT_EQ(display_text("aws-cli\xE2\x80\xAEtxt.exe"), "aws-clitxt.exe");
  EXPECT_EQ(display_text("a\xE2\x81\xA6" "b\xE2\x81\xA9" "c"), "abc");   // LRI .. PDI
  EXPECT_EQ(display_text("ze\xE2\x80\x8Bro\xEF\xBB\xBF"), "zero");        // ZWSP, BOM
  EXPECT_EQ(display_text("tag\xF3\xA0\x80\x81"), "tag");                   // U+E0001
  // The literal's own length (17 bytes, the NUL included): a count written by hand read past it.
  constexpr char controls[] = "nul\0bell\x07" "del\x7F" "c1\xC2\x85";
  EXPECT_EQ(display_text(std::string(controls, sizeof controls - 1)), "nulbelldelc1");
  EXPECT_EQ(display_text("two\nlines\ttab"), "two lines tab");
}

TEST(DisplayText, KeepsOrdinaryTextAndReplacesInvalidUtf8) {
  EXPECT_EQ(display_text("botocore-client-<laptop> \xC3\xA9t\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x94\x91"),
            "botocore-client-<laptop> \xC3\xA9t\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x94\x91");
  EXPECT_EQ(display_text("bad\xFF" "x"), "bad\xEF\xBF\xBDx");
  EXPECT_EQ(display_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  EXPECT_EQ(display_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(display_text("cut\xE6\x97"), "cut\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace ssooidc::web
