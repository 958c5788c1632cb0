// A small JSON document model plus a strict parser (optionally JSONC) and a
// compact serializer. It exists for configuration files, so clarity of error
// messages matters more than speed.

#ifndef DW_UTIL_JSON_H_
#define DW_UTIL_JSON_H_

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace dw::json {

enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

// The JavaScript-facing name of a type ("null", "boolean", "number", "string",
// "array", "object"), for use in error messages.
const char* TypeName(Type type);

class Value {
 public:
  using Array = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  // Members keep insertion order; keys are unique when built through Set() or
  // Parse().
  using Object = std::vector<Member>;

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(double d) : data_(d) {}
  // Integers are stored as doubles, like JavaScript numbers; this overload
  // only exists so that `Value(1)` or `Value(size_t{1})` is not ambiguous
  // between the bool and double constructors.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Value(T i) : data_(static_cast<double>(i)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  // Without this, a string literal would convert to bool.
  Value(const char* s) : data_(std::string(s)) {}
  Value(Array a) : data_(std::move(a)) {}
  Value(Object o) : data_(std::move(o)) {}

  static Value MakeArray() { return Value(Array{}); }
  static Value MakeObject() { return Value(Object{}); }

  Type type() const { return static_cast<Type>(data_.index()); }
  const char* type_name() const { return TypeName(type()); }

  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors require the matching type; a mismatch is a programming error
  // and aborts with a message.
  bool as_bool() const;
  double as_number() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object lookup; nullptr if this is not an object or the key is absent.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);

  // Object insert-or-replace. A replaced member keeps its original position,
  // which matches how JavaScript objects order re-assigned properties.
  // Requires is_object().
  void Set(std::string key, Value value);
  // Object removal; returns whether the key was present. Requires is_object().
  bool Remove(std::string_view key);
  // Requires is_array().
  void Append(Value value);

  // Element or member count; 0 for scalars.
  size_t size() const;

  // Deep equality. Objects compare member by member in order, so two objects
  // with the same members in a different order are not equal; numbers compare
  // as doubles (NaN != NaN, 0 == -0).
  friend bool operator==(const Value& a, const Value& b);

 private:
  // Alternative order must match Type.
  std::variant<std::monostate, bool, double, std::string, Array, Object> data_;
};

struct ParseOptions {
  // JSONC extensions, as accepted by VS Code and wrangler: `// line` and
  // `/* block */` comments, and one trailing comma before `]` or `}`.
  bool allow_comments = false;
  bool allow_trailing_commas = false;
  // Arrays and objects nested deeper than this are rejected, which bounds the
  // recursion of the parser, Serialize(), and the destructor.
  int max_depth = 512;

  static ParseOptions Jsonc() {
    ParseOptions o;
    o.allow_comments = true;
    o.allow_trailing_commas = true;
    return o;
  }
};

// Parses exactly one JSON value surrounded by optional whitespace (and, with
// JSONC, comments). A leading UTF-8 byte order mark is skipped. Strings must
// be valid UTF-8; escapes (including surrogate pairs) decode to UTF-8; a lone
// surrogate escape is an error because it has no UTF-8 encoding. Duplicate
// object keys keep the first key's position and the last value, as
// JSON.parse does. Numbers that overflow a double are an error; numbers that
// underflow become zero.
//
// Errors are InvalidArgumentError with a message of the form
// `line L, column C: <problem>`; lines and columns are 1-based and columns
// count Unicode code points, so they match what editors display.
absl::StatusOr<Value> Parse(std::string_view text, const ParseOptions& opts = ParseOptions());

// Compact JSON text (no whitespace), suitable for JSON.parse. Numbers use the
// same shortest round-trip form as JavaScript's Number#toString; non-finite
// numbers become `null` as in JSON.stringify. Invalid UTF-8 in strings is
// replaced by U+FFFD so the output is always valid UTF-8.
std::string Serialize(const Value& value);

// Formats a double the way JavaScript's Number#toString does, e.g. 100 ->
// "100", 1e21 -> "1e+21", 0.000001 -> "0.000001", -0 -> "0", NaN -> "NaN".
std::string FormatNumber(double d);

}  // namespace dw::json

#endif  // DW_UTIL_JSON_H_
