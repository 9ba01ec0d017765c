#include "web/html_template.h"

#include <gtest/gtest.h>

#include "web/assets.h"

namespace ssooidc::web {
namespace {

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain text ÄÖ"), "plain text ÄÖ");
}

TEST(RenderTemplate, EveryValueIsEscaped) {
  auto out = render_template_text(R"(<p title="{{t}}">{{v}}</p>)",
                                  {{"t", R"(" onmouseover="x)"}, {"v", "<script>alert(1)</script>"}});
  ASSERT_TRUE(out) << out.error().error_description;
  EXPECT_EQ(*out,
            R"(<p title="&quot; onmouseover=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</p>)");
}

TEST(RenderTemplate, TripleBracesDoNotInsertRawText) {
  auto out = render_template_text("{{{v}}}", {{"v", "<b>"}});
  // "{{{v}}}" reads as the tag "{v" and fails: there is no way to write raw HTML.
  EXPECT_FALSE(out);
}

TEST(RenderTemplate, ValuesAreNotReinterpretedAsTemplates) {
  auto out = render_template_text("{{v}}", {{"v", "{{secret}}"}, {"secret", "s3cr3t"}});
  ASSERT_TRUE(out) << out.error().error_description;
  EXPECT_EQ(*out, "{{secret}}");
}

TEST(RenderTemplate, SectionsShowOnNonEmptyValuesAndInvertedOnEmptyOrMissing) {
  const std::string text = "{{#a}}A{{#b}}B{{/b}}{{/a}}{{^a}}not-a{{/a}}{{^missing}}M{{/missing}}";
  EXPECT_EQ(render_template_text(text, {{"a", "1"}, {"b", "1"}}).value(), "ABM");
  EXPECT_EQ(render_template_text(text, {{"a", "1"}, {"b", ""}}).value(), "AM");
  EXPECT_EQ(render_template_text(text, {{"a", ""}}).value(), "not-aM");
}

TEST(RenderTemplate, CommentsVanish) {
  EXPECT_EQ(render_template_text("x{{! a note }}y", {}).value(), "xy");
}

TEST(RenderTemplate, MistakesAreErrorsNotSilentOutput) {
  EXPECT_NE(render_template_text("{{nope}}", {}).error().error_description.find("nope"), std::string::npos);
  EXPECT_FALSE(render_template_text("{{#a}}x", {{"a", "1"}}));
  EXPECT_FALSE(render_template_text("x{{/a}}", {}));
  EXPECT_FALSE(render_template_text("{{#a}}x{{/b}}", {{"a", "1"}}));
  EXPECT_FALSE(render_template_text("{{a", {{"a", "1"}}));
  EXPECT_FALSE(render_template_text("{{>templates/none.html}}", {}));
  EXPECT_FALSE(render_template("templates/none.html", {}));
}

TEST(Assets, TemplatesAndStylesheetAreCompiledIn) {
  for (const char* name : {"templates/_head.html", "templates/_foot.html", "templates/code.html",
                           "templates/sign_in.html", "templates/confirm.html",
                           "templates/result.html", "static/style.css"}) {
    auto asset = find_asset(name);
    ASSERT_TRUE(asset) << name;
    EXPECT_GT(asset->size(), 50u) << name;
    EXPECT_EQ(asset->find('\0'), std::string_view::npos) << name;
  }
  EXPECT_FALSE(find_asset("templates/../CMakeLists.txt"));
  // Multi-byte UTF-8 survives the embedding byte for byte.
  EXPECT_NE(find_asset("templates/_head.html")->find("·"), std::string_view::npos);
}

}  // namespace
}  // namespace ssooidc::web
