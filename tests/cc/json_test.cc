#include "util/json.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace dw::json {
namespace {

Value ParseOk(std::string_view text, const ParseOptions& opts = {}) {
  auto v = Parse(text, opts);
  EXPECT_TRUE(v.ok()) << "input: " << text << "\nerror: " << v.status();
  return v.ok() ? *std::move(v) : Value();
}

// Returns the error message, failing the test if parsing succeeded or the
// code is not InvalidArgument.
std::string ParseError(std::string_view text, const ParseOptions& opts = {}) {
  auto v = Parse(text, opts);
  if (v.ok()) {
    ADD_FAILURE() << "expected an error for: " << text;
    return "";
  }
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

// ---------------------------------------------------------------------------
// Value

TEST(JsonValueTest, DefaultIsNull) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(v.type(), Type::kNull);
  EXPECT_STREQ(v.type_name(), "null");
  EXPECT_EQ(v.size(), 0u);
}

TEST(JsonValueTest, ConstructorsPickTheExpectedType) {
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(true).is_bool());
  EXPECT_TRUE(Value(1).is_number());
  EXPECT_TRUE(Value(size_t{1}).is_number());
  EXPECT_TRUE(Value(int64_t{-5}).is_number());
  EXPECT_TRUE(Value(1.5f).is_number());
  EXPECT_TRUE(Value(2.5).is_number());
  EXPECT_TRUE(Value("abc").is_string());
  EXPECT_TRUE(Value(std::string("abc")).is_string());
  EXPECT_TRUE(Value(std::string_view("abc")).is_string());
  EXPECT_TRUE(Value::MakeArray().is_array());
  EXPECT_TRUE(Value::MakeObject().is_object());
  EXPECT_EQ(Value(7).as_number(), 7.0);
  EXPECT_EQ(Value("abc").as_string(), "abc");
  EXPECT_FALSE(Value(false).as_bool());
}

TEST(JsonValueTest, TypeNames) {
  EXPECT_STREQ(TypeName(Type::kNull), "null");
  EXPECT_STREQ(TypeName(Type::kBool), "boolean");
  EXPECT_STREQ(TypeName(Type::kNumber), "number");
  EXPECT_STREQ(TypeName(Type::kString), "string");
  EXPECT_STREQ(TypeName(Type::kArray), "array");
  EXPECT_STREQ(TypeName(Type::kObject), "object");
}

TEST(JsonValueTest, ObjectSetFindRemoveKeepOrder) {
  Value o = Value::MakeObject();
  o.Set("b", 1);
  o.Set("a", 2);
  o.Set("c", 3);
  o.Set("b", 4);  // replaced in place
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o.as_object()[0].first, "b");
  EXPECT_EQ(o.as_object()[0].second, Value(4));
  EXPECT_EQ(o.as_object()[1].first, "a");
  EXPECT_EQ(o.as_object()[2].first, "c");
  ASSERT_NE(o.Find("a"), nullptr);
  EXPECT_EQ(*o.Find("a"), Value(2));
  EXPECT_EQ(o.Find("zzz"), nullptr);
  *o.Find("a") = Value("changed");
  EXPECT_EQ(o.as_object()[1].second, Value("changed"));
}

TEST(JsonValueTest, FindOnNonObjectReturnsNull) {
  EXPECT_EQ(Value(1).Find("a"), nullptr);
  EXPECT_EQ(Value::MakeArray().Find("a"), nullptr);
}

TEST(JsonValueTest, Remove) {
  Value o = Value::MakeObject();
  o.Set("a", 1);
  o.Set("b", 2);
  EXPECT_TRUE(o.Remove("a"));
  EXPECT_FALSE(o.Remove("a"));
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o.as_object()[0].first, "b");
}

TEST(JsonValueTest, ArrayAppend) {
  Value a = Value::MakeArray();
  a.Append(1);
  a.Append("x");
  a.Append(Value::MakeObject());
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.as_array()[1], Value("x"));
}

TEST(JsonValueTest, Equality) {
  EXPECT_EQ(Value(), Value(nullptr));
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(true), Value(1));
  EXPECT_EQ(Value(0.0), Value(-0.0));
  EXPECT_NE(Value(std::nan("")), Value(std::nan("")));
  Value a = Value::MakeObject();
  a.Set("x", 1);
  a.Set("y", 2);
  Value b = Value::MakeObject();
  b.Set("y", 2);
  b.Set("x", 1);
  EXPECT_NE(a, b);  // order-sensitive by design
  Value c = Value::MakeObject();
  c.Set("x", 1);
  c.Set("y", 2);
  EXPECT_EQ(a, c);
  EXPECT_EQ(Value(Value::Array{1, "a", nullptr}), Value(Value::Array{1, "a", nullptr}));
  EXPECT_NE(Value(Value::Array{1}), Value(Value::Array{1, 2}));
}

TEST(JsonValueDeathTest, WrongAccessorAborts) {
  EXPECT_DEATH(Value(1).as_string(), "as_string\\(\\) called on a number");
  EXPECT_DEATH(Value("x").as_number(), "as_number\\(\\) called on a string");
  EXPECT_DEATH(Value().Set("a", 1), "Set\\(\\) called on a null");
  EXPECT_DEATH(Value::MakeObject().Append(1), "Append\\(\\) called on a object");
}

// ---------------------------------------------------------------------------
// Parse: valid input

TEST(JsonParseTest, Scalars) {
  EXPECT_EQ(ParseOk("null"), Value());
  EXPECT_EQ(ParseOk("true"), Value(true));
  EXPECT_EQ(ParseOk("false"), Value(false));
  EXPECT_EQ(ParseOk("0"), Value(0));
  EXPECT_EQ(ParseOk("\"\""), Value(""));
  EXPECT_EQ(ParseOk("\"hello\""), Value("hello"));
}

TEST(JsonParseTest, SurroundingWhitespace) { EXPECT_EQ(ParseOk(" \t\r\n 42 \n\t\r "), Value(42)); }

TEST(JsonParseTest, SkipsByteOrderMark) {
  EXPECT_EQ(ParseOk("\xEF\xBB\xBF{}"), Value::MakeObject());
}

TEST(JsonParseTest, Numbers) {
  EXPECT_EQ(ParseOk("-0").as_number(), 0.0);
  EXPECT_TRUE(std::signbit(ParseOk("-0").as_number()));
  EXPECT_EQ(ParseOk("123").as_number(), 123.0);
  EXPECT_EQ(ParseOk("-123").as_number(), -123.0);
  EXPECT_EQ(ParseOk("1.5").as_number(), 1.5);
  EXPECT_EQ(ParseOk("-0.25").as_number(), -0.25);
  EXPECT_EQ(ParseOk("1e3").as_number(), 1000.0);
  EXPECT_EQ(ParseOk("1E3").as_number(), 1000.0);
  EXPECT_EQ(ParseOk("1e+3").as_number(), 1000.0);
  EXPECT_EQ(ParseOk("1e-3").as_number(), 0.001);
  EXPECT_EQ(ParseOk("2.5E-1").as_number(), 0.25);
  EXPECT_EQ(ParseOk("0.1").as_number(), 0.1);
  EXPECT_EQ(ParseOk("1e007").as_number(), 1e7);  // exponent may have zeros
  EXPECT_EQ(ParseOk("9007199254740993").as_number(), 9007199254740992.0);
  EXPECT_EQ(ParseOk("1.7976931348623157e308").as_number(), std::numeric_limits<double>::max());
  EXPECT_EQ(ParseOk("5e-324").as_number(), std::numeric_limits<double>::denorm_min());
}

TEST(JsonParseTest, UnderflowBecomesZero) {
  EXPECT_EQ(ParseOk("1e-400").as_number(), 0.0);
  EXPECT_EQ(ParseOk("123e-400").as_number(), 0.0);
  EXPECT_EQ(ParseOk("0.0000001e-330").as_number(), 0.0);
  const double neg = ParseOk("-1e-400").as_number();
  EXPECT_EQ(neg, 0.0);
  EXPECT_TRUE(std::signbit(neg));
  EXPECT_EQ(ParseOk("1e-99999999999999999999").as_number(), 0.0);
}

TEST(JsonParseTest, Arrays) {
  EXPECT_EQ(ParseOk("[]"), Value::MakeArray());
  EXPECT_EQ(ParseOk("[ ]"), Value::MakeArray());
  EXPECT_EQ(ParseOk("[1, \"a\", null, true, [], {}]"),
            Value(Value::Array{1, "a", nullptr, true, Value::MakeArray(), Value::MakeObject()}));
  EXPECT_EQ(ParseOk("[[[1]]]"), Value(Value::Array{Value(Value::Array{Value(Value::Array{1})})}));
}

TEST(JsonParseTest, ObjectsPreserveInsertionOrder) {
  Value v = ParseOk(R"({"z": 1, "a": {"y": [], "b": null}, "m": "s"})");
  ASSERT_TRUE(v.is_object());
  const auto& o = v.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(o[2].first, "m");
  EXPECT_EQ(o[1].second.as_object()[0].first, "y");
  EXPECT_EQ(o[1].second.as_object()[1].first, "b");
}

TEST(JsonParseTest, DuplicateKeysKeepFirstPositionAndLastValue) {
  Value v = ParseOk(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.as_object()[0].first, "a");
  EXPECT_EQ(v.as_object()[0].second, Value(3));
  EXPECT_EQ(v.as_object()[1].first, "b");
}

TEST(JsonParseTest, EmptyAndUnusualKeys) {
  Value v = ParseOk(R"({"": 1, "a b": 2, "\u00e9": 3})");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(*v.Find(""), Value(1));
  EXPECT_EQ(*v.Find("a b"), Value(2));
  EXPECT_EQ(*v.Find("\xC3\xA9"), Value(3));
}

TEST(JsonParseTest, StringEscapes) {
  EXPECT_EQ(ParseOk(R"("\" \\ \/ \b \f \n \r \t")").as_string(), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(ParseOk(R"("\u0041\u00e9\u20AC")").as_string(), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(ParseOk(R"("\u0000")").as_string(), std::string(1, '\0'));
  // U+1F600 as a surrogate pair, upper and lower case hex.
  EXPECT_EQ(ParseOk(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(ParseOk(R"("\uD83D\uDE00")").as_string(), "\xF0\x9F\x98\x80");
  // Highest code point.
  EXPECT_EQ(ParseOk(R"("\uDBFF\uDFFF")").as_string(), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(ParseOk(R"("\uffff")").as_string(), "\xEF\xBF\xBF");
}

TEST(JsonParseTest, RawUtf8PassesThrough) {
  EXPECT_EQ(ParseOk("\"h\xC3\xA9llo \xF0\x9F\x98\x80 \xE2\x82\xAC\"").as_string(),
            "h\xC3\xA9llo \xF0\x9F\x98\x80 \xE2\x82\xAC");
  // DEL is not a control character as far as JSON is concerned.
  EXPECT_EQ(ParseOk("\"\x7F\"").as_string(), "\x7F");
}

TEST(JsonParseTest, DepthLimitIsInclusive) {
  ParseOptions opts;
  opts.max_depth = 3;
  EXPECT_TRUE(Parse("[[[]]]", opts).ok());
  EXPECT_TRUE(Parse(R"({"a":{"b":[1]}})", opts).ok());
  EXPECT_FALSE(Parse("[[[[]]]]", opts).ok());
}

TEST(JsonParseTest, DefaultDepthLimitAllows512) {
  std::string ok = std::string(512, '[') + std::string(512, ']');
  EXPECT_TRUE(Parse(ok).ok());
}

// ---------------------------------------------------------------------------
// Parse: JSONC

TEST(JsonParseTest, JsoncComments) {
  const char* text = R"(// leading comment
{
  /* block
     comment */ "a": 1, // trailing
  "b": /* inline */ [1, /**/ 2],
  "url": "http://example.com/*not a comment*/" // string content untouched
}
// trailing comment)";
  Value v = ParseOk(text, ParseOptions::Jsonc());
  EXPECT_EQ(*v.Find("a"), Value(1));
  EXPECT_EQ(*v.Find("b"), Value(Value::Array{1, 2}));
  EXPECT_EQ(*v.Find("url"), Value("http://example.com/*not a comment*/"));
}

TEST(JsonParseTest, JsoncLineCommentAtEndOfInputWithoutNewline) {
  EXPECT_EQ(ParseOk("1 // done", ParseOptions::Jsonc()), Value(1));
  EXPECT_EQ(ParseOk("1 /* x */", ParseOptions::Jsonc()), Value(1));
  EXPECT_EQ(ParseOk("1 /**/", ParseOptions::Jsonc()), Value(1));
}

TEST(JsonParseTest, JsoncTrailingCommas) {
  ParseOptions opts = ParseOptions::Jsonc();
  EXPECT_EQ(ParseOk("[1, 2,]", opts), Value(Value::Array{1, 2}));
  EXPECT_EQ(ParseOk("[1, 2, /* c */ ]", opts), Value(Value::Array{1, 2}));
  Value v = ParseOk(R"({"a": 1,
  })",
                    opts);
  EXPECT_EQ(v.size(), 1u);
}

TEST(JsonParseTest, JsoncStillRejectsDoubleAndLeadingCommas) {
  ParseOptions opts = ParseOptions::Jsonc();
  DW_EXPECT_CONTAINS(ParseError("[1,,]", opts), "line 1, column 4: expected a JSON value, got ','");
  DW_EXPECT_CONTAINS(ParseError("[,]", opts), "expected a JSON value, got ','");
  DW_EXPECT_CONTAINS(ParseError("{,}", opts), "expected a string key or '}' after '{', got ','");
  DW_EXPECT_CONTAINS(ParseError(R"({"a":1,,})", opts), "expected a string key after ',', got ','");
}

TEST(JsonParseTest, CommentsCanBeEnabledSeparatelyFromTrailingCommas) {
  ParseOptions opts;
  opts.allow_comments = true;
  EXPECT_TRUE(Parse("[1 /* c */]", opts).ok());
  DW_EXPECT_CONTAINS(ParseError("[1,]", opts), "trailing comma");
  opts = ParseOptions();
  opts.allow_trailing_commas = true;
  EXPECT_TRUE(Parse("[1,]", opts).ok());
  DW_EXPECT_CONTAINS(ParseError("[1 /* c */]", opts), "comments are not");
}

// ---------------------------------------------------------------------------
// Parse: errors, with positions

TEST(JsonParseErrorTest, EmptyInput) {
  EXPECT_EQ(ParseError(""), "line 1, column 1: expected a JSON value, got end of input");
  EXPECT_EQ(ParseError("  \n "), "line 2, column 2: expected a JSON value, got end of input");
  EXPECT_EQ(ParseError("// only a comment", ParseOptions::Jsonc()),
            "line 1, column 18: expected a JSON value, got end of input");
}

TEST(JsonParseErrorTest, MissingCommaBetweenMembers) {
  const char* text = "{\n  \"a\": 1\n  \"b\": 2\n}";
  EXPECT_EQ(ParseError(text),
            "line 3, column 3: expected ',' or '}' after object member, got "
            "'\"'");
}

TEST(JsonParseErrorTest, BriefExamplePosition) {
  DW_EXPECT_CONTAINS(ParseError("{\n\"a\": 1,\n\"b\": 2 x\n}"),
                  "line 3, column 8: expected ',' or '}' after object "
                  "member, got 'x'");
}

TEST(JsonParseErrorTest, MissingCommaBetweenElements) {
  EXPECT_EQ(ParseError("[1 2]"),
            "line 1, column 4: expected ',' or ']' after array element, got "
            "'2'");
}

TEST(JsonParseErrorTest, UnclosedContainers) {
  EXPECT_EQ(ParseError("[1, 2"),
            "line 1, column 6: expected ',' or ']' after array element, got "
            "end of input");
  EXPECT_EQ(ParseError("{\"a\": 1"),
            "line 1, column 8: expected ',' or '}' after object member, got "
            "end of input");
  EXPECT_EQ(ParseError("["), "line 1, column 2: expected a JSON value, got end of input");
  EXPECT_EQ(ParseError("{"),
            "line 1, column 2: expected a string key or '}' after '{', got "
            "end of input");
  EXPECT_EQ(ParseError("{\"a\""),
            "line 1, column 5: expected ':' after object key \"a\", got end "
            "of input");
  EXPECT_EQ(ParseError("{\"a\":"), "line 1, column 6: expected a JSON value, got end of input");
}

TEST(JsonParseErrorTest, MismatchedBrackets) {
  DW_EXPECT_CONTAINS(ParseError("[1}"), "expected ',' or ']' after array element, got '}'");
  DW_EXPECT_CONTAINS(ParseError("{\"a\":1]"), "expected ',' or '}' after object member, got ']'");
}

TEST(JsonParseErrorTest, TrailingCommaInStrictMode) {
  EXPECT_EQ(ParseError("[1, 2,]"),
            "line 1, column 6: trailing comma before ']' is not allowed in "
            "JSON; remove it");
  EXPECT_EQ(ParseError("{\"a\": 1,\n}"),
            "line 1, column 8: trailing comma before '}' is not allowed in "
            "JSON; remove it");
}

TEST(JsonParseErrorTest, CommentsInStrictMode) {
  EXPECT_EQ(ParseError("// hi\n1"),
            "line 1, column 1: comments are not allowed in JSON (use a .jsonc "
            "file or remove the comment)");
  DW_EXPECT_CONTAINS(ParseError("[1, /* x */ 2]"), "line 1, column 5: comments are not allowed");
}

TEST(JsonParseErrorTest, UnterminatedBlockComment) {
  EXPECT_EQ(ParseError("{\n  /* open\n", ParseOptions::Jsonc()),
            "line 2, column 3: unterminated /* comment; add the closing */");
}

TEST(JsonParseErrorTest, LoneSlash) {
  DW_EXPECT_CONTAINS(ParseError("1 /", ParseOptions::Jsonc()),
                  "line 1, column 3: unexpected '/' after the JSON "
                  "value");
  DW_EXPECT_CONTAINS(ParseError("[/]", ParseOptions::Jsonc()), "expected a JSON value, got '/'");
}

TEST(JsonParseErrorTest, TrailingGarbage) {
  EXPECT_EQ(ParseError("{} x"),
            "line 1, column 4: unexpected 'x' after the JSON value; expected "
            "end of input");
  DW_EXPECT_CONTAINS(ParseError("1 2"), "unexpected '2' after the JSON");
  DW_EXPECT_CONTAINS(ParseError("{}{}"), "unexpected '{' after the JSON");
}

TEST(JsonParseErrorTest, BadLiterals) {
  EXPECT_EQ(ParseError("tru"), "line 1, column 1: expected a JSON value, got 'tru'");
  EXPECT_EQ(ParseError("nulll"), "line 1, column 1: expected a JSON value, got 'nulll'");
  DW_EXPECT_CONTAINS(ParseError("True"), "got 'True'");
  DW_EXPECT_CONTAINS(ParseError("[undefined]"), "got 'undefined'");
  DW_EXPECT_CONTAINS(ParseError("NaN"), "got 'NaN'");
  DW_EXPECT_CONTAINS(ParseError("Infinity"), "got 'Infinity'");
  DW_EXPECT_CONTAINS(ParseError("[truex]"), "got 'truex'");
}

TEST(JsonParseErrorTest, SingleQuotes) {
  EXPECT_EQ(ParseError("'a'"),
            "line 1, column 1: expected a JSON value, got '''; strings must "
            "use double quotes");
  DW_EXPECT_CONTAINS(ParseError("{'a': 1}"), "got '''; object keys must be double-quoted strings");
}

TEST(JsonParseErrorTest, UnquotedKeys) {
  EXPECT_EQ(ParseError("{a: 1}"),
            "line 1, column 2: expected a string key or '}' after '{', got "
            "'a'; object keys must be double-quoted strings");
  DW_EXPECT_CONTAINS(ParseError("{\"a\": 1, b: 2}"), "column 10: expected a string key after ','");
  DW_EXPECT_CONTAINS(ParseError("{1: 2}"), "got '1'; object keys must be double-quoted");
}

TEST(JsonParseErrorTest, MissingColon) {
  EXPECT_EQ(ParseError("{\"a\" 1}"),
            "line 1, column 6: expected ':' after object key \"a\", got '1'");
  DW_EXPECT_CONTAINS(ParseError("{\"a\" = 1}"), "got '='");
}

TEST(JsonParseErrorTest, BadNumbers) {
  EXPECT_EQ(ParseError("-"), "line 1, column 2: expected a digit after '-', got end of input");
  DW_EXPECT_CONTAINS(ParseError("-a"), "expected a digit after '-', got 'a'");
  DW_EXPECT_CONTAINS(ParseError("--1"), "got '-'");
  EXPECT_EQ(ParseError("01"), "line 1, column 1: numbers cannot have leading zeros");
  DW_EXPECT_CONTAINS(ParseError("-01"), "column 2: numbers cannot have leading zeros");
  EXPECT_EQ(ParseError("1."),
            "line 1, column 3: expected a digit after the decimal point, got "
            "end of input");
  DW_EXPECT_CONTAINS(ParseError("1.e5"), "expected a digit after the decimal point, got 'e5'");
  EXPECT_EQ(ParseError("1e"),
            "line 1, column 3: expected a digit in the exponent, got end of "
            "input");
  DW_EXPECT_CONTAINS(ParseError("1e+"), "expected a digit in the exponent");
  DW_EXPECT_CONTAINS(ParseError("1E-x"), "expected a digit in the exponent");
  DW_EXPECT_CONTAINS(ParseError(".5"), "expected a JSON value, got '.'");
  DW_EXPECT_CONTAINS(ParseError("+1"), "expected a JSON value, got '+'");
  DW_EXPECT_CONTAINS(ParseError("0x10"), "unexpected 'x10' after the JSON");
  DW_EXPECT_CONTAINS(ParseError("1.5.5"), "unexpected '.' after the JSON");
}

TEST(JsonParseErrorTest, NumberOverflow) {
  EXPECT_EQ(ParseError("1e400"), "line 1, column 1: number 1e400 is too large to represent");
  DW_EXPECT_CONTAINS(ParseError("[-1e309]"), "column 2: number -1e309 is too large");
  DW_EXPECT_CONTAINS(ParseError("1e99999999999999999999"), "too large");
  DW_EXPECT_CONTAINS(ParseError(std::string(400, '9')), "too large");
}

TEST(JsonParseErrorTest, UnterminatedString) {
  EXPECT_EQ(ParseError("\"abc"), "line 1, column 1: unterminated string; add the closing '\"'");
  EXPECT_EQ(ParseError("[\"abc\\"), "line 1, column 2: unterminated string; add the closing '\"'");
  EXPECT_EQ(ParseError("{\"a\": \"b\n}"),
            "line 1, column 9: unterminated string: line break before the "
            "closing '\"' (write \\n for a newline inside a string)");
  DW_EXPECT_CONTAINS(ParseError("\"a\rb\""), "line break");
}

TEST(JsonParseErrorTest, ControlCharactersInStrings) {
  EXPECT_EQ(ParseError("\"a\tb\""),
            "line 1, column 3: control character U+0009 must be escaped in a "
            "string (e.g. \\t or \\u0009)");
  DW_EXPECT_CONTAINS(ParseError(std::string("\"a\0b\"", 5)),
                  "control character U+0000 must be escaped");
  DW_EXPECT_CONTAINS(ParseError("\"\x1f\""), "U+001F");
}

TEST(JsonParseErrorTest, InvalidEscapes) {
  EXPECT_EQ(ParseError(R"("a\x")"),
            "line 1, column 3: invalid escape in string: backslash followed "
            "by 'x'; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
            "\\uXXXX");
  DW_EXPECT_CONTAINS(ParseError(R"("\a")"), "backslash followed by 'a'");
  DW_EXPECT_CONTAINS(ParseError(R"("\')"), "backslash followed by '''");
  DW_EXPECT_CONTAINS(ParseError("\"\\\t\""), "backslash followed by control character U+0009");
}

TEST(JsonParseErrorTest, BadUnicodeEscapes) {
  EXPECT_EQ(ParseError(R"("\u12")"),
            "line 1, column 2: invalid \\u escape in string; expected 4 hex "
            "digits after \\u");
  DW_EXPECT_CONTAINS(ParseError(R"("\u12G4")"), "expected 4 hex digits");
  DW_EXPECT_CONTAINS(ParseError(R"("\u")"), "expected 4 hex digits");
  DW_EXPECT_CONTAINS(ParseError("\"\\u00"), "expected 4 hex digits");
}

TEST(JsonParseErrorTest, LoneSurrogates) {
  EXPECT_EQ(ParseError(R"("\ud800")"),
            "line 1, column 2: unpaired surrogate \\uD800 in string; a high "
            "surrogate must be followed by a low surrogate escape "
            "(\\uDC00-\\uDFFF)");
  DW_EXPECT_CONTAINS(ParseError(R"("\ud800x")"), "unpaired surrogate \\uD800");
  DW_EXPECT_CONTAINS(ParseError(R"("\ud800\u0041")"), "unpaired surrogate \\uD800");
  DW_EXPECT_CONTAINS(ParseError(R"("\ud800\ud800")"), "unpaired surrogate \\uD800");
  DW_EXPECT_CONTAINS(ParseError(R"("\ud800\n")"), "unpaired surrogate");
  DW_EXPECT_CONTAINS(ParseError(R"("ab\ud83d\u12")"), "column 10: invalid \\u escape");
  EXPECT_EQ(ParseError(R"("\uDC00")"),
            "line 1, column 2: unpaired surrogate \\uDC00 in string; a low "
            "surrogate must follow a high surrogate (\\uD800-\\uDBFF)");
}

TEST(JsonParseErrorTest, InvalidUtf8) {
  EXPECT_EQ(ParseError("\"\xFF\""),
            "line 1, column 2: invalid UTF-8 byte 0xFF in string; the file "
            "must be saved as UTF-8");
  DW_EXPECT_CONTAINS(ParseError("\"\xC3\""), "invalid UTF-8 byte 0xC3");
  // Overlong encoding of '/'.
  DW_EXPECT_CONTAINS(ParseError("\"\xC0\xAF\""), "invalid UTF-8");
  // UTF-8-encoded surrogate (CESU-8).
  DW_EXPECT_CONTAINS(ParseError("\"\xED\xA0\x80\""), "invalid UTF-8");
  // Above U+10FFFF.
  DW_EXPECT_CONTAINS(ParseError("\"\xF4\x90\x80\x80\""), "invalid UTF-8");
  // Truncated sequence at end of input.
  DW_EXPECT_CONTAINS(ParseError("\"\xE2\x82"), "invalid UTF-8");
  // Outside a string.
  DW_EXPECT_CONTAINS(ParseError("\xFF"), "expected a JSON value, got invalid UTF-8 byte 0xFF");
}

TEST(JsonParseErrorTest, NonAsciiCharacterOutsideString) {
  EXPECT_EQ(ParseError("[\xC3\xA9]"),
            "line 1, column 2: expected a JSON value, got '\xC3\xA9' (U+00E9)");
}

TEST(JsonParseErrorTest, ControlCharacterOutsideString) {
  EXPECT_EQ(ParseError("\x01"),
            "line 1, column 1: expected a JSON value, got control character "
            "U+0001");
}

TEST(JsonParseErrorTest, ColumnsCountCodePointsNotBytes) {
  // "é" is two bytes but one column; "😀" is four bytes but one column.
  DW_EXPECT_CONTAINS(ParseError("[\"\xC3\xA9\xF0\x9F\x98\x80\" x]"), "line 1, column 7:");
}

TEST(JsonParseErrorTest, LineEndingsAndBom) {
  DW_EXPECT_CONTAINS(ParseError("[\r\n1\r\n x]"), "line 3, column 2:");
  DW_EXPECT_CONTAINS(ParseError("[\r1\r x]"), "line 3, column 2:");
  DW_EXPECT_CONTAINS(ParseError("\xEF\xBB\xBFx"), "line 1, column 1:");
}

TEST(JsonParseErrorTest, DepthLimit) {
  std::string deep = std::string(513, '[') + std::string(513, ']');
  EXPECT_EQ(ParseError(deep),
            "line 1, column 513: arrays and objects are nested more than 512 "
            "levels deep");
  // Deep enough to overflow the stack if recursion were unbounded.
  std::string very_deep(1000000, '[');
  DW_EXPECT_CONTAINS(ParseError(very_deep), "nested more than 512");
  std::string objects;
  for (int i = 0; i < 600; ++i) objects += "{\"a\":";
  DW_EXPECT_CONTAINS(ParseError(objects), "nested more than 512");
}

TEST(JsonParseErrorTest, CustomDepthLimitMessage) {
  ParseOptions opts;
  opts.max_depth = 2;
  EXPECT_EQ(ParseError("{\"a\": [[1]]}", opts),
            "line 1, column 8: arrays and objects are nested more than 2 "
            "levels deep");
}

// ---------------------------------------------------------------------------
// Serialize

TEST(JsonSerializeTest, Scalars) {
  EXPECT_EQ(Serialize(Value()), "null");
  EXPECT_EQ(Serialize(Value(true)), "true");
  EXPECT_EQ(Serialize(Value(false)), "false");
  EXPECT_EQ(Serialize(Value(0)), "0");
  EXPECT_EQ(Serialize(Value(-0.0)), "0");
  EXPECT_EQ(Serialize(Value(42)), "42");
  EXPECT_EQ(Serialize(Value(-1.5)), "-1.5");
  EXPECT_EQ(Serialize(Value("")), "\"\"");
}

TEST(JsonSerializeTest, NonFiniteNumbersBecomeNull) {
  EXPECT_EQ(Serialize(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Serialize(Value(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Serialize(Value(std::nan(""))), "null");
}

TEST(JsonSerializeTest, StringEscaping) {
  EXPECT_EQ(Serialize(Value("a\"b\\c/d")), R"("a\"b\\c/d")");
  EXPECT_EQ(Serialize(Value("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(Serialize(Value(std::string("\0\x01\x1f", 3))), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Serialize(Value("\x7F")), "\"\x7F\"");
  EXPECT_EQ(Serialize(Value("h\xC3\xA9 \xF0\x9F\x98\x80")), "\"h\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(Serialize(Value("\xE2\x80\xA8")), "\"\xE2\x80\xA8\"");
}

TEST(JsonSerializeTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(Serialize(Value("a\xFF"
                            "b")),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(Serialize(Value("\xC3")), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(Serialize(Value("\xED\xA0\x80")), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonSerializeTest, ContainersAreCompactAndOrdered) {
  Value o = Value::MakeObject();
  o.Set("z", 1);
  o.Set("a", Value(Value::Array{true, nullptr, "x"}));
  o.Set("e", Value::MakeObject());
  o.Set("k\"ey", Value::MakeArray());
  EXPECT_EQ(Serialize(o), R"({"z":1,"a":[true,null,"x"],"e":{},"k\"ey":[]})");
}

TEST(JsonSerializeTest, RoundTrip) {
  const char* text =
      R"({"name":"w","n":[0,-1,1.5,1e+21,1e-7,123456789],"s":"\"\\\n\u0001é😀","o":{"nested":{"deep":[[]]}},"t":true,"f":false,"z":null})";
  Value v = ParseOk(text);
  EXPECT_EQ(Serialize(v), text);
  EXPECT_EQ(ParseOk(Serialize(v)), v);
}

TEST(JsonFormatNumberTest, MatchesJavaScript) {
  // Expected strings are what String(x) gives in JavaScript.
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(1), "1");
  EXPECT_EQ(FormatNumber(-1), "-1");
  EXPECT_EQ(FormatNumber(100), "100");
  EXPECT_EQ(FormatNumber(1000000), "1000000");
  EXPECT_EQ(FormatNumber(123456789012), "123456789012");
  EXPECT_EQ(FormatNumber(1e20), "100000000000000000000");
  EXPECT_EQ(FormatNumber(1e21), "1e+21");
  EXPECT_EQ(FormatNumber(1.5e21), "1.5e+21");
  EXPECT_EQ(FormatNumber(123e20), "1.23e+22");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(1.5), "1.5");
  EXPECT_EQ(FormatNumber(123.456), "123.456");
  EXPECT_EQ(FormatNumber(0.000001), "0.000001");
  EXPECT_EQ(FormatNumber(0.0000012), "0.0000012");
  EXPECT_EQ(FormatNumber(1e-7), "1e-7");
  EXPECT_EQ(FormatNumber(1.25e-7), "1.25e-7");
  EXPECT_EQ(FormatNumber(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(FormatNumber(9007199254740991), "9007199254740991");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Infinity");
}

}  // namespace
}  // namespace dw::json
