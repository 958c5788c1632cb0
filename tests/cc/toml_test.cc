#include "util/toml.h"

#include <cmath>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "util/json.h"

namespace dw {
namespace {

json::Value ParseOk(std::string_view toml) {
  auto v = ParseToml(toml);
  EXPECT_TRUE(v.ok()) << "input:\n" << toml << "\nerror: " << v.status();
  return v.ok() ? *std::move(v) : json::Value();
}

// The expected document, written as JSON. Objects compare in order, so this
// also checks that keys keep document order.
json::Value J(std::string_view json_text) {
  auto v = json::Parse(json_text);
  EXPECT_TRUE(v.ok()) << "bad expectation " << json_text << ": " << v.status();
  return v.ok() ? *std::move(v) : json::Value();
}

#define EXPECT_TOML(toml, json_text)                                                             \
  do {                                                                                           \
    const json::Value got_ = ParseOk(toml);                                                      \
    EXPECT_EQ(got_, J(json_text)) << "input:\n" << (toml) << "\ngot: " << json::Serialize(got_); \
  } while (false)

// Returns the error message, failing the test if parsing succeeded or the
// code is not InvalidArgument.
std::string ParseError(std::string_view toml) {
  auto v = ParseToml(toml);
  if (v.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << toml << "\ngot: " << json::Serialize(*v);
    return "";
  }
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << v.status();
  return std::string(v.status().message());
}

// The single value of `v = <value>`.
json::Value Value(std::string_view value_text) {
  const json::Value doc = ParseOk(absl::StrCat("v = ", std::string(value_text), "\n"));
  const json::Value* v = doc.Find("v");
  EXPECT_NE(v, nullptr) << value_text;
  return v != nullptr ? *v : json::Value();
}

double Number(std::string_view value_text) {
  const json::Value v = Value(value_text);
  EXPECT_TRUE(v.is_number()) << value_text << " gave " << json::Serialize(v);
  return v.is_number() ? v.as_number() : 0;
}

std::string String(std::string_view value_text) {
  const json::Value v = Value(value_text);
  EXPECT_TRUE(v.is_string()) << value_text << " gave " << json::Serialize(v);
  return v.is_string() ? v.as_string() : "";
}

// ---------------------------------------------------------------------------
// Documents, whitespace and comments

TEST(TomlTest, EmptyDocuments) {
  EXPECT_TOML("", "{}");
  EXPECT_TOML("\n\n", "{}");
  EXPECT_TOML("  \t \n", "{}");
  EXPECT_TOML("# only a comment", "{}");
  EXPECT_TOML("# one\n  # two\r\n\n", "{}");
}

TEST(TomlTest, Comments) {
  EXPECT_TOML("# full line\na = 1 # trailing\nb = \"# not a comment\" #c\n# last",
              R"({"a":1,"b":"# not a comment"})");
  EXPECT_TOML("a = 1#no space\n", R"({"a":1})");
  // Tabs and any Unicode are fine in comments.
  EXPECT_TOML("#\tcaf\xC3\xA9 \xF0\x9F\x98\x80\na = 1", R"({"a":1})");
  EXPECT_TOML("[t] # header comment\n[[a]] # too\n", R"({"t":{},"a":[{}]})");
}

TEST(TomlTest, CommentErrors) {
  EXPECT_EQ(ParseError("# bad \x01 control\n"),
            "line 1, column 7: control character U+0001 is not allowed in a comment");
  EXPECT_EQ(ParseError("a = 1 # del \x7F\n"),
            "line 1, column 13: control character U+007F is not allowed in a comment");
  EXPECT_EQ(ParseError("# \xC3 bad\n"),
            "line 1, column 3: invalid UTF-8 byte 0xC3 in a comment; the file must be saved as "
            "UTF-8");
  DW_EXPECT_CONTAINS(ParseError("# comment with a bare CR\r a = 1"),
                  "line 1, column 25: a carriage return (U+000D) must be followed by a line feed");
}

TEST(TomlTest, LineEndings) {
  EXPECT_TOML("a = 1\r\nb = 2\r\n", R"({"a":1,"b":2})");
  EXPECT_TOML("a = 1\nb = 2", R"({"a":1,"b":2})");  // no final newline
  EXPECT_EQ(ParseError("a = 1\rb = 2\n"),
            "line 1, column 6: a carriage return (U+000D) must be followed by a line feed; TOML "
            "line endings are LF or CRLF");
}

TEST(TomlTest, ByteOrderMarkIsSkipped) {
  EXPECT_TOML(
      "\xEF\xBB\xBF"
      "a = 1\n",
      R"({"a":1})");
  // Error positions count from after the BOM.
  DW_EXPECT_STARTS_WITH(ParseError("\xEF\xBB\xBF"
                                "a = ?\n"),
                     "line 1, column 5:");
  // Only at the very start.
  DW_EXPECT_CONTAINS(ParseError("a = 1\n\xEF\xBB\xBF"
                             "b = 2\n"),
                  "line 2, column 1: expected a key, got '\xEF\xBB\xBF' (U+FEFF)");
}

TEST(TomlTest, WhitespaceAroundEverything) {
  EXPECT_TOML("  \ta\t=\t1  \n  [ t . u ]  \n\tb = [ 1 , 2 ]\n  [[ arr ]]\n",
              R"({"a":1,"t":{"u":{"b":[1,2]}},"arr":[{}]})");
}

TEST(TomlTest, OneKeyValuePairPerLine) {
  EXPECT_EQ(ParseError("a = 1 b = 2\n"),
            "line 1, column 7: expected the end of the line after the value of a, got 'b'; write "
            "one key = value pair per line, and start comments with #");
  EXPECT_EQ(ParseError("[t] x = 1\n"),
            "line 1, column 5: expected the end of the line after the header [t], got 'x'; put "
            "the table's key/value pairs on the lines after its header");
  DW_EXPECT_CONTAINS(ParseError("s = \"a\" \"b\"\n"),
                  "line 1, column 9: expected the end of the line after the value of s, got '\"'");
}

// ---------------------------------------------------------------------------
// Keys

TEST(TomlTest, BareKeys) {
  EXPECT_TOML("key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\nABC-def_9 = 5\n-_- = 6\n",
              R"({"key":1,"bare_key":2,"bare-key":3,"1234":4,"ABC-def_9":5,"-_-":6})");
  // Bare keys that look like other values are still keys.
  EXPECT_TOML("true = 1\ninf = 2\n2024-01-01 = 3\n", R"({"true":1,"inf":2,"2024-01-01":3})");
}

TEST(TomlTest, QuotedKeys) {
  EXPECT_TOML(
      "\"127.0.0.1\" = 1\n\"character encoding\" = 2\n\"\xCA\x8E\xC7\x9D\xCA\x9E\" = 3\n"
      "'key2' = 4\n'quoted \"value\"' = 5\n\"tab\\there\" = 6\n\"\\u00E9\" = 7\n",
      "{\"127.0.0.1\":1,\"character encoding\":2,\"\xCA\x8E\xC7\x9D\xCA\x9E\":3,\"key2\":4,"
      "\"quoted \\\"value\\\"\":5,\"tab\\there\":6,\"\xC3\xA9\":7}");
  // Empty quoted keys are allowed (but discouraged).
  EXPECT_TOML("\"\" = 1\n", R"({"":1})");
  EXPECT_TOML("'' = 1\n", R"({"":1})");
  // A quoted key and a bare key with the same text are the same key.
  DW_EXPECT_CONTAINS(ParseError("spelling = 1\n\"spelling\" = 2\n"),
                  "line 2, column 1: duplicate key spelling");
}

TEST(TomlTest, DottedKeys) {
  EXPECT_TOML(
      "name = \"Orange\"\nphysical.color = \"orange\"\nphysical.shape = \"round\"\n"
      "site.\"google.com\" = true\n",
      R"({"name":"Orange","physical":{"color":"orange","shape":"round"},)"
      R"("site":{"google.com":true}})");
  // Whitespace around dots is ignored.
  EXPECT_TOML("fruit . color = 1\nfruit\t.\tflavor = 2\n", R"({"fruit":{"color":1,"flavor":2}})");
  // A float-looking bare key is two keys.
  EXPECT_TOML("3.14159 = \"pi\"\n", R"({"3":{"14159":"pi"}})");
  // Dotted keys may be written out of order.
  EXPECT_TOML("apple.type = \"fruit\"\norange.type = \"fruit\"\napple.skin = \"thin\"\n",
              R"({"apple":{"type":"fruit","skin":"thin"},"orange":{"type":"fruit"}})");
  // Inside a table section, dotted keys are relative to it.
  EXPECT_TOML("[dog.\"tater.man\"]\ntype.name = \"pug\"\n",
              R"({"dog":{"tater.man":{"type":{"name":"pug"}}}})");
}

TEST(TomlTest, KeyErrors) {
  EXPECT_EQ(ParseError("= \"no key\"\n"), "line 1, column 1: expected a key, got '='");
  EXPECT_EQ(ParseError("a. = 1\n"), "line 1, column 4: expected a key after '.', got '='");
  EXPECT_EQ(ParseError(".a = 1\n"), "line 1, column 1: expected a key, got '.a'");
  EXPECT_EQ(ParseError("a..b = 1\n"), "line 1, column 3: expected a key after '.', got '.b'");
  EXPECT_EQ(ParseError("key\n"),
            "line 1, column 4: expected '=' after the key key, got end of line; each line must be "
            "a key = value pair, a [table] header or a comment");
  EXPECT_EQ(ParseError("my key = 1\n"),
            "line 1, column 4: expected '=' after the key my, got 'key'; bare keys may contain "
            "only ASCII letters, digits, '_' and '-', so quote other keys, e.g. \"my key\" = 1");
  EXPECT_EQ(ParseError("name: \"x\"\n"),
            "line 1, column 5: expected '=' after the key name, got ':'; TOML separates keys "
            "from values with '=', not ':'");
  EXPECT_EQ(ParseError("caf\xC3\xA9 = 1\n"),
            "line 1, column 4: expected '=' after the key caf, got '\xC3\xA9' (U+00E9); bare keys "
            "may contain only ASCII letters, digits, '_' and '-', so quote other keys, e.g. "
            "\"my key\" = 1");
  EXPECT_EQ(ParseError("$x = 1\n"),
            "line 1, column 1: expected a key, got '$'; bare keys may contain only ASCII letters, "
            "digits, '_' and '-', so quote other keys, e.g. \"my key\"");
  EXPECT_EQ(ParseError("\"\"\"key\"\"\" = 1\n"),
            "line 1, column 1: a key cannot be a multi-line string; quote it on one line, e.g. "
            "\"my key\"");
  DW_EXPECT_CONTAINS(ParseError("'''key''' = 1\n"), "a key cannot be a multi-line string");
  EXPECT_EQ(ParseError("key =\n"),
            "line 1, column 6: expected a value after '=' for the key key, got end of line; the "
            "value must start on the same line as its key");
  DW_EXPECT_CONTAINS(ParseError("key = # no value\n"),
                  "line 1, column 7: expected a value after '=' for the key key, got '#'");
  DW_EXPECT_CONTAINS(ParseError("\"unterminated = 1\n"),
                  "line 1, column 18: unterminated string: line break before the closing '\"'");
}

// ---------------------------------------------------------------------------
// Strings

TEST(TomlTest, BasicStrings) {
  EXPECT_EQ(String(R"("I'm a string.")"), "I'm a string.");
  EXPECT_EQ(String(R"("")"), "");
  EXPECT_EQ(String(R"("\b\t\n\f\r\"\\")"), "\b\t\n\f\r\"\\");
  EXPECT_EQ(String(R"("\u00E9 \u00e9 \U0001F600 \u0000 \U0010FFFF")"),
            std::string("\xC3\xA9 \xC3\xA9 \xF0\x9F\x98\x80 ") + std::string(1, '\0') +
                " \xF4\x8F\xBF\xBF");
  EXPECT_EQ(String("\"tab\tinside\""), "tab\tinside");  // a literal tab is allowed
  EXPECT_EQ(String("\"caf\xC3\xA9\""), "caf\xC3\xA9");
  EXPECT_EQ(String(R"("# not a comment")"), "# not a comment");
}

TEST(TomlTest, BasicStringErrors) {
  EXPECT_EQ(ParseError(R"(p = "C:\Temp")"),
            "line 1, column 8: invalid escape sequence: backslash followed by 'T'; valid "
            "escapes are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX and \\UXXXXXXXX. To keep "
            "backslashes as written (paths, regular expressions), use a 'literal string' in "
            "single quotes");
  DW_EXPECT_CONTAINS(ParseError(R"(s = "\/")"), "invalid escape sequence: backslash followed by '/'");
  DW_EXPECT_CONTAINS(ParseError(R"(s = "a\ b")"),
                  "line 1, column 7: invalid escape sequence: backslash followed by ' '");
  EXPECT_EQ(ParseError(R"(s = "\x41")"),
            "line 1, column 6: \\xHH escapes are not part of TOML 1.0; write \\u00HH instead");
  EXPECT_EQ(ParseError(R"(s = "\e")"),
            "line 1, column 6: \\e is not an escape in TOML 1.0; write \\u001B");
  EXPECT_EQ(ParseError(R"(s = "\u12")"),
            "line 1, column 6: \\u must be followed by exactly 4 hex digits, e.g. \\u00E9; to "
            "keep backslashes as written (as in Windows paths), use a 'literal string' in single "
            "quotes");
  DW_EXPECT_CONTAINS(ParseError(R"(p = "C:\Users")"),
                  "line 1, column 8: \\U must be followed by exactly 8 hex digits");
  DW_EXPECT_CONTAINS(ParseError(R"(s = "\U0001F60")"),
                  "line 1, column 6: \\U must be followed by exactly 8 hex digits, e.g. "
                  "\\U0001F600;");
  EXPECT_EQ(ParseError(R"(s = "\uD83D\uDE00")"),
            "line 1, column 6: \\uD83D is not a Unicode scalar value (surrogates D800-DFFF and "
            "values above 10FFFF have no encoding); write the character's code point, e.g. "
            "\\U0001F600 instead of a surrogate pair");
  DW_EXPECT_CONTAINS(ParseError(R"(s = "\U00110000")"),
                  "line 1, column 6: \\U00110000 is not a Unicode scalar value");
  EXPECT_EQ(ParseError("s = \"bell \x07\"\n"),
            "line 1, column 11: control character U+0007 must be escaped in a string, e.g. as "
            "\\u0007");
  DW_EXPECT_CONTAINS(ParseError("s = \"del \x7F\"\n"), "control character U+007F must be escaped");
  EXPECT_EQ(ParseError("s = \"two\nlines\"\n"),
            "line 1, column 9: unterminated string: line break before the closing '\"'; write \\n "
            "for a line break, or use a multi-line \"\"\"string\"\"\"");
  EXPECT_EQ(ParseError("s = \"open"),
            "line 1, column 5: unterminated string; add the closing '\"'");
  EXPECT_EQ(ParseError("s = \"bad \xFF utf8\"\n"),
            "line 1, column 10: invalid UTF-8 byte 0xFF in a string; the file must be saved as "
            "UTF-8");
  DW_EXPECT_CONTAINS(ParseError("s = \"a\\\nb\"\n"),
                  "line 1, column 7: a backslash cannot end a line inside a single-line string");
}

TEST(TomlTest, MultilineBasicStrings) {
  // A newline right after the opening delimiter is trimmed; others are kept.
  EXPECT_EQ(String("\"\"\"\nRoses are red\nViolets are blue\"\"\""),
            "Roses are red\nViolets are blue");
  EXPECT_EQ(String("\"\"\"\n\nx\n\"\"\""), "\nx\n");
  EXPECT_EQ(String("\"\"\"one line\"\"\""), "one line");
  EXPECT_EQ(String("\"\"\"\"\"\""), "");
  // CRLF becomes LF, including the trimmed first newline.
  EXPECT_EQ(String("\"\"\"\r\na\r\nb\"\"\""), "a\nb");
  // A line-ending backslash trims the newline and all following whitespace,
  // across blank lines; whitespace before the newline is allowed.
  EXPECT_EQ(String("\"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\""),
            "The quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(String("\"\"\"\\\n       The quick brown \\  \t\n       fox.\\\r\n       \"\"\""),
            "The quick brown fox.");
  // Escapes work; an escaped backslash before a newline is not a line ending backslash.
  EXPECT_EQ(String("\"\"\"a\\\\\nb\\tc\\u00E9\\\"\"\"\"\"\""), "a\\\nb\tc\xC3\xA9\"\"\"");
  // One or two quotes anywhere, including right before the closing three.
  EXPECT_EQ(String(R"("""Here are two quotation marks: "". Simple enough.""")"),
            "Here are two quotation marks: \"\". Simple enough.");
  EXPECT_EQ(String(R"("""Here are three quotation marks: ""\".""")"),
            "Here are three quotation marks: \"\"\".");
  EXPECT_EQ(String(R"(""""This," she said, "is just a pointless statement."""")"),
            "\"This,\" she said, \"is just a pointless statement.\"");
  EXPECT_EQ(String(R"("""ends with two quotes""""")"), "ends with two quotes\"\"");
  // Tabs are allowed literally.
  EXPECT_EQ(String("\"\"\"a\tb\"\"\""), "a\tb");
}

TEST(TomlTest, MultilineBasicStringErrors) {
  EXPECT_EQ(ParseError("s = \"\"\"abc\n"),
            "line 1, column 5: unterminated multi-line string; add the closing \"\"\"");
  EXPECT_EQ(ParseError(R"(s = """Here are three quotation marks: """.""")"),
            "line 1, column 43: expected the end of the line after the value of s, got '.'; write "
            "one key = value pair per line, and start comments with #");
  EXPECT_EQ(
      ParseError(R"(s = """six quotes: """""")"),
      "line 1, column 25: too many \" characters: a multi-line string can contain at most two "
      "in a row, even just before the closing \"\"\"; escape the others as \\\"");
  // Backslash + space not followed by a line break is not an escape.
  DW_EXPECT_CONTAINS(ParseError("s = \"\"\"a\\ b\"\"\"\n"),
                  "line 1, column 9: invalid escape sequence: backslash followed by ' '");
  DW_EXPECT_CONTAINS(ParseError("s = \"\"\"a \x01\"\"\"\n"),
                  "line 1, column 10: control character U+0001 must be escaped");
  DW_EXPECT_CONTAINS(ParseError("s = \"\"\"a\rb\"\"\"\n"),
                  "line 1, column 9: a carriage return (U+000D) must be followed by a line feed");
}

TEST(TomlTest, LiteralStrings) {
  EXPECT_EQ(String(R"('C:\Users\nodejs\templates')"), R"(C:\Users\nodejs\templates)");
  EXPECT_EQ(String(R"('\\ServerX\admin$\system32\')"), R"(\\ServerX\admin$\system32\)");
  EXPECT_EQ(String(R"('Tom "Dubs" Preston-Werner')"), R"(Tom "Dubs" Preston-Werner)");
  EXPECT_EQ(String(R"('<\i\c*\s*>')"), R"(<\i\c*\s*>)");
  EXPECT_EQ(String("''"), "");
  EXPECT_EQ(String("'tab\there \xC3\xA9'"), "tab\there \xC3\xA9");
}

TEST(TomlTest, LiteralStringErrors) {
  EXPECT_EQ(ParseError("s = 'open\n"),
            "line 1, column 10: unterminated literal string: line break before the closing \"'\"; "
            "use a multi-line '''literal string''' to span lines");
  EXPECT_EQ(ParseError("s = 'open"),
            "line 1, column 5: unterminated literal string; add the closing \"'\"");
  EXPECT_EQ(ParseError("s = 'a\x01'\n"),
            "line 1, column 7: control character U+0001 is not allowed in a literal string; use a "
            "\"basic string\" with the escape \\u0001");
  DW_EXPECT_CONTAINS(ParseError("s = 'it's'\n"),
                  "line 1, column 9: expected the end of the line after the value of s, got 's'");
}

TEST(TomlTest, MultilineLiteralStrings) {
  EXPECT_EQ(String("'''I [dw]on't need \\d{2} apples'''"), "I [dw]on't need \\d{2} apples");
  EXPECT_EQ(String("'''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n"
                   "   is preserved.\n'''"),
            "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n"
            "   is preserved.\n");
  EXPECT_EQ(String("'''\r\nno \\ escapes \\n\r\n'''"), "no \\ escapes \\n\n");
  EXPECT_EQ(String("'''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''"),
            "Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
  EXPECT_EQ(String("''''That,' she said, 'is still pointless.''''"),
            "'That,' she said, 'is still pointless.'");
  EXPECT_EQ(String("'''two at the end'''''"), "two at the end''");
  // A backslash at the end of a line is kept, with the line break.
  EXPECT_EQ(String("'''a \\\nb'''"), "a \\\nb");
}

TEST(TomlTest, MultilineLiteralStringErrors) {
  EXPECT_EQ(ParseError("s = '''abc"),
            "line 1, column 5: unterminated multi-line literal string; add the closing '''");
  EXPECT_EQ(ParseError("apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''\n"),
            "line 1, column 48: too many ' characters: a multi-line string can contain at most two "
            "in a row, even just before the closing '''; write the value as a multi-line basic "
            "\"\"\"string\"\"\" instead, where ' needs no escaping");
  DW_EXPECT_CONTAINS(ParseError("s = '''a\x7F'''\n"),
                  "line 1, column 9: control character U+007F is not allowed in a literal string");
}

// ---------------------------------------------------------------------------
// Integers

TEST(TomlTest, DecimalIntegers) {
  EXPECT_EQ(Number("+99"), 99);
  EXPECT_EQ(Number("42"), 42);
  EXPECT_EQ(Number("0"), 0);
  EXPECT_EQ(Number("-17"), -17);
  EXPECT_EQ(Number("1_000"), 1000);
  EXPECT_EQ(Number("5_349_221"), 5349221);
  EXPECT_EQ(Number("53_49_221"), 5349221);
  EXPECT_EQ(Number("1_2_3_4_5"), 12345);
  // Integers have no negative zero.
  EXPECT_FALSE(std::signbit(Number("-0")));
  EXPECT_FALSE(std::signbit(Number("+0")));
  EXPECT_EQ(Number("9223372036854775807"), 9223372036854775807.0);
  EXPECT_EQ(Number("-9223372036854775808"), -9223372036854775808.0);
}

TEST(TomlTest, LargeIntegersLosePrecisionAsDoubles) {
  // Documented: numbers are doubles, so integers beyond 2^53 round.
  EXPECT_EQ(Number("9007199254740992"), 9007199254740992.0);
  EXPECT_EQ(Number("9007199254740993"), 9007199254740992.0);
}

TEST(TomlTest, HexOctalBinaryIntegers) {
  EXPECT_EQ(Number("0xDEADBEEF"), 0xDEADBEEF);
  EXPECT_EQ(Number("0xdeadbeef"), 0xDEADBEEF);
  EXPECT_EQ(Number("0xdead_beef"), 0xDEADBEEF);
  EXPECT_EQ(Number("0x00ff"), 255);
  EXPECT_EQ(Number("0o01234567"), 01234567);
  EXPECT_EQ(Number("0o755"), 0755);
  EXPECT_EQ(Number("0b11010110"), 0xD6);
  EXPECT_EQ(Number("0b1_0"), 2);
  EXPECT_EQ(Number("0x0"), 0);
  EXPECT_EQ(Number("0x7FFFFFFFFFFFFFFF"), 9223372036854775807.0);
  EXPECT_EQ(Number("0o777777777777777777777"), 9223372036854775807.0);
}

TEST(TomlTest, IntegerErrors) {
  EXPECT_EQ(ParseError("n = 9223372036854775808\n"),
            "line 1, column 5: integer 9223372036854775808 is out of range; TOML integers must "
            "fit in 64 bits (-9223372036854775808 to 9223372036854775807); use a string or a "
            "float for larger values");
  DW_EXPECT_CONTAINS(ParseError("n = -9223372036854775809\n"),
                  "integer -9223372036854775809 is out of range");
  DW_EXPECT_CONTAINS(ParseError("n = 99999999999999999999999\n"), "is out of range");
  EXPECT_EQ(ParseError("n = 0x8000000000000000\n"),
            "line 1, column 5: integer 0x8000000000000000 is too large; TOML integers must fit in "
            "64 bits (at most 0x7FFFFFFFFFFFFFFF); use a string or a float for larger values");
  EXPECT_EQ(ParseError("n = 0755\n"),
            "line 1, column 5: leading zeros are not allowed in 0755; write the number without "
            "them (for octal, use the 0o prefix, e.g. 0o755)");
  DW_EXPECT_CONTAINS(ParseError("n = -01\n"), "line 1, column 6: leading zeros are not allowed");
  DW_EXPECT_CONTAINS(ParseError("n = 0_1\n"), "leading zeros are not allowed");
  EXPECT_EQ(ParseError("n = 1__000\n"),
            "line 1, column 6: an underscore in a number must be between two digits, in 1__000");
  DW_EXPECT_CONTAINS(ParseError("n = 1000_\n"), "line 1, column 9: an underscore in a number");
  DW_EXPECT_CONTAINS(ParseError("n = _1000\n"),
                  "line 1, column 5: expected a value, got '_1000'; strings must be quoted");
  DW_EXPECT_CONTAINS(ParseError("n = 0x_1\n"), "expected hexadecimal digits after 0x, got '_1'");
  DW_EXPECT_CONTAINS(ParseError("n = 0x1_\n"), "an underscore in a number must be between two digits");
  EXPECT_EQ(ParseError("n = -0x1\n"),
            "line 1, column 5: hexadecimal integers cannot have a sign; write a negative number in "
            "decimal instead, or drop the sign");
  DW_EXPECT_CONTAINS(ParseError("n = +0o7\n"), "octal integers cannot have a sign");
  DW_EXPECT_CONTAINS(ParseError("n = +0b1\n"), "binary integers cannot have a sign");
  EXPECT_EQ(ParseError("n = 0o8\n"), "line 1, column 7: expected octal digits after 0o, got '8'");
  EXPECT_EQ(ParseError("n = 0b102\n"),
            "line 1, column 9: '2' is not a valid binary digit in 0b102");
  EXPECT_EQ(ParseError("n = 0xABG\n"),
            "line 1, column 9: 'G' is not a valid hexadecimal digit in 0xABG");
  DW_EXPECT_CONTAINS(ParseError("n = 0X1F\n"),
                  "line 1, column 6: unexpected 'X1F' in the number 0X1F");
  DW_EXPECT_CONTAINS(ParseError("n = 0x\n"), "expected hexadecimal digits after 0x, got end of line");
  DW_EXPECT_CONTAINS(ParseError("n = ++1\n"), "expected a digit after the sign, got '+1'");
  DW_EXPECT_CONTAINS(ParseError("n = 1 2\n"), "expected the end of the line after the value of n");
  EXPECT_EQ(ParseError("n = 12ab\n"), "line 1, column 7: unexpected 'ab' in the number 12ab");
}

// ---------------------------------------------------------------------------
// Floats

TEST(TomlTest, Floats) {
  EXPECT_EQ(Number("+1.0"), 1.0);
  EXPECT_EQ(Number("3.1415"), 3.1415);
  EXPECT_EQ(Number("-0.01"), -0.01);
  EXPECT_EQ(Number("5e+22"), 5e22);
  EXPECT_EQ(Number("1e06"), 1e6);
  EXPECT_EQ(Number("-2E-2"), -2e-2);
  EXPECT_EQ(Number("6.626e-34"), 6.626e-34);
  EXPECT_EQ(Number("224_617.445_991_228"), 224617.445991228);
  EXPECT_EQ(Number("1e1_0"), 1e10);
  EXPECT_EQ(Number("0.0"), 0.0);
  EXPECT_TRUE(std::signbit(Number("-0.0")));
  EXPECT_FALSE(std::signbit(Number("+0.0")));
  EXPECT_EQ(Number("0e0"), 0.0);
  EXPECT_EQ(Number("1.7976931348623157e308"), 1.7976931348623157e308);
  EXPECT_EQ(Number("5e-324"), 5e-324);
  // Underflow rounds to zero, keeping the sign.
  EXPECT_EQ(Number("1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(Number("-1e-400")));
}

TEST(TomlTest, SpecialFloats) {
  EXPECT_EQ(Number("inf"), INFINITY);
  EXPECT_EQ(Number("+inf"), INFINITY);
  EXPECT_EQ(Number("-inf"), -INFINITY);
  EXPECT_TRUE(std::isnan(Number("nan")));
  EXPECT_TRUE(std::isnan(Number("+nan")));
  EXPECT_TRUE(std::isnan(Number("-nan")));
  const json::Value a = Value("[inf, -inf, nan]");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.as_array()[0].as_number(), INFINITY);
  EXPECT_EQ(a.as_array()[1].as_number(), -INFINITY);
  EXPECT_TRUE(std::isnan(a.as_array()[2].as_number()));
  // JSON has no such numbers; they serialize as null.
  EXPECT_EQ(json::Serialize(a), "[null,null,null]");
}

TEST(TomlTest, FloatErrors) {
  EXPECT_EQ(ParseError("f = .7\n"),
            "line 1, column 5: expected a value, got '.7'; a float needs a digit before the '.', "
            "e.g. 0.5");
  EXPECT_EQ(ParseError("f = 7.\n"),
            "line 1, column 7: expected a digit after the decimal point in 7., e.g. 1.0");
  DW_EXPECT_CONTAINS(ParseError("f = 3.e+20\n"), "expected a digit after the decimal point in 3.e+20");
  EXPECT_EQ(ParseError("f = 1e\n"), "line 1, column 7: expected a digit in the exponent of 1e");
  DW_EXPECT_CONTAINS(ParseError("f = 1e+\n"), "expected a digit in the exponent of 1e+");
  DW_EXPECT_CONTAINS(ParseError("f = 1.2.3\n"), "unexpected '.3' in the number 1.2.3");
  DW_EXPECT_CONTAINS(ParseError("f = 1_.5\n"), "an underscore in a number must be between two digits");
  DW_EXPECT_CONTAINS(ParseError("f = 1._5\n"), "expected a digit after the decimal point");
  DW_EXPECT_CONTAINS(ParseError("f = 03.14\n"), "leading zeros are not allowed in 03.14");
  DW_EXPECT_CONTAINS(ParseError("f = -.5\n"),
                  "expected a digit after the sign, got '.5'; a float needs a digit before the");
  EXPECT_EQ(ParseError("f = 1e400\n"),
            "line 1, column 5: float 1e400 is too large for a 64-bit float (the largest is about "
            "1.8e308); use inf if that is what you mean");
  EXPECT_EQ(ParseError("f = Inf\n"),
            "line 1, column 5: expected a value, got 'Inf'; write inf in "
            "lowercase");
  EXPECT_EQ(ParseError("f = NaN\n"),
            "line 1, column 5: expected a value, got 'NaN'; write nan in "
            "lowercase");
  DW_EXPECT_CONTAINS(ParseError("f = infinity\n"), "got 'infinity'; write inf in lowercase");
  DW_EXPECT_CONTAINS(ParseError("f = -infx\n"), "expected a digit after the sign, got 'infx'");
}

// ---------------------------------------------------------------------------
// Booleans

TEST(TomlTest, Booleans) {
  EXPECT_TOML("t = true\nf = false\n", R"({"t":true,"f":false})");
  EXPECT_EQ(ParseError("b = True\n"),
            "line 1, column 5: expected a value, got 'True'; booleans are lowercase: write true");
  DW_EXPECT_CONTAINS(ParseError("b = FALSE\n"), "booleans are lowercase: write false");
  EXPECT_EQ(ParseError("b = truthy\n"),
            "line 1, column 5: expected a value, got 'truthy'; strings must be quoted, e.g. "
            "\"truthy\"");
  EXPECT_EQ(ParseError("b = yes\n"),
            "line 1, column 5: expected a value, got 'yes'; strings must be quoted, e.g. \"yes\"");
}

// ---------------------------------------------------------------------------
// Dates and times (kept as their text)

TEST(TomlTest, OffsetDateTimes) {
  EXPECT_EQ(String("1979-05-27T07:32:00Z"), "1979-05-27T07:32:00Z");
  EXPECT_EQ(String("1979-05-27T00:32:00-07:00"), "1979-05-27T00:32:00-07:00");
  EXPECT_EQ(String("1979-05-27T00:32:00.999999-07:00"), "1979-05-27T00:32:00.999999-07:00");
  EXPECT_EQ(String("1979-05-27T00:32:00.123456789+14:00"), "1979-05-27T00:32:00.123456789+14:00");
  // A space (or lowercase t) may separate date and time; z may be lowercase.
  EXPECT_EQ(String("1979-05-27 07:32:00Z"), "1979-05-27 07:32:00Z");
  EXPECT_EQ(String("1979-05-27t07:32:00z"), "1979-05-27t07:32:00z");
}

TEST(TomlTest, LocalDateTimesDatesAndTimes) {
  EXPECT_EQ(String("1979-05-27T07:32:00"), "1979-05-27T07:32:00");
  EXPECT_EQ(String("1979-05-27T00:32:00.999999"), "1979-05-27T00:32:00.999999");
  EXPECT_EQ(String("1979-05-27 07:32:00"), "1979-05-27 07:32:00");
  EXPECT_EQ(String("1979-05-27"), "1979-05-27");
  EXPECT_EQ(String("07:32:00"), "07:32:00");
  EXPECT_EQ(String("00:32:00.999999"), "00:32:00.999999");
  EXPECT_EQ(String("2024-02-29"), "2024-02-29");  // leap year
  EXPECT_EQ(String("2000-02-29"), "2000-02-29");
  EXPECT_EQ(String("0000-01-01"), "0000-01-01");
  EXPECT_EQ(String("1990-12-31T23:59:60Z"), "1990-12-31T23:59:60Z");  // leap second
  // A date followed by a comment or by a space that does not start a time.
  EXPECT_TOML("d = 2024-01-01 # comment\n", R"({"d":"2024-01-01"})");
  EXPECT_TOML("a = [2024-01-01, 07:32:00, 1979-05-27 07:32:00Z]\n",
              R"({"a":["2024-01-01","07:32:00","1979-05-27 07:32:00Z"]})");
  EXPECT_TOML("t = {d = 2024-01-01}\n", R"({"t":{"d":"2024-01-01"}})");
}

TEST(TomlTest, DateTimeErrors) {
  EXPECT_EQ(ParseError("d = 2024-13-01\n"),
            "line 1, column 5: invalid date 2024-13-01: the month must be 01 to 12");
  EXPECT_EQ(ParseError("d = 2024-00-10\n"),
            "line 1, column 5: invalid date 2024-00-10: the month must be 01 to 12");
  EXPECT_EQ(ParseError("d = 2023-02-29\n"),
            "line 1, column 5: invalid date 2023-02-29: that month has days 01 to 28");
  DW_EXPECT_CONTAINS(ParseError("d = 1900-02-29\n"), "that month has days 01 to 28");
  DW_EXPECT_CONTAINS(ParseError("d = 2024-04-31\n"), "that month has days 01 to 30");
  DW_EXPECT_CONTAINS(ParseError("d = 2024-01-00\n"), "that month has days 01 to 31");
  EXPECT_EQ(ParseError("d = 2024-1-01\n"),
            "line 1, column 10: expected a two-digit month in the date, got '1-01'; dates are "
            "written YYYY-MM-DD, e.g. 2024-01-05");
  DW_EXPECT_CONTAINS(ParseError("d = 2024-01-1\n"), "expected a two-digit day in the date, got '1'");
  DW_EXPECT_CONTAINS(ParseError("d = 2024-01\n"), "expected '-' after the month in the date");
  DW_EXPECT_CONTAINS(ParseError("d = 24-01-01\n"),
                  "unexpected '-01-01' in the number 24-01-01; dates are written YYYY-MM-DD");
  EXPECT_EQ(ParseError("d = 2024-01-01T24:00:00\n"),
            "line 1, column 16: invalid time 24:00:00: the hour must be 00 to 23");
  DW_EXPECT_CONTAINS(ParseError("t = 10:60:00\n"),
                  "invalid time 10:60:00: the minutes must be 00 to 59");
  DW_EXPECT_CONTAINS(ParseError("t = 10:00:61\n"),
                  "the seconds must be 00 to 59 (or 60 for a leap second)");
  EXPECT_EQ(ParseError("t = 07:32\n"),
            "line 1, column 10: expected ':' and seconds after the minutes, got end of line; TOML "
            "1.0 times need seconds: write HH:MM:SS, e.g. 07:32:00");
  DW_EXPECT_CONTAINS(ParseError("d = 1979-05-27T07:32Z\n"), "TOML 1.0 times need seconds");
  DW_EXPECT_CONTAINS(ParseError("t = 07:32:00.\n"), "expected a digit after the '.' in the seconds");
  DW_EXPECT_CONTAINS(ParseError("d = 1979-05-27T\n"), "expected a two-digit hour, got end of line");
  EXPECT_EQ(ParseError("t = 07:32:00Z\n"),
            "line 1, column 13: a time without a date cannot have a UTC offset; write a full "
            "date-time such as 1979-05-27T07:32:00Z, or remove the offset");
  EXPECT_EQ(ParseError("d = 1979-05-27T07:32:00+7:00\n"),
            "line 1, column 25: invalid UTC offset: expected +HH:MM or -HH:MM, got '7'; write Z, "
            "or an offset such as -07:00");
  DW_EXPECT_CONTAINS(ParseError("d = 1979-05-27T07:32:00+24:00\n"),
                  "line 1, column 24: invalid UTC offset +24:00: hours must be 00 to 23");
  DW_EXPECT_CONTAINS(ParseError("d = 1979-05-27T07:32:00+07:60\n"), "minutes 00 to 59");
  EXPECT_EQ(ParseError("d = 1979-05-27T07:32:00Zulu\n"),
            "line 1, column 25: unexpected 'ulu' after the value 1979-05-27T07:32:00Z");
  DW_EXPECT_CONTAINS(ParseError("d = 1979-05-27 07\n"),
                  "expected the end of the line after the value of d, got '07'");
}

// ---------------------------------------------------------------------------
// Arrays

TEST(TomlTest, Arrays) {
  EXPECT_TOML(
      "integers = [ 1, 2, 3 ]\ncolors = [ \"red\", \"yellow\", \"green\" ]\n"
      "nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n"
      "nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
      "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]\n",
      R"({"integers":[1,2,3],"colors":["red","yellow","green"],)"
      R"("nested_arrays_of_ints":[[1,2],[3,4,5]],)"
      R"("nested_mixed_array":[[1,2],["a","b","c"]],)"
      R"("string_array":["all","strings","are the same","type"]})");
  // Mixed types are allowed in TOML 1.0.
  EXPECT_TOML(
      "numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n"
      "contributors = [\n  \"Foo Bar <foo@example.com>\",\n"
      "  { name = \"Baz Qux\", email = \"bazqux@example.com\", url = "
      "\"https://example.com/bazqux\" }\n]\n"
      "mixed = [1, \"a\", true, 1.5, [], {}, 2024-01-01]\n",
      R"({"numbers":[0.1,0.2,0.5,1,2,5],"contributors":["Foo Bar <foo@example.com>",)"
      R"({"name":"Baz Qux","email":"bazqux@example.com","url":"https://example.com/bazqux"}],)"
      R"("mixed":[1,"a",true,1.5,[],{},"2024-01-01"]})");
  EXPECT_TOML("empty = []\nspaced = [ ]\nlines = [\n]\n", R"({"empty":[],"spaced":[],"lines":[]})");
  // Multi-line, comments, CRLF and a trailing comma.
  EXPECT_TOML("a = [\n  1, # one\r\n  2,\n\n  # a comment line\n  3,\n]\n", R"({"a":[1,2,3]})");
  EXPECT_TOML("a = [1,2,]\n", R"({"a":[1,2]})");
  EXPECT_TOML("a = [\n  [\n    1\n  ]\n  ,\n  2\n]\n", R"({"a":[[1],2]})");
}

TEST(TomlTest, ArrayErrors) {
  EXPECT_EQ(ParseError("a = [,]\n"),
            "line 1, column 6: expected a value or ']' after '[', got ','");
  EXPECT_EQ(ParseError("a = [1,,2]\n"),
            "line 1, column 8: expected a value or ']' after ',', got ','");
  EXPECT_EQ(ParseError("a = [1 2]\n"),
            "line 1, column 8: expected ',' or ']' after an array element, got '2'");
  EXPECT_EQ(ParseError("a = [1, 2\nb = 3\n"),
            "line 2, column 1: expected ',' or ']' after an array element, got 'b'");
  EXPECT_EQ(ParseError("a = [1, 2"), "line 1, column 5: unterminated array; add the closing ']'");
  EXPECT_EQ(ParseError("a = [1, # c\n"),
            "line 1, column 5: unterminated array; add the closing ']'");
  EXPECT_EQ(ParseError("a = [red]\n"),
            "line 1, column 6: expected a value, got 'red'; strings must be quoted, e.g. \"red\"");
  DW_EXPECT_CONTAINS(ParseError("a = [1] 2\n"), "expected the end of the line after the value of a");
}

// ---------------------------------------------------------------------------
// Inline tables

TEST(TomlTest, InlineTables) {
  EXPECT_TOML(
      "name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
      "point = { x = 1, y = 2 }\nanimal = { type.name = \"pug\" }\n",
      R"({"name":{"first":"Tom","last":"Preston-Werner"},"point":{"x":1,"y":2},)"
      R"("animal":{"type":{"name":"pug"}}})");
  EXPECT_TOML("empty = {}\nspaced = {  }\n", R"({"empty":{},"spaced":{}})");
  EXPECT_TOML("t = {a = {b = {c = 1}}, d.e = [1, {f = 2}], \"q k\" = 'x'}\n",
              R"({"t":{"a":{"b":{"c":1}},"d":{"e":[1,{"f":2}]},"q k":"x"}})");
  EXPECT_TOML("t = {a.b = 1, a.c = 2}\n", R"({"t":{"a":{"b":1,"c":2}}})");
  // Values inside may span lines when the value allows it.
  EXPECT_TOML("t = {a = [\n  1,\n  2,\n], s = \"\"\"x\ny\"\"\"}\n",
              R"({"t":{"a":[1,2],"s":"x\ny"}})");
  // An inline table can be an element of an array of tables' table.
  EXPECT_TOML("[[points]]\np = {x = 1}\n[[points]]\np = {x = 2}\n",
              R"({"points":[{"p":{"x":1}},{"p":{"x":2}}]})");
}

TEST(TomlTest, InlineTableErrors) {
  EXPECT_EQ(ParseError("t = {a = 1,\n b = 2}\n"),
            "line 1, column 12: inline tables must be on one line in TOML 1.0 (line breaks are "
            "allowed only inside values such as arrays); close it with '}' on this line, or use "
            "a [table] section instead");
  DW_EXPECT_CONTAINS(ParseError("t = {\n}\n"), "line 1, column 6: inline tables must be on one line");
  EXPECT_EQ(ParseError("t = {a = 1,}\n"),
            "line 1, column 12: trailing comma before '}' is not allowed in an inline table; "
            "remove it");
  EXPECT_EQ(ParseError("t = {a = 1 # c\n}\n"),
            "line 1, column 12: comments are not allowed inside an inline table");
  EXPECT_EQ(ParseError("t = {a = 1 b = 2}\n"),
            "line 1, column 12: expected ',' or '}' after an inline table entry, got 'b'");
  EXPECT_EQ(ParseError("t = {,}\n"), "line 1, column 6: expected a key, got ','");
  EXPECT_EQ(ParseError("t = {a = 1,, b = 2}\n"), "line 1, column 12: expected a key, got ','");
  EXPECT_EQ(ParseError("t = {a = 1"),
            "line 1, column 5: unterminated inline table; add the closing '}'");
  DW_EXPECT_CONTAINS(ParseError("t = {a}\n"), "expected '=' after the key a, got '}'");
  EXPECT_EQ(ParseError("t = {a = 1, a = 2}\n"),
            "line 1, column 13: duplicate key t.a: it was already set at line 1; a key can be set "
            "only once, so remove one of the two");
  EXPECT_EQ(ParseError("t = {a = {b = 1}, a.c = 2}\n"),
            "line 1, column 19: cannot add to t.a: it was written as an inline table at line 1, "
            "and inline tables cannot be extended; put all of its keys inside the { ... }, or "
            "make it a [t.a] section instead");
  DW_EXPECT_CONTAINS(ParseError("t = {a.b = 1, a = 2}\n"),
                  "line 1, column 15: cannot set t.a: it is already a table (line 1)");
  DW_EXPECT_CONTAINS(ParseError("a = [{b = 1, b = 2}]\n"), "duplicate key a[0].b");
}

TEST(TomlTest, InlineTablesAreImmutable) {
  // Neither [headers] nor dotted keys may add to an inline table.
  EXPECT_EQ(ParseError("[product]\ntype = { name = \"Nail\" }\ntype.edible = false\n"),
            "line 3, column 1: cannot add to product.type: it was written as an inline table at "
            "line 2, and inline tables cannot be extended; put all of its keys inside the "
            "{ ... }, or make it a [product.type] section instead");
  DW_EXPECT_CONTAINS(ParseError("a = {b = 1}\n[a]\nc = 2\n"),
                  "line 2, column 1: cannot add to a: it was written as an inline table at line 1");
  DW_EXPECT_CONTAINS(ParseError("a = {b = {}}\n[a.b.c]\n"),
                  "line 2, column 2: cannot add to a: it was written as an inline table");
  DW_EXPECT_CONTAINS(ParseError("a = {}\n[[a]]\n"),
                  "line 2, column 1: cannot add to a: it was written as an inline table");
  DW_EXPECT_CONTAINS(ParseError("a = {}\n[[a.b]]\n"),
                  "line 2, column 3: cannot add to a: it was written as an inline table");
  // Nor may a table defined with dotted keys or a header be replaced by one.
  DW_EXPECT_CONTAINS(ParseError("[product]\ntype.name = \"Nail\"\ntype = { edible = false }\n"),
                  "line 3, column 1: cannot set product.type: it is already a table (line 2)");
}

// ---------------------------------------------------------------------------
// Tables

TEST(TomlTest, Tables) {
  EXPECT_TOML(
      "[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another\"\n"
      "key2 = 456\n",
      R"({"table-1":{"key1":"some string","key2":123},)"
      R"("table-2":{"key1":"another","key2":456}})");
  EXPECT_TOML("[dog.\"tater.man\"]\ntype.name = \"pug\"\n",
              R"({"dog":{"tater.man":{"type":{"name":"pug"}}}})");
  EXPECT_TOML("[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . \"\xCA\x9E\" . 'l' ]\n",
              "{\"a\":{\"b\":{\"c\":{}}},\"d\":{\"e\":{\"f\":{}}},\"g\":{\"h\":{\"i\":{}}},"
              "\"j\":{\"\xCA\x9E\":{\"l\":{}}}}");
  // Root keys come before the first header; an empty table is an empty object.
  EXPECT_TOML("top = 1\n[empty]\n[x]\nk = 2\n", R"({"top":1,"empty":{},"x":{"k":2}})");
  EXPECT_TOML("[\"\"]\nk = 1\n", R"({"":{"k":1}})");
}

TEST(TomlTest, SuperTablesMayBeDefinedAfterSubTables) {
  EXPECT_TOML("[x.y.z.w]\na = 1\n[x]\nb = 2\n", R"({"x":{"y":{"z":{"w":{"a":1}}},"b":2}})");
  EXPECT_TOML("[x.y.z.w]\n[x.y]\nc = 3\n", R"({"x":{"y":{"z":{"w":{}},"c":3}}})");
  // Keys keep the order in which they were first mentioned.
  EXPECT_TOML("[b.x]\n[a]\n[b]\ny = 1\n", R"({"b":{"x":{},"y":1},"a":{}})");
}

TEST(TomlTest, DottedKeysDefineTables) {
  EXPECT_TOML(
      "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n"
      "[fruit.apple.texture]  # you can add sub-tables\nsmooth = true\n",
      R"({"fruit":{"apple":{"color":"red","taste":{"sweet":true},)"
      R"("texture":{"smooth":true}}}})");
  // Implicitly created tables may be extended with dotted keys.
  EXPECT_TOML("[a.b.c]\nx = 1\n[a]\nb.d = 2\n", R"({"a":{"b":{"c":{"x":1},"d":2}}})");
}

TEST(TomlTest, DefineTableTwice) {
  EXPECT_EQ(ParseError("[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"\n"),
            "line 4, column 1: table [fruit] is defined more than once (first at line 1); merge "
            "the two sections into one");
  DW_EXPECT_CONTAINS(ParseError("[a.b]\n[a]\n[a.b]\n"),
                  "line 3, column 1: table [a.b] is defined more than once (first at line 1)");
  DW_EXPECT_CONTAINS(ParseError("[a]\n[\"a\"]\n"), "table [a] is defined more than once");
  DW_EXPECT_CONTAINS(ParseError("[\"\"]\n['']\n"),
                  "line 2, column 1: table [\"\"] is defined more than once");
}

TEST(TomlTest, TableAlreadyDefinedByDottedKeys) {
  EXPECT_EQ(ParseError("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n\n"
                       "[fruit.apple]\n"),
            "line 5, column 1: cannot define table [fruit.apple]: it was already defined by "
            "dotted keys at line 2, and a table can be defined only once; add its keys there "
            "(headers of its sub-tables, like [fruit.apple.name], are allowed)");
  DW_EXPECT_CONTAINS(ParseError("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n"),
                  "line 3, column 1: cannot define table [fruit.apple.taste]: it was already "
                  "defined by dotted keys at line 2");
  DW_EXPECT_CONTAINS(ParseError("a.b = 1\n[a]\n"),
                  "line 2, column 1: cannot define table [a]: it was already defined by dotted");
  // An implicit table that dotted keys extended is now defined by them.
  DW_EXPECT_CONTAINS(ParseError("[a.b.c]\n[a]\nb.d = 1\n[a.b]\n"),
                  "line 4, column 1: cannot define table [a.b]: it was already defined by dotted "
                  "keys at line 3");
}

TEST(TomlTest, DottedKeysCannotAddToTablesDefinedElsewhere) {
  EXPECT_EQ(ParseError("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n"),
            "line 4, column 3: cannot add to table [a.b.c] with a dotted key here: it is defined "
            "by its own [a.b.c] header at line 1, so put the key in that section");
  DW_EXPECT_CONTAINS(ParseError("[[a.b]]\n[a]\nb.c = 1\n"),
                  "line 3, column 1: cannot add to a.b with a dotted key: it is an array of tables "
                  "(line 1); put the key in a [[a.b]] section instead");
}

TEST(TomlTest, KeysAndTablesConflict) {
  EXPECT_EQ(ParseError("name = \"Tom\"\nname = \"Pradyun\"\n"),
            "line 2, column 1: duplicate key name: it was already set at line 1; a key can be set "
            "only once, so remove one of the two");
  DW_EXPECT_CONTAINS(ParseError("[t]\na.b = 1\na.b = 2\n"),
                  "line 3, column 1: duplicate key t.a.b: it was already set at line 2");
  EXPECT_EQ(ParseError("fruit.apple = 1\nfruit.apple.smooth = true\n"),
            "line 2, column 7: cannot use fruit.apple as a table: it is already set to an integer "
            "at line 1");
  EXPECT_EQ(ParseError("[fruit]\ntype = \"apple\"\n[fruit.type]\n"),
            "line 3, column 1: cannot use fruit.type as a table: it is already set to a string at "
            "line 2");
  DW_EXPECT_CONTAINS(ParseError("a = 2024-01-01\n[a.b]\n"),
                  "line 2, column 2: cannot use a as a table: it is already set to a local date at "
                  "line 1");
  DW_EXPECT_CONTAINS(ParseError("a = [1]\n[a.b]\n"), "already set to an array at line 1");
  EXPECT_EQ(ParseError("[a.b]\n[a]\nb = 1\n"),
            "line 3, column 1: cannot set a.b: it is already a table (line 1)");
  DW_EXPECT_CONTAINS(ParseError("[[a]]\n[x]\n[a]\n"),
                  "line 3, column 1: cannot define table [a]: it is already an array of tables");
  EXPECT_EQ(ParseError("[[t.arr]]\n[t]\narr = 1\n"),
            "line 3, column 1: cannot set t.arr: it is already an array of tables (line 1)");
}

TEST(TomlTest, HeaderErrors) {
  EXPECT_EQ(ParseError("[]\n"), "line 1, column 2: expected a key, got ']'");
  EXPECT_EQ(ParseError("[a.]\n"), "line 1, column 4: expected a key after '.', got ']'");
  EXPECT_EQ(ParseError("[a\n"),
            "line 1, column 3: expected ']' to close the table header [a], got end of line");
  EXPECT_EQ(ParseError("[a b]\n"),
            "line 1, column 4: expected ']' to close the table header [a], got 'b'; quote table "
            "names that contain spaces or other characters, e.g. [\"my table\"]");
  EXPECT_EQ(ParseError("[[a]\n"),
            "line 1, column 5: expected ']]' to close the array of tables header [[a]], got end "
            "of line");
  DW_EXPECT_CONTAINS(
      ParseError("[[a] ]\n"),
      "line 1, column 5: expected ']]' to close the array of tables header [[a]], got ' '");
  DW_EXPECT_CONTAINS(ParseError("[a]]\n"),
                  "line 1, column 4: expected the end of the line after the header [a], got ']'");
  EXPECT_EQ(ParseError("[ [a] ]\n"), "line 1, column 3: expected a key, got '['");
  DW_EXPECT_CONTAINS(ParseError("[\"\"\"a\"\"\"]\n"), "a key cannot be a multi-line string");
}

// ---------------------------------------------------------------------------
// Arrays of tables

TEST(TomlTest, ArraysOfTables) {
  EXPECT_TOML(
      "[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]  # empty\n\n"
      "[[products]]\nname = \"Nail\"\nsku = 284758393\ncolor = \"gray\"\n",
      R"({"products":[{"name":"Hammer","sku":738594937},{},)"
      R"({"name":"Nail","sku":284758393,"color":"gray"}]})");
  EXPECT_TOML(
      "[[fruits]]\nname = \"apple\"\n\n[fruits.physical]  # subtable\ncolor = \"red\"\n"
      "shape = \"round\"\n\n[[fruits.varieties]]  # nested array of tables\n"
      "name = \"red delicious\"\n\n[[fruits.varieties]]\nname = \"granny smith\"\n\n\n"
      "[[fruits]]\nname = \"banana\"\n\n[[fruits.varieties]]\nname = \"plantain\"\n",
      R"({"fruits":[{"name":"apple","physical":{"color":"red","shape":"round"},)"
      R"("varieties":[{"name":"red delicious"},{"name":"granny smith"}]},)"
      R"({"name":"banana","varieties":[{"name":"plantain"}]}]})");
  // Sub-tables and dotted keys inside each element are independent.
  EXPECT_TOML("[[a]]\nx.y = 1\n[a.t]\n[[a]]\nx.y = 2\n[a.t]\n",
              R"({"a":[{"x":{"y":1},"t":{}},{"x":{"y":2},"t":{}}]})");
  // A parent of an array of tables may be defined afterwards.
  EXPECT_TOML("[[a.b]]\nx = 1\n[a]\ny = 2\n", R"({"a":{"b":[{"x":1}],"y":2}})");
}

TEST(TomlTest, ArrayOfTablesErrors) {
  EXPECT_EQ(ParseError("fruits = []\n\n[[fruits]]\n"),
            "line 3, column 1: cannot append to fruits with [[fruits]]: it is a static array "
            "(fruits = [...]) at line 1, which cannot be extended; write all of its elements in "
            "that array, or use only [[fruits]] sections");
  DW_EXPECT_CONTAINS(ParseError("a = [{}]\n[[a]]\n"), "cannot append to a with [[a]]: it is a static");
  EXPECT_EQ(ParseError("[fruit.physical]\ncolor = \"red\"\n\n[[fruit]]\nname = \"apple\"\n"),
            "line 4, column 1: cannot define array of tables [[fruit]]: fruit is already a table "
            "(line 1); use either [fruit] or [[fruit]] headers for it, not both");
  DW_EXPECT_CONTAINS(ParseError("[[fruits]]\nname = \"apple\"\n[[fruits.varieties]]\n"
                             "name = \"red delicious\"\n[fruits.varieties]\n"),
                  "line 5, column 1: cannot define table [fruits.varieties]: it is already an "
                  "array of tables (line 3); use [[fruits.varieties]] to add an element");
  DW_EXPECT_CONTAINS(ParseError("[[fruits]]\n[fruits.physical]\n[fruits.physical]\n"),
                  "line 3, column 1: table [fruits.physical] is defined more than once");
  DW_EXPECT_CONTAINS(ParseError("a.b = 1\n[[a]]\n"),
                  "line 2, column 1: cannot define array of tables [[a]]: a is already a table");
  DW_EXPECT_CONTAINS(ParseError("a = true\n[[a]]\n"),
                  "cannot define array of tables [[a]]: a is already set to a boolean at line 1");
}

// ---------------------------------------------------------------------------
// Positions, encoding, limits

TEST(TomlTest, ErrorPositionsCountCodePointsAndLines) {
  EXPECT_EQ(ParseError("# \xC3\xA9\xC3\xA9\r\n\"\xF0\x9F\x98\x80\" = ?\n"),
            "line 2, column 7: expected a value, got '?'");
  DW_EXPECT_STARTS_WITH(ParseError("a = \"\"\"\n\n\n\"\"\" ?\n"), "line 4, column 5:");
  DW_EXPECT_STARTS_WITH(ParseError("a = [\n  1,\n  \"x\" \"y\"]\n"), "line 3, column 7:");
}

TEST(TomlTest, InvalidUtf8AndControlCharacters) {
  EXPECT_EQ(ParseError("\xFF = 1\n"),
            "line 1, column 1: expected a key, got invalid UTF-8 byte 0xFF; bare keys may contain "
            "only ASCII letters, digits, '_' and '-', so quote other keys, e.g. \"my key\"");
  // Overlong encodings and encoded surrogates are invalid UTF-8.
  DW_EXPECT_CONTAINS(ParseError("s = \"\xC0\xAF\"\n"), "invalid UTF-8 byte 0xC0 in a string");
  DW_EXPECT_CONTAINS(ParseError("s = '\xED\xA0\x80'\n"), "invalid UTF-8 byte 0xED in a string");
  EXPECT_EQ(ParseError(std::string_view("a = 1\0", 6)),
            "line 1, column 6: unexpected control character U+0000 after the value 1");
  EXPECT_EQ(ParseError(std::string_view("a = 'x'\0", 8)),
            "line 1, column 8: expected the end of the line after the value of a, got control "
            "character U+0000; write one key = value pair per line, and start comments with #");
  EXPECT_EQ(ParseError("a = \x0C\n"),
            "line 1, column 5: expected a value, got control character "
            "U+000C");
  DW_EXPECT_CONTAINS(ParseError("a = \xC3\xA9\n"),
                  "line 1, column 5: expected a value, got '\xC3\xA9' (U+00E9); strings must be "
                  "quoted");
}

TEST(TomlTest, NestingDepthIsLimited) {
  const std::string ok_array = "a = " + std::string(512, '[') + std::string(512, ']') + "\n";
  EXPECT_TRUE(ParseToml(ok_array).ok());
  EXPECT_EQ(ParseError("a = " + std::string(600, '[') + std::string(600, ']') + "\n"),
            "line 1, column 517: tables and arrays are nested more than 512 levels deep");
  std::string inline_tables = "a = ";
  for (int i = 0; i < 600; ++i) inline_tables += "{b=";
  inline_tables += "1" + std::string(600, '}') + "\n";
  DW_EXPECT_CONTAINS(ParseError(inline_tables), "nested more than 512 levels deep");
  std::string header = "[a";
  for (int i = 0; i < 600; ++i) header += ".a";
  DW_EXPECT_CONTAINS(ParseError(header + "]\n"), "nested more than 512 levels deep");
  std::string dotted = "a";
  for (int i = 0; i < 600; ++i) dotted += ".a";
  DW_EXPECT_CONTAINS(ParseError(dotted + " = 1\n"), "nested more than 512 levels deep");
}

// ---------------------------------------------------------------------------
// A whole document

TEST(TomlTest, SpecExampleDocument) {
  EXPECT_TOML(R"(# This is a TOML document

title = "TOML Example"

[owner]
name = "Tom Preston-Werner"
dob = 1979-05-27T07:32:00-08:00

[database]
enabled = true
ports = [ 8000, 8001, 8002 ]
data = [ ["delta", "phi"], [3.14] ]
temp_targets = { cpu = 79.5, case = 72.0 }

[servers]

[servers.alpha]
ip = "10.0.0.1"
role = "frontend"

[servers.beta]
ip = "10.0.0.2"
role = "backend"
)",
              R"({"title":"TOML Example",)"
              R"("owner":{"name":"Tom Preston-Werner","dob":"1979-05-27T07:32:00-08:00"},)"
              R"("database":{"enabled":true,"ports":[8000,8001,8002],)"
              R"("data":[["delta","phi"],[3.14]],"temp_targets":{"cpu":79.5,"case":72}},)"
              R"("servers":{"alpha":{"ip":"10.0.0.1","role":"frontend"},)"
              R"("beta":{"ip":"10.0.0.2","role":"backend"}}})");
}

TEST(TomlTest, RealisticWranglerToml) {
  EXPECT_TOML(R"(#:schema node_modules/wrangler/config-schema.json
name = "my-worker"
main = "src/index.ts"
compatibility_date = 2024-09-23
compatibility_flags = [ "nodejs_compat", "global_fetch_strictly_public" ]
workers_dev = true

[vars]
API_HOST = "example.com"
GREETING = 'hello "world"'
RETRIES = 3
RATIO = 0.5
ENABLED = false
ALLOWED = ["a", "b"]
RELEASED = 2024-01-01

[vars.LIMITS]
per_minute = 60
burst = { size = 10, window = "1s" }

[[kv_namespaces]]
binding = "CACHE"
id = "0f2ac74b498b48028cb68387c421e279"
preview_id = "4b59e0a3f1e14ed58a0b3a4bb1d2e7f0"

[[kv_namespaces]]
binding = "SESSIONS"
id = "8cbd0f9c5cbd4ef4b1c3c3a1f7e2a6d1"

[[worker_loaders]]
binding = "LOADER"

[observability]
enabled = true

[env.staging]
name = "my-worker-staging"
vars = { API_HOST = "staging.example.com" }
)",
              R"({"name":"my-worker","main":"src/index.ts","compatibility_date":"2024-09-23",)"
              R"("compatibility_flags":["nodejs_compat","global_fetch_strictly_public"],)"
              R"("workers_dev":true,)"
              R"("vars":{"API_HOST":"example.com","GREETING":"hello \"world\"","RETRIES":3,)"
              R"("RATIO":0.5,"ENABLED":false,"ALLOWED":["a","b"],"RELEASED":"2024-01-01",)"
              R"("LIMITS":{"per_minute":60,"burst":{"size":10,"window":"1s"}}},)"
              R"("kv_namespaces":[{"binding":"CACHE","id":"0f2ac74b498b48028cb68387c421e279",)"
              R"("preview_id":"4b59e0a3f1e14ed58a0b3a4bb1d2e7f0"},)"
              R"({"binding":"SESSIONS","id":"8cbd0f9c5cbd4ef4b1c3c3a1f7e2a6d1"}],)"
              R"("worker_loaders":[{"binding":"LOADER"}],)"
              R"("observability":{"enabled":true},)"
              R"("env":{"staging":{"name":"my-worker-staging",)"
              R"("vars":{"API_HOST":"staging.example.com"}}}})");
  // Quoted and unquoted compatibility dates give the same string.
  EXPECT_EQ(ParseOk("compatibility_date = \"2024-01-01\"\n"),
            ParseOk("compatibility_date = 2024-01-01\n"));
}

}  // namespace
}  // namespace dw
