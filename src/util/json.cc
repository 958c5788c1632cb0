#include "util/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "util/utf8.h"

namespace dw::json {

const char* TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Value

namespace {

[[noreturn]] void TypeMismatch(const char* accessor, Type actual) {
  std::fprintf(stderr, "dw::json::Value::%s() called on a %s value\n", accessor, TypeName(actual));
  std::abort();
}

template <typename T, typename Variant>
T& Get(Variant& data, const char* accessor) {
  auto* p = std::get_if<T>(&data);
  if (p == nullptr) TypeMismatch(accessor, static_cast<Type>(data.index()));
  return *p;
}

template <typename T, typename Variant>
const T& Get(const Variant& data, const char* accessor) {
  const auto* p = std::get_if<T>(&data);
  if (p == nullptr) TypeMismatch(accessor, static_cast<Type>(data.index()));
  return *p;
}

}  // namespace

bool Value::as_bool() const { return Get<bool>(data_, "as_bool"); }
double Value::as_number() const { return Get<double>(data_, "as_number"); }
const std::string& Value::as_string() const { return Get<std::string>(data_, "as_string"); }
const Value::Array& Value::as_array() const { return Get<Array>(data_, "as_array"); }
Value::Array& Value::as_array() { return Get<Array>(data_, "as_array"); }
const Value::Object& Value::as_object() const { return Get<Object>(data_, "as_object"); }
Value::Object& Value::as_object() { return Get<Object>(data_, "as_object"); }

const Value* Value::Find(std::string_view key) const {
  const auto* obj = std::get_if<Object>(&data_);
  if (obj == nullptr) return nullptr;
  for (const auto& [k, v] : *obj) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::Find(std::string_view key) {
  return const_cast<Value*>(std::as_const(*this).Find(key));
}

void Value::Set(std::string key, Value value) {
  Object& obj = Get<Object>(data_, "Set");
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  obj.emplace_back(std::move(key), std::move(value));
}

bool Value::Remove(std::string_view key) {
  Object& obj = Get<Object>(data_, "Remove");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->first == key) {
      obj.erase(it);
      return true;
    }
  }
  return false;
}

void Value::Append(Value value) { Get<Array>(data_, "Append").push_back(std::move(value)); }

size_t Value::size() const {
  if (const auto* a = std::get_if<Array>(&data_)) return a->size();
  if (const auto* o = std::get_if<Object>(&data_)) return o->size();
  return 0;
}

bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

// ---------------------------------------------------------------------------
// Helpers shared by the parser and serializer (UTF-8 ones are in util/utf8.h).

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---------------------------------------------------------------------------
// Parser

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& opts) : text_(text), opts_(opts) {
    if (text_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
    origin_ = pos_;
  }

  absl::StatusOr<Value> ParseDocument() {
    if (auto s = SkipWhitespace(); !s.ok()) return s;
    Value result;
    if (auto s = ParseValue(0, &result); !s.ok()) return s;
    if (auto s = SkipWhitespace(); !s.ok()) return s;
    if (pos_ < text_.size()) {
      return Error(pos_,
                   "unexpected " + Describe(pos_) + " after the JSON value; expected end of input");
    }
    return result;
  }

 private:
  absl::Status Error(size_t at, std::string_view message) const {
    int line = 1;
    int column = 1;
    for (size_t i = origin_; i < at && i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '\n') {
        ++line;
        column = 1;
      } else if (c == '\r') {
        // CRLF counts once, at the LF; a lone CR is a line break of its own.
        if (i + 1 < text_.size() && text_[i + 1] == '\n') continue;
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("line %d, column %d: %s", line, column, std::string(message)));
  }

  // A human-readable description of the character at `at`, for "got ...".
  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "end of input";
    const auto c = static_cast<unsigned char>(text_[at]);
    if (c >= 0x21 && c <= 0x7E) {
      if (IsIdentChar(static_cast<char>(c))) {
        // Show the whole word so `undefined` or `NaN` reads naturally.
        size_t end = at;
        while (end < text_.size() && end - at < 40 && IsIdentChar(text_[end])) {
          ++end;
        }
        return "'" + std::string(text_.substr(at, end - at)) + "'";
      }
      return std::string("'") + static_cast<char>(c) + "'";
    }
    if (c < 0x80) return absl::StrFormat("control character U+%04X", c);
    uint32_t cp = 0;
    const size_t len = utf8::SequenceLength(text_.substr(at), &cp);
    if (len == 0) return absl::StrFormat("invalid UTF-8 byte 0x%02X", c);
    return absl::StrFormat("'%s' (U+%04X)", std::string(text_.substr(at, len)), cp);
  }

  absl::Status SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
        continue;
      }
      if (c != '/') break;
      const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      if (next != '/' && next != '*') break;  // reported by the caller
      if (!opts_.allow_comments) {
        return Error(pos_,
                     "comments are not allowed in JSON (use a .jsonc file or "
                     "remove the comment)");
      }
      if (next == '/') {
        pos_ += 2;
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') {
          ++pos_;
        }
      } else {
        const size_t start = pos_;
        const size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          return Error(start, "unterminated /* comment; add the closing */");
        }
        pos_ = end + 2;
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseValue(int depth, Value* out) {
    if (pos_ >= text_.size()) {
      return Error(pos_, "expected a JSON value, got end of input");
    }
    const char c = text_[pos_];
    switch (c) {
      case '{':
        return ParseObject(depth + 1, out);
      case '[':
        return ParseArray(depth + 1, out);
      case '"': {
        std::string s;
        if (auto st = ParseString(&s); !st.ok()) return st;
        *out = Value(std::move(s));
        return absl::OkStatus();
      }
      case '\'':
        return Error(pos_,
                     "expected a JSON value, got '''; strings must use double "
                     "quotes");
      default:
        break;
    }
    if (c == '-' || IsDigit(c)) return ParseNumber(out);
    if (IsIdentChar(c)) {
      size_t end = pos_;
      while (end < text_.size() && IsIdentChar(text_[end])) ++end;
      const std::string_view word = text_.substr(pos_, end - pos_);
      if (word == "true") {
        *out = Value(true);
      } else if (word == "false") {
        *out = Value(false);
      } else if (word == "null") {
        *out = Value(nullptr);
      } else {
        return Error(pos_, "expected a JSON value, got " + Describe(pos_));
      }
      pos_ = end;
      return absl::OkStatus();
    }
    return Error(pos_, "expected a JSON value, got " + Describe(pos_));
  }

  absl::Status CheckDepth(int depth) const {
    if (depth > opts_.max_depth) {
      return Error(pos_, absl::StrFormat("arrays and objects are nested more than %d "
                                         "levels deep",
                                         opts_.max_depth));
    }
    return absl::OkStatus();
  }

  absl::Status ParseArray(int depth, Value* out) {
    if (auto s = CheckDepth(depth); !s.ok()) return s;
    ++pos_;  // '['
    Value::Array elements;
    if (auto s = SkipWhitespace(); !s.ok()) return s;
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      *out = Value(std::move(elements));
      return absl::OkStatus();
    }
    while (true) {
      Value element;
      if (auto s = ParseValue(depth, &element); !s.ok()) return s;
      elements.push_back(std::move(element));
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        break;
      }
      if (pos_ >= text_.size() || text_[pos_] != ',') {
        return Error(pos_, "expected ',' or ']' after array element, got " + Describe(pos_));
      }
      const size_t comma = pos_++;
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      if (pos_ < text_.size() && text_[pos_] == ']') {
        if (!opts_.allow_trailing_commas) {
          return Error(comma,
                       "trailing comma before ']' is not allowed in JSON; "
                       "remove it");
        }
        ++pos_;
        break;
      }
    }
    *out = Value(std::move(elements));
    return absl::OkStatus();
  }

  absl::Status ParseObject(int depth, Value* out) {
    if (auto s = CheckDepth(depth); !s.ok()) return s;
    ++pos_;  // '{'
    Value obj = Value::MakeObject();
    if (auto s = SkipWhitespace(); !s.ok()) return s;
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      *out = std::move(obj);
      return absl::OkStatus();
    }
    bool after_comma = false;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        std::string message = after_comma ? "expected a string key after ','"
                                          : "expected a string key or '}' after '{'";
        message += ", got " + Describe(pos_);
        if (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '\'')) {
          message += "; object keys must be double-quoted strings";
        }
        return Error(pos_, message);
      }
      std::string key;
      if (auto s = ParseString(&key); !s.ok()) return s;
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Error(pos_, "expected ':' after object key \"" + key + "\", got " + Describe(pos_));
      }
      ++pos_;
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      Value value;
      if (auto s = ParseValue(depth, &value); !s.ok()) return s;
      obj.Set(std::move(key), std::move(value));
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      if (pos_ >= text_.size() || text_[pos_] != ',') {
        return Error(pos_, "expected ',' or '}' after object member, got " + Describe(pos_));
      }
      const size_t comma = pos_++;
      if (auto s = SkipWhitespace(); !s.ok()) return s;
      if (pos_ < text_.size() && text_[pos_] == '}') {
        if (!opts_.allow_trailing_commas) {
          return Error(comma,
                       "trailing comma before '}' is not allowed in JSON; "
                       "remove it");
        }
        ++pos_;
        break;
      }
      after_comma = true;
    }
    *out = std::move(obj);
    return absl::OkStatus();
  }

  // Reads four hex digits at pos_ (just after "\u").
  absl::Status ParseHex4(size_t escape_start, uint32_t* out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = pos_ < text_.size() ? HexValue(text_[pos_]) : -1;
      if (h < 0) {
        return Error(escape_start,
                     "invalid \\u escape in string; expected 4 hex digits "
                     "after \\u");
      }
      v = (v << 4) | static_cast<uint32_t>(h);
      ++pos_;
    }
    *out = v;
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    const size_t start = pos_;
    ++pos_;  // opening quote
    while (true) {
      // Copy runs of ordinary ASCII in one go.
      const size_t run_start = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out->append(text_.substr(run_start, pos_ - run_start));
      if (pos_ >= text_.size()) {
        return Error(start, "unterminated string; add the closing '\"'");
      }
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\n' || c == '\r') {
        return Error(pos_,
                     "unterminated string: line break before the closing '\"' "
                     "(write \\n for a newline inside a string)");
      }
      if (c < 0x20) {
        return Error(pos_, absl::StrFormat("control character U+%04X must be escaped in a "
                                           "string (e.g. \\t or \\u%04X)",
                                           c, c));
      }
      if (c >= 0x80) {
        uint32_t cp = 0;
        const size_t len = utf8::SequenceLength(text_.substr(pos_), &cp);
        if (len == 0) {
          return Error(pos_, absl::StrFormat("invalid UTF-8 byte 0x%02X in string; the "
                                             "file must be saved as UTF-8",
                                             c));
        }
        out->append(text_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      // Backslash escape.
      const size_t escape_start = pos_;
      ++pos_;
      if (pos_ >= text_.size()) {
        return Error(start, "unterminated string; add the closing '\"'");
      }
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t unit = 0;
          if (auto s = ParseHex4(escape_start, &unit); !s.ok()) return s;
          if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return Error(escape_start,
                         absl::StrFormat("unpaired surrogate \\u%04X in string; a low "
                                         "surrogate must follow a high surrogate "
                                         "(\\uD800-\\uDBFF)",
                                         unit));
          }
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            uint32_t low = 0;
            const size_t low_start = pos_;
            const bool has_escape =
                pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u';
            if (has_escape) {
              pos_ += 2;
              if (auto s = ParseHex4(low_start, &low); !s.ok()) return s;
            }
            if (!has_escape || low < 0xDC00 || low > 0xDFFF) {
              return Error(escape_start,
                           absl::StrFormat("unpaired surrogate \\u%04X in string; a high "
                                           "surrogate must be followed by a low surrogate "
                                           "escape (\\uDC00-\\uDFFF)",
                                           unit));
            }
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          }
          utf8::Append(unit, out);
          break;
        }
        default: {
          std::string shown = Describe(pos_ - 1);
          return Error(escape_start, "invalid escape in string: backslash followed by " + shown +
                                         "; valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r "
                                         "\\t \\uXXXX");
        }
      }
    }
  }

  absl::Status ParseNumber(Value* out) {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
      return Error(pos_, "expected a digit after '-', got " + Describe(pos_));
    }
    const size_t int_start = pos_;
    if (text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        return Error(int_start, "numbers cannot have leading zeros");
      }
    } else {
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    const size_t int_end = pos_;
    size_t frac_start = pos_;
    size_t frac_end = pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
        return Error(pos_, "expected a digit after the decimal point, got " + Describe(pos_));
      }
      frac_start = pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      frac_end = pos_;
    }
    int64_t exponent = 0;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      bool negative = false;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        negative = text_[pos_] == '-';
        ++pos_;
      }
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
        return Error(pos_, "expected a digit in the exponent, got " + Describe(pos_));
      }
      while (pos_ < text_.size() && IsDigit(text_[pos_])) {
        // Saturate: only the sign and rough size matter past this point.
        if (exponent < 100000) exponent = exponent * 10 + (text_[pos_] - '0');
        ++pos_;
      }
      if (negative) exponent = -exponent;
    }

    const std::string_view literal = text_.substr(start, pos_ - start);
    double value = 0;
    const auto result = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (result.ec == std::errc::result_out_of_range) {
      // from_chars reports both overflow and underflow this way. Work out the
      // decimal magnitude to tell them apart: underflow rounds to zero like
      // JSON.parse; overflow has no JSON representation, so it is an error.
      int64_t magnitude;
      const std::string_view int_digits = text_.substr(int_start, int_end - int_start);
      if (int_digits != "0") {
        magnitude = static_cast<int64_t>(int_digits.size());
      } else {
        const std::string_view frac = text_.substr(frac_start, frac_end - frac_start);
        const size_t first_nonzero = frac.find_first_not_of('0');
        magnitude = -static_cast<int64_t>(first_nonzero);
      }
      if (magnitude + exponent <= 0) {
        value = text_[start] == '-' ? -0.0 : 0.0;
      } else {
        return Error(start, "number " + std::string(literal) + " is too large to represent");
      }
    } else if (result.ec != std::errc() || result.ptr != literal.data() + literal.size()) {
      // The grammar was checked above, so this would be a library bug.
      return Error(start, "invalid number " + std::string(literal));
    }
    *out = Value(value);
    return absl::OkStatus();
  }

  std::string_view text_;
  const ParseOptions& opts_;
  size_t pos_ = 0;
  size_t origin_ = 0;  // first byte after any BOM, where line 1 column 1 is
};

// ---------------------------------------------------------------------------
// Serializer

void SerializeString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      uint32_t cp = 0;
      const size_t len = utf8::SequenceLength(s.substr(i), &cp);
      if (len == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD
        ++i;
      } else {
        out->append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append(absl::StrFormat("\\u%04x", c));
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

void SerializeTo(const Value& v, std::string* out) {
  switch (v.type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(v.as_bool() ? "true" : "false");
      return;
    case Type::kNumber: {
      const double d = v.as_number();
      out->append(std::isfinite(d) ? FormatNumber(d) : "null");
      return;
    }
    case Type::kString:
      SerializeString(v.as_string(), out);
      return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeTo(e, out);
      }
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeString(k, out);
        out->push_back(':');
        SerializeTo(e, out);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Value> Parse(std::string_view text, const ParseOptions& opts) {
  return Parser(text, opts).ParseDocument();
}

std::string Serialize(const Value& value) {
  std::string out;
  SerializeTo(value, &out);
  return out;
}

std::string FormatNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";  // also -0, as in JavaScript
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (d < 0) return "-" + FormatNumber(-d);

  // Shortest round-trip digits in the form "d.ddde+XX"; the layout below is
  // ECMAScript's Number::toString.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const std::string_view sci(buf, r.ptr - buf);
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);

  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // position of the decimal point
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(-n, '0') + digits;
  } else {
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += (n - 1 >= 0) ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

}  // namespace dw::json
