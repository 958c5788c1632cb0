#include "util/dotenv.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace dw::dotenv {
namespace {

Entries ParseOk(std::string_view text) {
  auto e = Parse(text);
  EXPECT_TRUE(e.ok()) << "input: " << text << "\nerror: " << e.status();
  return e.ok() ? *std::move(e) : Entries();
}

std::string ParseError(std::string_view text) {
  auto e = Parse(text);
  if (e.ok()) {
    ADD_FAILURE() << "expected an error for: " << text;
    return "";
  }
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e.status().message());
}

// The value for a single-assignment input.
std::string ValueOf(std::string_view text) {
  Entries e = ParseOk(text);
  EXPECT_EQ(e.size(), 1u) << "input: " << text;
  return e.empty() ? "<none>" : e[0].second;
}

TEST(DotenvTest, EmptyInput) {
  EXPECT_TRUE(ParseOk("").empty());
  EXPECT_TRUE(ParseOk("\n\n  \n\t\n").empty());
  EXPECT_TRUE(ParseOk("# just a comment\n   # indented comment").empty());
}

TEST(DotenvTest, BasicAssignmentsKeepFileOrder) {
  EXPECT_EQ(ParseOk("B=2\nA=1\nC=3\n"), (Entries{{"B", "2"}, {"A", "1"}, {"C", "3"}}));
}

TEST(DotenvTest, NoTrailingNewline) { EXPECT_EQ(ParseOk("A=1"), (Entries{{"A", "1"}})); }

TEST(DotenvTest, CommentsAndBlankLinesBetweenAssignments) {
  EXPECT_EQ(ParseOk("# header\n\nA=1\n  # note\n\nB=2\n#C=3\n"), (Entries{{"A", "1"}, {"B", "2"}}));
}

TEST(DotenvTest, WhitespaceIsTrimmed) {
  EXPECT_EQ(ValueOf("A = 1"), "1");
  EXPECT_EQ(ValueOf("  A=1  "), "1");
  EXPECT_EQ(ValueOf("\tA\t=\tvalue with  inner   spaces \t"), "value with  inner   spaces");
}

TEST(DotenvTest, EmptyValues) {
  EXPECT_EQ(ParseOk("A=\nB=   \nC=\"\"\nD=''\n"),
            (Entries{{"A", ""}, {"B", ""}, {"C", ""}, {"D", ""}}));
}

TEST(DotenvTest, ExportPrefix) {
  EXPECT_EQ(ParseOk("export A=1\nexport\tB=2\n  export   C = 3\n"),
            (Entries{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
}

TEST(DotenvTest, ExportAsAName) {
  EXPECT_EQ(ParseOk("export=1\nexport = 2\nexported=3\n"),
            (Entries{{"export", "2"}, {"exported", "3"}}));
}

TEST(DotenvTest, KeyCharacters) {
  EXPECT_EQ(ParseOk("a_b.c-d=1\n_X9=2\n9LIVES=3\n"),
            (Entries{{"a_b.c-d", "1"}, {"_X9", "2"}, {"9LIVES", "3"}}));
}

TEST(DotenvTest, ValueMayContainEqualsAndQuotes) {
  EXPECT_EQ(ValueOf("A=b=c==d"), "b=c==d");
  EXPECT_EQ(ValueOf("A=it's"), "it's");
  EXPECT_EQ(ValueOf("A=say \"hi\""), "say \"hi\"");
  EXPECT_EQ(ValueOf("A=a'b'"), "a'b'");
}

TEST(DotenvTest, InlineCommentsNeedPrecedingWhitespace) {
  EXPECT_EQ(ValueOf("A=value # comment"), "value");
  EXPECT_EQ(ValueOf("A=value\t# comment"), "value");
  EXPECT_EQ(ValueOf("A=value#not-comment"), "value#not-comment");
  EXPECT_EQ(ValueOf("URL=https://example.com/#frag"), "https://example.com/#frag");
  EXPECT_EQ(ValueOf("A=#starts-with-hash"), "#starts-with-hash");
  EXPECT_EQ(ValueOf("A= # only a comment"), "");
  EXPECT_EQ(ValueOf("A=a #b #c"), "a");
}

TEST(DotenvTest, UnquotedBackslashesAreLiteral) {
  EXPECT_EQ(ValueOf(R"(A=a\nb\\c)"), R"(a\nb\\c)");
}

TEST(DotenvTest, SingleQuotesAreLiteral) {
  EXPECT_EQ(ValueOf(R"(A='a\nb # not a comment "x"')"), R"(a\nb # not a comment "x")");
  EXPECT_EQ(ValueOf("A='  padded  '"), "  padded  ");
}

TEST(DotenvTest, BacktickQuotesAreLiteral) {
  EXPECT_EQ(ValueOf("A=`it's \"both\"`"), "it's \"both\"");
}

TEST(DotenvTest, DoubleQuoteEscapes) {
  EXPECT_EQ(ValueOf(R"(A="a\nb")"), "a\nb");
  EXPECT_EQ(ValueOf(R"(A="a\r\nb\tc")"), "a\r\nb\tc");
  EXPECT_EQ(ValueOf(R"(A="say \"hi\"")"), "say \"hi\"");
  EXPECT_EQ(ValueOf(R"(A="back\\slash")"), "back\\slash");
  EXPECT_EQ(ValueOf(R"(A="\\n")"), "\\n");
  // Unknown escapes are kept as written.
  EXPECT_EQ(ValueOf(R"(A="C:\dir\x \$HOME")"), R"(C:\dir\x \$HOME)");
  EXPECT_EQ(ValueOf(R"(A="# not a comment")"), "# not a comment");
  EXPECT_EQ(ValueOf(R"(A="  padded  ")"), "  padded  ");
}

TEST(DotenvTest, CommentAfterQuotedValue) {
  EXPECT_EQ(ValueOf("A=\"v\" # comment"), "v");
  EXPECT_EQ(ValueOf("A='v'# comment"), "v");
  EXPECT_EQ(ValueOf("A=\"v\"   "), "v");
}

TEST(DotenvTest, MultiLineDoubleQuoted) {
  const char* text =
      "A=1\n"
      "KEY=\"-----BEGIN KEY-----\n"
      "abc\n"
      "  def\n"
      "-----END KEY-----\"\n"
      "B=2\n";
  EXPECT_EQ(ParseOk(text), (Entries{{"A", "1"},
                                    {"KEY",
                                     "-----BEGIN KEY-----\nabc\n  def\n-----END "
                                     "KEY-----"},
                                    {"B", "2"}}));
}

TEST(DotenvTest, MultiLineSingleQuoted) {
  EXPECT_EQ(ParseOk("A='x\ny'\nB=2"), (Entries{{"A", "x\ny"}, {"B", "2"}}));
}

TEST(DotenvTest, CrlfLineEndings) {
  EXPECT_EQ(ParseOk("A=1\r\nB=\"x\r\ny\"\r\n# c\r\nC=3 # c\r\n"),
            (Entries{{"A", "1"}, {"B", "x\ny"}, {"C", "3"}}));
  EXPECT_EQ(ParseOk("A=1\rB=2\r"), (Entries{{"A", "1"}, {"B", "2"}}));
}

TEST(DotenvTest, ByteOrderMark) {
  EXPECT_EQ(ParseOk("\xEF\xBB\xBF"
                    "A=1\n"),
            (Entries{{"A", "1"}}));
}

TEST(DotenvTest, Utf8Values) {
  EXPECT_EQ(ValueOf("A=h\xC3\xA9llo \xF0\x9F\x98\x80"), "h\xC3\xA9llo \xF0\x9F\x98\x80");
}

TEST(DotenvTest, DuplicateKeysKeepFirstPositionAndLastValue) {
  EXPECT_EQ(ParseOk("A=1\nB=2\nA=3\n"), (Entries{{"A", "3"}, {"B", "2"}}));
}

// ---------------------------------------------------------------------------
// Errors

TEST(DotenvErrorTest, LineWithoutEquals) {
  EXPECT_EQ(ParseError("A=1\n\nJUSTANAME\n"),
            "line 3: expected KEY=value, but the line for JUSTANAME has no "
            "'='; write JUSTANAME= for an empty value");
  DW_EXPECT_CONTAINS(ParseError("export FOO"), "line 1: expected KEY=value, but the line for FOO");
}

TEST(DotenvErrorTest, MissingName) {
  EXPECT_EQ(ParseError("=value"),
            "line 1: expected KEY=value, got '=' at the start of the line; "
            "names may contain only letters, digits, '_', '.' and '-'");
  DW_EXPECT_CONTAINS(ParseError("A=1\n  \"QUOTED\"=1"), "line 2: expected KEY=value, got '\"'");
  DW_EXPECT_CONTAINS(ParseError("$A=1"), "got '$'");
}

TEST(DotenvErrorTest, InvalidCharacterInName) {
  EXPECT_EQ(ParseError("MY KEY=1"),
            "line 1: expected '=' after the name MY, got 'K'; names may "
            "contain only letters, digits, '_', '.' and '-'");
  DW_EXPECT_CONTAINS(ParseError("A$B=1"), "expected '=' after the name A, got '$'");
  DW_EXPECT_CONTAINS(ParseError("KEY: value"), "expected '=' after the name KEY, got ':'");
}

TEST(DotenvErrorTest, ErrorsDoNotEchoTheRestOfTheLine) {
  const std::string message = ParseError("KEY sk_live_supersecret");
  DW_EXPECT_LACKS(message, "supersecret");
  DW_EXPECT_LACKS(ParseError("KEY=\"x\"sk_live_supersecret"), "supersecret");
}

TEST(DotenvErrorTest, UnterminatedQuotesNameTheStartLine) {
  EXPECT_EQ(ParseError("A=1\nB=\"abc\ndef\nghi\n"),
            "line 2: unterminated double-quoted value for B; add the closing "
            "\"");
  EXPECT_EQ(ParseError("A='abc"),
            "line 1: unterminated single-quoted value for A; add the closing "
            "'");
  EXPECT_EQ(ParseError("\n\nA=`abc"),
            "line 3: unterminated backtick-quoted value for A; add the "
            "closing `");
  // An escaped quote does not close the value.
  DW_EXPECT_CONTAINS(ParseError(R"(A="abc\")"), "line 1: unterminated double-quoted value for A");
  DW_EXPECT_CONTAINS(ParseError("A=\"abc\\"), "line 1: unterminated double-quoted value for A");
}

TEST(DotenvErrorTest, TextAfterClosingQuote) {
  EXPECT_EQ(ParseError("A=\"x\" y"),
            "line 1: unexpected text after the closing quote of A's value; "
            "put a '#' before a comment, or quote the whole value");
  DW_EXPECT_CONTAINS(ParseError("A='x'y"), "line 1: unexpected text");
}

TEST(DotenvErrorTest, LineNumbersCountMultiLineValues) {
  DW_EXPECT_CONTAINS(ParseError("A=\"1\n2\n3\" junk\n"),
                  "line 3: unexpected text after the closing quote");
  DW_EXPECT_CONTAINS(ParseError("A=\"1\n2\"\nB=\"x\\\ny\"\nOOPS\n"), "line 5: expected KEY=value");
  DW_EXPECT_CONTAINS(ParseError("A=1\r\nB=2\r\nOOPS\r\n"), "line 3:");
}

}  // namespace
}  // namespace dw::dotenv
