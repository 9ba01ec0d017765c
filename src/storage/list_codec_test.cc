#include "storage/list_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ssooidc::storage {
namespace {

using List = std::vector<std::string>;

TEST(ListCodecTest, EncodesAsJsonArray) {
  EXPECT_EQ(encode_string_list({}), "[]");
  EXPECT_EQ(encode_string_list({""}), R"([""])");
  EXPECT_EQ(encode_string_list({"openid", "sso:account:access"}),
            R"(["openid","sso:account:access"])");
  EXPECT_EQ(encode_string_list({"a\"b\\c\nd\te\x01"}), R"(["a\"b\\c\nd\te\u0001"])");
}

TEST(ListCodecTest, RoundTripsAnyBytes) {
  const List cases[] = {
      {},
      {""},
      {"", ""},
      {"a,b", "c\nd", "e\r\nf"},
      {"[\"]", "\\", "\\u0041"},
      {"\xc3\xa9t\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x94\x91"},
      {std::string("nul\0inside", 10), "\x7f", "\xff\xfe not utf-8"},
  };
  for (const auto& list : cases) {
    const auto decoded = decode_string_list(encode_string_list(list));
    ASSERT_TRUE(decoded.has_value()) << encode_string_list(list);
    EXPECT_EQ(*decoded, list);
  }
}

TEST(ListCodecTest, DecodesJsonWrittenByOthers) {
  EXPECT_EQ(decode_string_list(" [ \"a\" , \"b\" ] "), (List{"a", "b"}));
  EXPECT_EQ(decode_string_list(R"(["\/\b\f\r"])"), (List{"/\b\f\r"}));
  EXPECT_EQ(decode_string_list(R"(["\u00e9\u2713"])"), (List{"\xc3\xa9\xe2\x9c\x93"}));
  EXPECT_EQ(decode_string_list(R"(["\ud83d\udd11"])"), (List{"\xf0\x9f\x94\x91"}));
}

TEST(ListCodecTest, RejectsMalformedText) {
  for (const char* text :
       {"", "[", "]", "[\"a\"", "[\"a\",]", "[,]", "[\"a\" \"b\"]", "[1]", "[\"a\"] x", "[\"\\x\"]",
        "[\"\\u12\"]", "[\"\\ud83d\"]", "[\"\\udd11\"]", "[\"tab\there\"]", "null", "\"a\""}) {
    EXPECT_FALSE(decode_string_list(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace ssooidc::storage
