#include "client/json.h"

#include <gtest/gtest.h>

namespace ssooidc::json {
namespace {

TEST(JsonTest, ParsesAndKeepsMemberOrder) {
  auto v = parse(R"( {"b": 1, "a": [true, false, null], "c": {"d": "e"}} )");
  ASSERT_TRUE(v.has_value()) << v.error().error_description;
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->as_object()->at(0).first, "b");
  EXPECT_EQ(v->find("b")->as_int(), 1);
  EXPECT_EQ(v->find("a")->as_array()->size(), 3u);
  EXPECT_EQ(v->find("c")->string_member("d"), "e");
  EXPECT_EQ(serialize(*v, Style::kCompact), R"({"b":1,"a":[true,false,null],"c":{"d":"e"}})");
}

TEST(JsonTest, PythonStyleMatchesJsonDumpsDefaults) {
  // json.dumps({"k": "caf\u00e9 \U0001F600", "n": [1, 2], "e": {}}) in Python 3.
  Object o;
  o.emplace_back("k", Value("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  o.emplace_back("n", Value(Array{Value(1), Value(2)}));
  o.emplace_back("e", Value(Object{}));
  EXPECT_EQ(serialize(Value(std::move(o)), Style::kPython),
            R"({"k": "caf\u00e9 \ud83d\ude00", "n": [1, 2], "e": {}})");
}

TEST(JsonTest, EscapesControlCharactersLikePython) {
  EXPECT_EQ(serialize(Value(std::string("a\"\\\n\t\x01\x7f", 7)), Style::kPython),
            R"("a\"\\\n\t\u0001\u007f")");
  EXPECT_EQ(serialize(Value("\xc3\xa9"), Style::kCompact), "\"\xc3\xa9\"");
}

TEST(JsonTest, DecodesUnicodeEscapesIncludingSurrogatePairs) {
  auto v = parse(R"("\u00e9\ud83d\ude00\/")");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v->as_string(), "\xc3\xa9\xf0\x9f\x98\x80/");
  EXPECT_FALSE(parse(R"("\ud83d")").has_value());
  EXPECT_FALSE(parse(R"("\ude00")").has_value());
}

TEST(JsonTest, PrettyIndentsWithFourSpaces) {
  auto v = parse(R"({"a":1,"b":["x"],"c":[]})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(serialize(*v, Style::kPretty),
            "{\n    \"a\": 1,\n    \"b\": [\n        \"x\"\n    ],\n    \"c\": []\n}");
}

TEST(JsonTest, RejectsMalformedInput) {
  for (const char* bad : {"", "{", "{\"a\"}", "[1,]", "01", "1.", "\"\x01\"", "tru", "{} x",
                          "{\"a\":1,}", "\"\\x\""}) {
    EXPECT_FALSE(parse(bad).has_value()) << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(parse(deep).has_value());
}

TEST(JsonTest, IntegersRoundTripAndConvert) {
  auto v = parse("[9007199254740993, 3.6e3, 1.5, -7]");
  ASSERT_TRUE(v.has_value());
  const Array& a = *v->as_array();
  EXPECT_EQ(a[0].as_int(), 9007199254740993LL);
  EXPECT_EQ(a[1].as_int(), 3600);
  EXPECT_FALSE(a[2].as_int().has_value());
  EXPECT_EQ(a[3].as_int(), -7);
  EXPECT_EQ(serialize(*v, Style::kCompact), "[9007199254740993,3.6e3,1.5,-7]");
}

TEST(JsonTest, SetAndEraseDoNotAffectCopies) {
  Value a(Object{{"x", Value(1)}});
  Value b = a;
  b.set("x", Value(2));
  b.set("y", Value("z"));
  b.erase("nope");
  EXPECT_EQ(serialize(a, Style::kCompact), R"({"x":1})");
  EXPECT_EQ(serialize(b, Style::kCompact), R"({"x":2,"y":"z"})");
}

}  // namespace
}  // namespace ssooidc::json

namespace ssooidc::json {
namespace {

TEST(JsonTest, PythonCompactIsJsonDumpsWithCompactSeparators) {
  // json.dumps({"a": [1, "\u00e9"], "b": {}}, separators=(",", ":"))
  Object o;
  o.emplace_back("a", Value(Array{Value(1), Value("\xc3\xa9")}));
  o.emplace_back("b", Value(Object{}));
  EXPECT_EQ(serialize(Value(std::move(o)), Style::kPythonCompact), R"({"a":[1,"\u00e9"],"b":{}})");
}

}  // namespace
}  // namespace ssooidc::json
