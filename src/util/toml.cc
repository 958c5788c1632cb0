#include "util/toml.h"

#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/utf8.h"

namespace dw {
namespace {

#define DW_TOML_RETURN_IF_ERROR(expr)         \
  do {                                        \
    if (absl::Status _s = (expr); !_s.ok()) { \
      return _s;                              \
    }                                         \
  } while (false)

constexpr int kMaxDepth = 512;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// ---------------------------------------------------------------------------
// Characters

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsBareKeyChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-'; }
bool IsWs(char c) { return c == ' ' || c == '\t'; }
// Characters that can make up a number, boolean, inf or nan token.
bool IsTokenChar(char c) { return IsBareKeyChar(c) || c == '+' || c == '.'; }

// The digit's value if `c` is a digit of `base` (2, 8, 10 or 16), else -1.
int DigitValue(char c, int base) {
  int v;
  if (c >= '0' && c <= '9') {
    v = c - '0';
  } else if (c >= 'a' && c <= 'f') {
    v = c - 'a' + 10;
  } else if (c >= 'A' && c <= 'F') {
    v = c - 'A' + 10;
  } else {
    return -1;
  }
  return v < base ? v : -1;
}

// Control characters TOML forbids inside strings and comments: U+0000 to
// U+001F except tab, and U+007F. (Newlines are handled separately.)
bool IsForbiddenControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }


// ---------------------------------------------------------------------------
// Keys and the document tree

// One part of a dotted key, with where it was written.
struct KeyPart {
  std::string name;
  size_t pos = 0;
};

// A key part as it would be written in TOML: bare when possible, otherwise
// as a basic string.
std::string FormatKeyPart(std::string_view part) {
  bool bare = !part.empty();
  for (char c : part) {
    if (!IsBareKeyChar(c)) {
      bare = false;
      break;
    }
  }
  if (bare) return std::string(part);
  std::string out = "\"";
  for (char ch : part) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7F) {
      out += absl::StrFormat("\\u%04X", c);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

std::string JoinKey(std::string_view prefix, std::string_view part) {
  return prefix.empty() ? FormatKeyPart(part)
                        : absl::StrCat(std::string(prefix), ".", FormatKeyPart(part));
}

// The TOML types of values, for error messages.
enum class Kind {
  kString,
  kInteger,
  kFloat,
  kBoolean,
  kOffsetDateTime,
  kLocalDateTime,
  kLocalDate,
  kLocalTime,
  kArray,
  kInlineTable,
};

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInteger:
      return "an integer";
    case Kind::kFloat:
      return "a float";
    case Kind::kBoolean:
      return "a boolean";
    case Kind::kOffsetDateTime:
      return "an offset date-time";
    case Kind::kLocalDateTime:
      return "a local date-time";
    case Kind::kLocalDate:
      return "a local date";
    case Kind::kLocalTime:
      return "a local time";
    case Kind::kArray:
      return "an array";
    case Kind::kInlineTable:
      return "an inline table";
  }
  return "a value";
}

// The document as it is built. Values (including arrays and inline tables,
// which are complete once written) are stored as json::Value; tables and
// arrays of tables stay open to later headers and keys, so they carry what
// the redefinition rules need.
struct Node {
  enum class Type { kTable, kArrayOfTables, kValue };
  // How a table came to exist, which decides how it may be extended.
  enum class Origin {
    // Only as a parent named in a header, like `a` in [a.b]. A later [a]
    // header or dotted key may still define it.
    kImplicit,
    // By its own [header], or as an element of an array of tables. Dotted
    // keys outside its section cannot add to it; no header may redefine it.
    kHeader,
    // By dotted keys (`a.b = 1` defines table a), including inside an inline
    // table. Only further dotted keys of the same section may add to it, and
    // no [header] may name it, though headers may define sub-tables of it.
    kDotted,
  };

  Type type = Type::kTable;
  Origin origin = Origin::kImplicit;
  Kind kind = Kind::kString;  // kValue only
  int section = 0;            // kDotted: the section whose keys created it
  int depth = 0;              // nesting level; the root is 0
  size_t pos = 0;             // where it was defined, for messages
  json::Value value;          // kValue only

  // kTable: members in order of first appearance, plus an index.
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> members;
  std::map<std::string, Node*, std::less<>> index;
  // kArrayOfTables: the element tables.
  std::vector<std::unique_ptr<Node>> elements;

  Node* Find(std::string_view key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : it->second;
  }

  Node* Add(std::string key, std::unique_ptr<Node> child) {
    Node* raw = child.get();
    index.emplace(key, raw);
    members.emplace_back(std::move(key), std::move(child));
    return raw;
  }
};

std::unique_ptr<Node> NewTable(Node::Origin origin, int section, int depth, size_t pos) {
  auto node = std::make_unique<Node>();
  node->type = Node::Type::kTable;
  node->origin = origin;
  node->section = section;
  node->depth = depth;
  node->pos = pos;
  return node;
}

// Moves the tree into a json::Value. Recursion is bounded by kMaxDepth.
json::Value ToJson(Node& node) {
  switch (node.type) {
    case Node::Type::kValue:
      return std::move(node.value);
    case Node::Type::kTable: {
      json::Value object = json::Value::MakeObject();
      json::Value::Object& members = object.as_object();
      members.reserve(node.members.size());
      // Keys are unique, so append directly rather than through Set().
      for (auto& [key, child] : node.members) members.emplace_back(key, ToJson(*child));
      return object;
    }
    case Node::Type::kArrayOfTables: {
      json::Value::Array elements;
      elements.reserve(node.elements.size());
      for (auto& element : node.elements) elements.push_back(ToJson(*element));
      return json::Value(std::move(elements));
    }
  }
  return json::Value();
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// ---------------------------------------------------------------------------
// Parser

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {
    if (text_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
    origin_ = pos_;
    root_ = NewTable(Node::Origin::kHeader, 0, 0, pos_);
  }

  absl::StatusOr<json::Value> Parse() {
    Node* table = root_.get();
    std::string path;  // of the current section; empty for the root table
    while (true) {
      SkipWs();
      if (AtEnd()) break;
      const char c = text_[pos_];
      if (c == '[') {
        std::string header;
        DW_TOML_RETURN_IF_ERROR(ParseHeader(&table, &path, &header));
        DW_TOML_RETURN_IF_ERROR(
            EndOfLine(absl::StrCat("the header ", header),
                      "; put the table's key/value pairs on the lines after its header"));
      } else if (c == '#' || c == '\n' || c == '\r') {
        DW_TOML_RETURN_IF_ERROR(EndOfLine("", ""));
      } else {
        std::string key;
        DW_TOML_RETURN_IF_ERROR(ParseKeyValue(table, path, section_, &key));
        DW_TOML_RETURN_IF_ERROR(
            EndOfLine(absl::StrCat("the value of ", key),
                      "; write one key = value pair per line, and start comments with #"));
      }
    }
    return ToJson(*root_);
  }

 private:
  // --- Positions and errors

  bool AtEnd() const { return pos_ >= text_.size(); }
  // The character `ahead` bytes on, or '\0' past the end.
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool AtLineEnd() const { return AtEnd() || Peek() == '\n' || Peek() == '\r'; }

  void LineAndColumn(size_t at, int* line, int* column) const {
    *line = 1;
    *column = 1;
    for (size_t i = origin_; i < at && i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '\n') {
        ++*line;
        *column = 1;
      } else if (c == '\r') {
        // CRLF counts once, at the LF; a lone CR is an error anyway.
        if (i + 1 < text_.size() && text_[i + 1] == '\n') continue;
        ++*line;
        *column = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++*column;
      }
    }
  }

  int LineOf(size_t at) const {
    int line, column;
    LineAndColumn(at, &line, &column);
    return line;
  }

  absl::Status Error(size_t at, std::string_view message) const {
    int line, column;
    LineAndColumn(at, &line, &column);
    return absl::InvalidArgumentError(
        absl::StrFormat("line %d, column %d: %s", line, column, std::string(message)));
  }

  // A human-readable description of the text at `at`, for "got ...".
  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "end of input";
    const auto c = static_cast<unsigned char>(text_[at]);
    if (c == '\n' || c == '\r') return "end of line";
    if (c >= 0x21 && c <= 0x7E) {
      if (IsTokenChar(static_cast<char>(c))) {
        // Show the whole word so `yes` or `1.2.3` reads naturally.
        size_t end = at;
        while (end < text_.size() && end - at < 40 && IsTokenChar(text_[end])) ++end;
        return "'" + std::string(text_.substr(at, end - at)) + "'";
      }
      return std::string("'") + static_cast<char>(c) + "'";
    }
    if (c == ' ') return "' '";
    if (c == '\t') return "a tab";
    if (c < 0x80) return absl::StrFormat("control character U+%04X", c);
    uint32_t cp = 0;
    const size_t len = utf8::SequenceLength(text_.substr(at), &cp);
    if (len == 0) return absl::StrFormat("invalid UTF-8 byte 0x%02X", c);
    return absl::StrFormat("'%s' (U+%04X)", std::string(text_.substr(at, len)), cp);
  }

  absl::Status CheckDepth(int depth, size_t at) const {
    if (depth > kMaxDepth) {
      return Error(
          at, absl::StrFormat("tables and arrays are nested more than %d levels deep", kMaxDepth));
    }
    return absl::OkStatus();
  }

  // --- Whitespace, comments, newlines

  void SkipWs() {
    while (!AtEnd() && IsWs(text_[pos_])) ++pos_;
  }

  // At '\r': TOML newlines are LF or CRLF only.
  absl::Status ConsumeCrlf() {
    if (Peek(1) != '\n') {
      return Error(pos_,
                   "a carriage return (U+000D) must be followed by a line feed; TOML line "
                   "endings are LF or CRLF");
    }
    pos_ += 2;
    return absl::OkStatus();
  }

  // At '#': skips to the end of the line (not consuming the newline),
  // checking that the comment is valid UTF-8 without control characters.
  absl::Status SkipComment() {
    ++pos_;
    while (!AtEnd()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '\n' || c == '\r') break;
      if (IsForbiddenControl(c)) {
        return Error(pos_,
                     absl::StrFormat("control character U+%04X is not allowed in a comment", c));
      }
      if (c >= 0x80) {
        uint32_t cp;
        const size_t len = utf8::SequenceLength(text_.substr(pos_), &cp);
        if (len == 0) {
          return Error(pos_, absl::StrFormat("invalid UTF-8 byte 0x%02X in a comment; the file "
                                             "must be saved as UTF-8",
                                             c));
        }
        pos_ += len;
      } else {
        ++pos_;
      }
    }
    return absl::OkStatus();
  }

  // Expects optional whitespace and a comment, then a newline or the end of
  // the input. `after` names what precedes, for the error message.
  absl::Status EndOfLine(std::string_view after, std::string_view hint) {
    SkipWs();
    if (Peek() == '#') DW_TOML_RETURN_IF_ERROR(SkipComment());
    if (AtEnd()) return absl::OkStatus();
    if (text_[pos_] == '\n') {
      ++pos_;
      return absl::OkStatus();
    }
    if (text_[pos_] == '\r') return ConsumeCrlf();
    return Error(pos_, absl::StrCat("expected the end of the line after ", std::string(after),
                                    ", got ", Describe(pos_), std::string(hint)));
  }

  // Whitespace, newlines and comments, as allowed between array elements.
  absl::Status SkipArrayFiller() {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (IsWs(c) || c == '\n') {
        ++pos_;
      } else if (c == '\r') {
        DW_TOML_RETURN_IF_ERROR(ConsumeCrlf());
      } else if (c == '#') {
        DW_TOML_RETURN_IF_ERROR(SkipComment());
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  // --- Keys

  // Parses a simple or dotted key, with whitespace around the dots, and skips
  // the whitespace after it.
  absl::Status ParseKey(std::vector<KeyPart>* out) {
    while (true) {
      SkipWs();
      KeyPart part;
      part.pos = pos_;
      const char c = Peek();
      if (c == '"' || c == '\'') {
        if (Peek(1) == c && Peek(2) == c) {
          return Error(pos_,
                       "a key cannot be a multi-line string; quote it on one line, e.g. "
                       "\"my key\"");
        }
        DW_TOML_RETURN_IF_ERROR(c == '"' ? ParseBasicString(&part.name)
                                         : ParseLiteralString(&part.name));
      } else if (!AtEnd() && IsBareKeyChar(c)) {
        const size_t start = pos_;
        while (!AtEnd() && IsBareKeyChar(text_[pos_])) ++pos_;
        part.name = std::string(text_.substr(start, pos_ - start));
      } else {
        std::string message = absl::StrCat(
            out->empty() ? "expected a key" : "expected a key after '.'", ", got ", Describe(pos_));
        if (!AtLineEnd() && c != '=' && c != '.' && c != '[' && c != ']' && c != '#' && c != '}' &&
            c != ',') {
          absl::StrAppend(&message,
                          "; bare keys may contain only ASCII letters, digits, '_' and '-', so "
                          "quote other keys, e.g. \"my key\"");
        }
        return Error(pos_, message);
      }
      out->push_back(std::move(part));
      SkipWs();
      if (Peek() != '.') return absl::OkStatus();
      ++pos_;
    }
  }

  // Parses `key = value` and adds it to `table`, whose display path is
  // `table_path`. `*display` receives the full key for messages.
  absl::Status ParseKeyValue(Node* table, const std::string& table_path, int section,
                             std::string* display) {
    const size_t start = pos_;
    std::vector<KeyPart> key;
    DW_TOML_RETURN_IF_ERROR(ParseKey(&key));
    std::string full = table_path;
    for (const KeyPart& part : key) full = JoinKey(full, part.name);
    *display = full;
    std::string written;
    for (const KeyPart& part : key) written = JoinKey(written, part.name);

    if (Peek() != '=') {
      std::string message =
          absl::StrCat("expected '=' after the key ", written, ", got ", Describe(pos_));
      if (AtLineEnd() || Peek() == '#') {
        absl::StrAppend(&message,
                        "; each line must be a key = value pair, a [table] header or a comment");
      } else if (Peek() == ':') {
        absl::StrAppend(&message, "; TOML separates keys from values with '=', not ':'");
      } else if (Peek() != '}' && Peek() != ',') {
        absl::StrAppend(&message,
                        "; bare keys may contain only ASCII letters, digits, '_' and '-', so "
                        "quote other keys, e.g. \"my key\" = 1");
      }
      return Error(pos_, message);
    }
    ++pos_;
    SkipWs();
    if (AtLineEnd() || Peek() == '#') {
      return Error(
          pos_, absl::StrCat("expected a value after '=' for the key ", written, ", got ",
                             Describe(pos_), "; the value must start on the same line as its key"));
    }
    json::Value value;
    Kind kind;
    DW_TOML_RETURN_IF_ERROR(
        ParseValue(table->depth + static_cast<int>(key.size()), full, &value, &kind));
    return Insert(table, table_path, key, std::move(value), kind, section, start);
  }

  // Errors for using `node` (a value at `path`) as a table.
  absl::Status ValueIsNotATable(size_t at, const std::string& path, const Node& node) const {
    if (node.kind == Kind::kInlineTable) {
      return Error(at, absl::StrFormat("cannot add to %s: it was written as an inline table at "
                                       "line %d, and inline tables cannot be extended; put all "
                                       "of its keys inside the { ... }, or make it a [%s] "
                                       "section instead",
                                       path, LineOf(node.pos), path));
    }
    return Error(at, absl::StrFormat("cannot use %s as a table: it is already set to %s at line %d",
                                     path, KindName(node.kind), LineOf(node.pos)));
  }

  // Adds the value of a (possibly dotted) key to `table`, creating the
  // tables its dotted parts name.
  absl::Status Insert(Node* table, const std::string& table_path, const std::vector<KeyPart>& key,
                      json::Value value, Kind kind, int section, size_t start) {
    Node* t = table;
    std::string path = table_path;
    for (size_t i = 0; i + 1 < key.size(); ++i) {
      const KeyPart& part = key[i];
      path = JoinKey(path, part.name);
      Node* child = t->Find(part.name);
      if (child == nullptr) {
        DW_TOML_RETURN_IF_ERROR(CheckDepth(t->depth + 1, part.pos));
        child = t->Add(part.name, NewTable(Node::Origin::kDotted, section, t->depth + 1, part.pos));
      } else if (child->type == Node::Type::kTable) {
        switch (child->origin) {
          case Node::Origin::kImplicit:
            child->origin = Node::Origin::kDotted;
            child->section = section;
            child->pos = part.pos;
            break;
          case Node::Origin::kHeader:
            return Error(part.pos,
                         absl::StrFormat("cannot add to table [%s] with a dotted key here: it is "
                                         "defined by its own [%s] header at line %d, so put the "
                                         "key in that section",
                                         path, path, LineOf(child->pos)));
          case Node::Origin::kDotted:
            if (child->section != section) {
              return Error(part.pos,
                           absl::StrFormat("cannot add to table %s here: it was defined by "
                                           "dotted keys at line %d, and a table can be defined "
                                           "in only one place",
                                           path, LineOf(child->pos)));
            }
            break;
        }
      } else if (child->type == Node::Type::kArrayOfTables) {
        return Error(part.pos, absl::StrFormat("cannot add to %s with a dotted key: it is an "
                                               "array of tables (line %d); put the key in a "
                                               "[[%s]] section instead",
                                               path, LineOf(child->pos), path));
      } else {
        return ValueIsNotATable(part.pos, path, *child);
      }
      t = child;
    }

    const KeyPart& last = key.back();
    path = JoinKey(path, last.name);
    if (const Node* existing = t->Find(last.name)) {
      switch (existing->type) {
        case Node::Type::kValue:
          return Error(start, absl::StrFormat("duplicate key %s: it was already set at line %d; "
                                              "a key can be set only once, so remove one of "
                                              "the two",
                                              path, LineOf(existing->pos)));
        case Node::Type::kTable:
          return Error(start, absl::StrFormat("cannot set %s: it is already a table (line %d)",
                                              path, LineOf(existing->pos)));
        case Node::Type::kArrayOfTables:
          return Error(start, absl::StrFormat("cannot set %s: it is already an array of tables "
                                              "(line %d)",
                                              path, LineOf(existing->pos)));
      }
    }
    auto node = std::make_unique<Node>();
    node->type = Node::Type::kValue;
    node->kind = kind;
    node->value = std::move(value);
    node->pos = start;
    node->depth = t->depth + 1;
    t->Add(last.name, std::move(node));
    return absl::OkStatus();
  }

  // --- Table headers

  // Parses [a.b] or [[a.b]], makes the table it names the current one and
  // starts a new section.
  absl::Status ParseHeader(Node** table, std::string* path, std::string* display) {
    const size_t start = pos_;
    const bool array = Peek(1) == '[';
    pos_ += array ? 2 : 1;
    std::vector<KeyPart> key;
    DW_TOML_RETURN_IF_ERROR(ParseKey(&key));
    std::string full;
    for (const KeyPart& part : key) full = JoinKey(full, part.name);
    *display = array ? absl::StrCat("[[", full, "]]") : absl::StrCat("[", full, "]");
    if (array) {
      if (Peek() != ']' || Peek(1) != ']') {
        const size_t at = Peek() == ']' ? pos_ + 1 : pos_;
        return Error(at, absl::StrCat("expected ']]' to close the array of tables header [[", full,
                                      "]], got ", Describe(at)));
      }
      pos_ += 2;
    } else if (Peek() != ']') {
      std::string message =
          absl::StrCat("expected ']' to close the table header [", full, "], got ", Describe(pos_));
      if (!AtLineEnd() && Peek() != '#' && Peek() != '=' && Peek() != '[') {
        absl::StrAppend(&message,
                        "; quote table names that contain spaces or other characters, e.g. "
                        "[\"my table\"]");
      }
      return Error(pos_, message);
    } else {
      ++pos_;
    }
    section_ = next_section_++;

    Node* t = root_.get();
    std::string p;
    for (size_t i = 0; i + 1 < key.size(); ++i) {
      const KeyPart& part = key[i];
      p = JoinKey(p, part.name);
      Node* child = t->Find(part.name);
      if (child == nullptr) {
        DW_TOML_RETURN_IF_ERROR(CheckDepth(t->depth + 1, part.pos));
        child = t->Add(part.name, NewTable(Node::Origin::kImplicit, 0, t->depth + 1, part.pos));
      } else if (child->type == Node::Type::kArrayOfTables) {
        // A header inside an array of tables refers to its latest element.
        child = child->elements.back().get();
      } else if (child->type == Node::Type::kValue) {
        return ValueIsNotATable(part.pos, p, *child);
      }
      t = child;
    }

    const KeyPart& last = key.back();
    p = JoinKey(p, last.name);
    Node* child = t->Find(last.name);
    if (!array) {
      if (child == nullptr) {
        DW_TOML_RETURN_IF_ERROR(CheckDepth(t->depth + 1, last.pos));
        child = t->Add(last.name, NewTable(Node::Origin::kHeader, 0, t->depth + 1, start));
      } else if (child->type == Node::Type::kTable) {
        switch (child->origin) {
          case Node::Origin::kImplicit:
            child->origin = Node::Origin::kHeader;
            child->pos = start;
            break;
          case Node::Origin::kHeader:
            return Error(start,
                         absl::StrFormat("table [%s] is defined more than once (first at line "
                                         "%d); merge the two sections into one",
                                         p, LineOf(child->pos)));
          case Node::Origin::kDotted:
            return Error(start,
                         absl::StrFormat("cannot define table [%s]: it was already defined by "
                                         "dotted keys at line %d, and a table can be defined "
                                         "only once; add its keys there (headers of its "
                                         "sub-tables, like [%s.name], are allowed)",
                                         p, LineOf(child->pos), p));
        }
      } else if (child->type == Node::Type::kArrayOfTables) {
        return Error(start, absl::StrFormat("cannot define table [%s]: it is already an array of "
                                            "tables (line %d); use [[%s]] to add an element",
                                            p, LineOf(child->pos), p));
      } else {
        return ValueIsNotATable(start, p, *child);
      }
      *table = child;
    } else {
      if (child == nullptr) {
        DW_TOML_RETURN_IF_ERROR(CheckDepth(t->depth + 1, last.pos));
        auto node = std::make_unique<Node>();
        node->type = Node::Type::kArrayOfTables;
        node->depth = t->depth + 1;
        node->pos = start;
        child = t->Add(last.name, std::move(node));
      } else if (child->type == Node::Type::kTable) {
        return Error(start, absl::StrFormat("cannot define array of tables [[%s]]: %s is already "
                                            "a table (line %d); use either [%s] or [[%s]] "
                                            "headers for it, not both",
                                            p, p, LineOf(child->pos), p, p));
      } else if (child->type == Node::Type::kValue) {
        if (child->kind == Kind::kArray) {
          return Error(start, absl::StrFormat("cannot append to %s with [[%s]]: it is a static "
                                              "array (%s = [...]) at line %d, which cannot be "
                                              "extended; write all of its elements in that "
                                              "array, or use only [[%s]] sections",
                                              p, p, p, LineOf(child->pos), p));
        }
        if (child->kind == Kind::kInlineTable) return ValueIsNotATable(start, p, *child);
        return Error(start, absl::StrFormat("cannot define array of tables [[%s]]: %s is "
                                            "already set to %s at line %d",
                                            p, p, KindName(child->kind), LineOf(child->pos)));
      }
      DW_TOML_RETURN_IF_ERROR(CheckDepth(child->depth + 1, start));
      child->elements.push_back(NewTable(Node::Origin::kHeader, 0, child->depth + 1, start));
      *table = child->elements.back().get();
    }
    *path = p;
    return absl::OkStatus();
  }

  // --- Values

  // Parses the value at pos_. `depth` is the nesting level of the value;
  // `path` names it in messages.
  absl::Status ParseValue(int depth, const std::string& path, json::Value* out, Kind* kind) {
    if (AtEnd()) return Error(pos_, "expected a value, got end of input");
    const char c = text_[pos_];
    if (c == '"' || c == '\'') {
      std::string s;
      if (Peek(1) == c && Peek(2) == c) {
        DW_TOML_RETURN_IF_ERROR(c == '"' ? ParseMultilineBasicString(&s)
                                         : ParseMultilineLiteralString(&s));
      } else {
        DW_TOML_RETURN_IF_ERROR(c == '"' ? ParseBasicString(&s) : ParseLiteralString(&s));
      }
      *out = json::Value(std::move(s));
      *kind = Kind::kString;
      return absl::OkStatus();
    }
    if (c == '[') return ParseArray(depth, path, out, kind);
    if (c == '{') return ParseInlineTable(depth, path, out, kind);
    if (IsDigit(c)) {
      if (IsDigit(Peek(1)) && IsDigit(Peek(2)) && IsDigit(Peek(3)) && Peek(4) == '-') {
        return ParseDateOrDateTime(out, kind);
      }
      if (IsDigit(Peek(1)) && Peek(2) == ':') return ParseLocalTime(out, kind);
    }
    if (IsDigit(c) || c == '+' || c == '-' || IsAlpha(c) || c == '_' || c == '.') {
      return ParseToken(out, kind);
    }
    std::string message = absl::StrCat("expected a value, got ", Describe(pos_));
    if (static_cast<unsigned char>(c) >= 0x80) {
      absl::StrAppend(&message, "; strings must be quoted, e.g. \"text\"");
    }
    return Error(pos_, message);
  }

  // After a number, boolean or date: the value must end here.
  absl::Status CheckValueEnd(size_t start) {
    if (AtEnd()) return absl::OkStatus();
    const char c = text_[pos_];
    if (IsWs(c) || c == '\n' || c == '\r' || c == '#' || c == ',' || c == ']' || c == '}') {
      return absl::OkStatus();
    }
    return Error(pos_, absl::StrCat("unexpected ", Describe(pos_), " after the value ",
                                    std::string(text_.substr(start, pos_ - start))));
  }

  // A bare token: boolean, inf, nan, integer or float.
  absl::Status ParseToken(json::Value* out, Kind* kind) {
    const size_t start = pos_;
    while (!AtEnd() && IsTokenChar(text_[pos_])) ++pos_;
    const std::string_view token = text_.substr(start, pos_ - start);
    if (token == "true" || token == "false") {
      *out = json::Value(token == "true");
      *kind = Kind::kBoolean;
    } else if (token.empty()) {
      return Error(start, absl::StrCat("expected a value, got ", Describe(start)));
    } else if (IsDigit(token[0]) || token[0] == '+' || token[0] == '-' || token == "inf" ||
               token == "nan") {
      DW_TOML_RETURN_IF_ERROR(ParseNumber(start, token, out, kind));
    } else {
      std::string lower;
      for (char ch : token) lower.push_back(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      std::string message = absl::StrCat("expected a value, got '", std::string(token), "'");
      if (lower == "true" || lower == "false") {
        absl::StrAppend(&message, "; booleans are lowercase: write ", lower);
      } else if (lower == "inf" || lower == "infinity" || lower == "nan") {
        absl::StrAppend(&message, "; write ", lower == "nan" ? "nan" : "inf", " in lowercase");
      } else if (token[0] == '.') {
        absl::StrAppend(&message, "; a float needs a digit before the '.', e.g. 0.5");
      } else {
        absl::StrAppend(&message, "; strings must be quoted, e.g. \"", std::string(token), "\"");
      }
      return Error(start, message);
    }
    return CheckValueEnd(start);
  }

  // Scans digits of `base` separated by single underscores, starting at
  // token[*i] (which the caller has checked is a digit).
  absl::Status ScanDigits(size_t start, std::string_view token, size_t* i, int base) {
    const size_t first = *i;
    while (*i < token.size()) {
      const char c = token[*i];
      if (c == '_') {
        const bool before = *i > first && DigitValue(token[*i - 1], base) >= 0;
        const bool after = *i + 1 < token.size() && DigitValue(token[*i + 1], base) >= 0;
        if (!before || !after) {
          return Error(start + *i,
                       absl::StrCat("an underscore in a number must be between two digits, "
                                    "in ",
                                    std::string(token)));
        }
      } else if (DigitValue(c, base) < 0) {
        break;
      }
      ++*i;
    }
    return absl::OkStatus();
  }

  absl::Status ParseNumber(size_t start, std::string_view token, json::Value* out, Kind* kind) {
    size_t i = 0;
    bool negative = false;
    const bool signed_ = token[0] == '+' || token[0] == '-';
    if (signed_) {
      negative = token[0] == '-';
      i = 1;
    }
    const std::string_view unsigned_part = token.substr(i);
    if (unsigned_part == "inf" || unsigned_part == "nan") {
      const double v = unsigned_part == "inf" ? std::numeric_limits<double>::infinity()
                                              : std::numeric_limits<double>::quiet_NaN();
      *out = json::Value(negative ? -v : v);
      *kind = Kind::kFloat;
      return absl::OkStatus();
    }

    // 0x, 0o, 0b integers.
    if (unsigned_part.size() >= 2 && unsigned_part[0] == '0' &&
        (unsigned_part[1] == 'x' || unsigned_part[1] == 'o' || unsigned_part[1] == 'b')) {
      const char p = unsigned_part[1];
      const int base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      const char* name = p == 'x' ? "hexadecimal" : p == 'o' ? "octal" : "binary";
      if (signed_) {
        return Error(start, absl::StrCat(name, " integers cannot have a sign; write ",
                                         negative ? "a negative number" : "it",
                                         " in decimal instead, or drop the sign"));
      }
      size_t j = 2;
      if (j >= token.size() || DigitValue(token[j], base) < 0) {
        return Error(start + j, absl::StrCat("expected ", name, " digits after 0",
                                             std::string(1, p), ", got ", Describe(start + j)));
      }
      DW_TOML_RETURN_IF_ERROR(ScanDigits(start, token, &j, base));
      if (j != token.size()) {
        return Error(start + j, absl::StrCat(Describe(start + j), " is not a valid ", name,
                                             " digit in ", std::string(token)));
      }
      uint64_t v = 0;
      for (size_t k = 2; k < token.size(); ++k) {
        if (token[k] == '_') continue;
        const auto d = static_cast<uint64_t>(DigitValue(token[k], base));
        if (v > (static_cast<uint64_t>(INT64_MAX) - d) / static_cast<uint64_t>(base)) {
          return Error(start, absl::StrCat("integer ", std::string(token),
                                           " is too large; TOML integers must fit in 64 bits "
                                           "(at most 0x7FFFFFFFFFFFFFFF); use a string or a "
                                           "float for larger values"));
        }
        v = v * static_cast<uint64_t>(base) + d;
      }
      *out = json::Value(static_cast<double>(v));
      *kind = Kind::kInteger;
      return absl::OkStatus();
    }

    // Decimal integer or float.
    size_t j = i;
    if (j >= token.size() || !IsDigit(token[j])) {
      std::string message =
          absl::StrCat("expected a digit after the sign, got ", Describe(start + j));
      if (j < token.size() && token[j] == '.') {
        absl::StrAppend(&message, "; a float needs a digit before the '.', e.g. -0.5");
      }
      return Error(start + j, message);
    }
    const size_t int_start = j;
    DW_TOML_RETURN_IF_ERROR(ScanDigits(start, token, &j, 10));
    const std::string_view int_part = token.substr(int_start, j - int_start);
    if (int_part.size() > 1 && int_part[0] == '0') {
      return Error(start + int_start,
                   absl::StrCat("leading zeros are not allowed in ", std::string(token),
                                "; write the number without them (for octal, use the 0o "
                                "prefix, e.g. 0o755)"));
    }
    bool is_float = false;
    size_t frac_start = j;
    size_t frac_end = j;
    if (j < token.size() && token[j] == '.') {
      is_float = true;
      ++j;
      if (j >= token.size() || !IsDigit(token[j])) {
        return Error(start + j, absl::StrCat("expected a digit after the decimal point in ",
                                             std::string(token), ", e.g. 1.0"));
      }
      frac_start = j;
      DW_TOML_RETURN_IF_ERROR(ScanDigits(start, token, &j, 10));
      frac_end = j;
    }
    int64_t exponent = 0;
    if (j < token.size() && (token[j] == 'e' || token[j] == 'E')) {
      is_float = true;
      ++j;
      bool exponent_negative = false;
      if (j < token.size() && (token[j] == '+' || token[j] == '-')) {
        exponent_negative = token[j] == '-';
        ++j;
      }
      if (j >= token.size() || !IsDigit(token[j])) {
        return Error(start + j,
                     absl::StrCat("expected a digit in the exponent of ", std::string(token)));
      }
      const size_t exp_start = j;
      DW_TOML_RETURN_IF_ERROR(ScanDigits(start, token, &j, 10));
      for (size_t k = exp_start; k < j; ++k) {
        // Saturate: only the rough size matters past this point.
        if (token[k] != '_' && exponent < 100000) exponent = exponent * 10 + (token[k] - '0');
      }
      if (exponent_negative) exponent = -exponent;
    }
    if (j != token.size()) {
      std::string message =
          absl::StrCat("unexpected ", Describe(start + j), " in the number ", std::string(token));
      if (token.find(':') == std::string_view::npos &&
          token.find('-', 1) != std::string_view::npos && !is_float) {
        absl::StrAppend(&message, "; dates are written YYYY-MM-DD");
      }
      return Error(start + j, message);
    }

    std::string digits;  // without sign and underscores
    for (size_t k = i; k < token.size(); ++k) {
      if (token[k] != '_') digits.push_back(token[k]);
    }
    if (!is_float) {
      uint64_t v = 0;
      const uint64_t limit = negative ? static_cast<uint64_t>(INT64_MAX) + 1 : INT64_MAX;
      for (char ch : digits) {
        const auto d = static_cast<uint64_t>(ch - '0');
        if (v > (limit - d) / 10) {
          return Error(start, absl::StrCat("integer ", std::string(token),
                                           " is out of range; TOML integers must fit in 64 bits "
                                           "(-9223372036854775808 to 9223372036854775807); use a "
                                           "string or a float for larger values"));
        }
        v = v * 10 + d;
      }
      // Integers have no negative zero.
      *out = json::Value(v == 0     ? 0.0
                         : negative ? -static_cast<double>(v)
                                    : static_cast<double>(v));
      *kind = Kind::kInteger;
      return absl::OkStatus();
    }

    double v = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (result.ec == std::errc::result_out_of_range) {
      // Overflow or underflow; tell them apart by the decimal magnitude.
      int64_t magnitude;
      if (int_part != "0") {
        magnitude = 0;
        for (char ch : int_part) magnitude += ch != '_';
      } else {
        const std::string_view frac = token.substr(frac_start, frac_end - frac_start);
        const size_t first_nonzero = frac.find_first_not_of("0_");
        magnitude = first_nonzero == std::string_view::npos ? -1000000
                                                            : -static_cast<int64_t>(first_nonzero);
      }
      if (magnitude + exponent > 0) {
        return Error(start, absl::StrCat("float ", std::string(token),
                                         " is too large for a 64-bit float (the largest is "
                                         "about 1.8e308); use inf if that is what you mean"));
      }
      v = 0;
    } else if (result.ec != std::errc() || result.ptr != digits.data() + digits.size()) {
      // The grammar was checked above, so this would be a library bug.
      return Error(start, absl::StrCat("invalid float ", std::string(token)));
    }
    *out = json::Value(negative ? -v : v);
    *kind = Kind::kFloat;
    return absl::OkStatus();
  }

  // Reads exactly `n` digits at pos_ into *value; false if they are not there.
  bool ReadDigits(int n, int* value) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (!IsDigit(Peek(k))) return false;
      v = v * 10 + (Peek(k) - '0');
    }
    pos_ += n;
    *value = v;
    return true;
  }

  // Expects `c` at pos_.
  absl::Status Expect(char c, std::string_view what) {
    if (Peek() != c || AtEnd()) {
      return Error(pos_, absl::StrCat("expected '", std::string(1, c), "' ", std::string(what),
                                      ", got ", Describe(pos_)));
    }
    ++pos_;
    return absl::OkStatus();
  }

  // YYYY-MM-DD (the caller has seen the four digits and '-').
  absl::Status ParseDate() {
    const size_t start = pos_;
    int year = 0, month = 0, day = 0;
    ReadDigits(4, &year);
    ++pos_;
    if (!ReadDigits(2, &month)) {
      return Error(pos_,
                   absl::StrCat("expected a two-digit month in the date, got ", Describe(pos_),
                                "; dates are written YYYY-MM-DD, e.g. "
                                "2024-01-05"));
    }
    DW_TOML_RETURN_IF_ERROR(Expect('-', "after the month in the date (YYYY-MM-DD)"));
    if (!ReadDigits(2, &day)) {
      return Error(pos_, absl::StrCat("expected a two-digit day in the date, got ", Describe(pos_),
                                      "; dates are written YYYY-MM-DD, e.g. "
                                      "2024-01-05"));
    }
    const std::string date(text_.substr(start, pos_ - start));
    if (month < 1 || month > 12) {
      return Error(start, absl::StrCat("invalid date ", date, ": the month must be 01 to 12"));
    }
    if (day < 1 || day > DaysInMonth(year, month)) {
      return Error(start, absl::StrFormat("invalid date %s: that month has days 01 to %02d", date,
                                          DaysInMonth(year, month)));
    }
    return absl::OkStatus();
  }

  // HH:MM:SS with optional fractional seconds.
  absl::Status ParseTime() {
    const size_t start = pos_;
    int hour = 0, minute = 0, second = 0;
    if (!ReadDigits(2, &hour)) {
      return Error(pos_, absl::StrCat("expected a two-digit hour, got ", Describe(pos_),
                                      "; times are written HH:MM:SS, e.g. 07:32:00"));
    }
    DW_TOML_RETURN_IF_ERROR(Expect(':', "after the hour (times are written HH:MM:SS)"));
    if (!ReadDigits(2, &minute)) {
      return Error(pos_, absl::StrCat("expected two-digit minutes, got ", Describe(pos_),
                                      "; times are written HH:MM:SS, e.g. 07:32:00"));
    }
    if (Peek() != ':') {
      return Error(pos_,
                   absl::StrCat("expected ':' and seconds after the minutes, got ", Describe(pos_),
                                "; TOML 1.0 times need seconds: write HH:MM:SS, e.g. "
                                "07:32:00"));
    }
    ++pos_;
    if (!ReadDigits(2, &second)) {
      return Error(pos_, absl::StrCat("expected two-digit seconds, got ", Describe(pos_),
                                      "; times are written HH:MM:SS, e.g. 07:32:00"));
    }
    if (Peek() == '.') {
      ++pos_;
      if (!IsDigit(Peek())) {
        return Error(pos_, absl::StrCat("expected a digit after the '.' in the seconds, got ",
                                        Describe(pos_)));
      }
      while (IsDigit(Peek())) ++pos_;
    }
    const std::string time(text_.substr(start, pos_ - start));
    if (hour > 23) {
      return Error(start, absl::StrCat("invalid time ", time, ": the hour must be 00 to 23"));
    }
    if (minute > 59) {
      return Error(start, absl::StrCat("invalid time ", time, ": the minutes must be 00 to 59"));
    }
    if (second > 60) {
      return Error(start, absl::StrCat("invalid time ", time,
                                       ": the seconds must be 00 to 59 (or 60 for a leap "
                                       "second)"));
    }
    return absl::OkStatus();
  }

  // Z, or +HH:MM / -HH:MM.
  absl::Status ParseOffset() {
    if (Peek() == 'Z' || Peek() == 'z') {
      ++pos_;
      return absl::OkStatus();
    }
    const size_t start = pos_;
    ++pos_;  // sign
    int hour = 0, minute = 0;
    bool ok = ReadDigits(2, &hour) && Peek() == ':';
    if (ok) {
      ++pos_;
      ok = ReadDigits(2, &minute);
    }
    if (!ok) {
      return Error(pos_, absl::StrCat("invalid UTC offset: expected +HH:MM or -HH:MM, got ",
                                      Describe(pos_), "; write Z, or an offset such as -07:00"));
    }
    if (hour > 23 || minute > 59) {
      return Error(
          start, absl::StrCat("invalid UTC offset ", std::string(text_.substr(start, pos_ - start)),
                              ": hours must be 00 to 23 and minutes 00 to 59"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseDateOrDateTime(json::Value* out, Kind* kind) {
    const size_t start = pos_;
    DW_TOML_RETURN_IF_ERROR(ParseDate());
    *kind = Kind::kLocalDate;
    bool has_time = false;
    if (Peek() == 'T' || Peek() == 't') {
      ++pos_;
      has_time = true;
    } else if (Peek() == ' ' && IsDigit(Peek(1)) && IsDigit(Peek(2)) && Peek(3) == ':') {
      ++pos_;
      has_time = true;
    }
    if (has_time) {
      DW_TOML_RETURN_IF_ERROR(ParseTime());
      *kind = Kind::kLocalDateTime;
      const char c = Peek();
      if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
        DW_TOML_RETURN_IF_ERROR(ParseOffset());
        *kind = Kind::kOffsetDateTime;
      }
    }
    DW_TOML_RETURN_IF_ERROR(CheckValueEnd(start));
    *out = json::Value(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::Status ParseLocalTime(json::Value* out, Kind* kind) {
    const size_t start = pos_;
    DW_TOML_RETURN_IF_ERROR(ParseTime());
    const char c = Peek();
    if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
      return Error(pos_,
                   "a time without a date cannot have a UTC offset; write a full date-time "
                   "such as 1979-05-27T07:32:00Z, or remove the offset");
    }
    DW_TOML_RETURN_IF_ERROR(CheckValueEnd(start));
    *out = json::Value(text_.substr(start, pos_ - start));
    *kind = Kind::kLocalTime;
    return absl::OkStatus();
  }

  absl::Status ParseArray(int depth, const std::string& path, json::Value* out, Kind* kind) {
    DW_TOML_RETURN_IF_ERROR(CheckDepth(depth, pos_));
    const size_t open = pos_++;
    json::Value::Array elements;
    auto unterminated = [&] { return Error(open, "unterminated array; add the closing ']'"); };
    while (true) {
      DW_TOML_RETURN_IF_ERROR(SkipArrayFiller());
      if (AtEnd()) return unterminated();
      if (Peek() == ']') {
        ++pos_;
        break;
      }
      if (Peek() == ',') {
        return Error(pos_, elements.empty() ? "expected a value or ']' after '[', got ','"
                                            : "expected a value or ']' after ',', got ','");
      }
      json::Value element;
      Kind element_kind;
      DW_TOML_RETURN_IF_ERROR(ParseValue(depth + 1, absl::StrCat(path, "[", elements.size(), "]"),
                                         &element, &element_kind));
      elements.push_back(std::move(element));
      DW_TOML_RETURN_IF_ERROR(SkipArrayFiller());
      if (AtEnd()) return unterminated();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        break;
      }
      return Error(
          pos_, absl::StrCat("expected ',' or ']' after an array element, got ", Describe(pos_)));
    }
    *out = json::Value(std::move(elements));
    *kind = Kind::kArray;
    return absl::OkStatus();
  }

  absl::Status ParseInlineTable(int depth, const std::string& path, json::Value* out, Kind* kind) {
    DW_TOML_RETURN_IF_ERROR(CheckDepth(depth, pos_));
    const size_t open = pos_++;
    // The inline table is its own section: dotted keys inside it may build
    // sub-tables, but nothing outside may add to it.
    const int section = next_section_++;
    std::unique_ptr<Node> table = NewTable(Node::Origin::kHeader, 0, depth, open);
    // Explains what is wrong at pos_ when a ',' or '}' or key was expected.
    auto bad_char = [&](std::string_view expected) {
      if (AtEnd()) return Error(open, "unterminated inline table; add the closing '}'");
      if (Peek() == '\n' || Peek() == '\r') {
        return Error(pos_,
                     "inline tables must be on one line in TOML 1.0 (line breaks are allowed "
                     "only inside values such as arrays); close it with '}' on this line, or "
                     "use a [table] section instead");
      }
      if (Peek() == '#') {
        return Error(pos_, "comments are not allowed inside an inline table");
      }
      return Error(pos_,
                   absl::StrCat("expected ", std::string(expected), ", got ", Describe(pos_)));
    };
    SkipWs();
    if (Peek() == '}') {
      ++pos_;
    } else {
      while (true) {
        SkipWs();
        if (AtLineEnd() || Peek() == '#') return bad_char("a key");
        if (Peek() == '}') {
          return Error(pos_,
                       "trailing comma before '}' is not allowed in an inline table; remove it");
        }
        if (Peek() == ',') return Error(pos_, "expected a key, got ','");
        std::string key;
        DW_TOML_RETURN_IF_ERROR(ParseKeyValue(table.get(), path, section, &key));
        SkipWs();
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        if (Peek() == '}') {
          ++pos_;
          break;
        }
        return bad_char("',' or '}' after an inline table entry");
      }
    }
    *out = ToJson(*table);
    *kind = Kind::kInlineTable;
    return absl::OkStatus();
  }

  // --- Strings

  // Appends the character at pos_ (not a quote, backslash or newline) to
  // *out, checking it is allowed. `literal` selects the error advice.
  absl::Status AppendChar(std::string* out, bool literal) {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (IsForbiddenControl(c)) {
      if (literal) {
        return Error(pos_, absl::StrFormat("control character U+%04X is not allowed in a literal "
                                           "string; use a \"basic string\" with the escape "
                                           "\\u%04X",
                                           c, c));
      }
      return Error(pos_, absl::StrFormat("control character U+%04X must be escaped in a "
                                         "string, e.g. as \\u%04X",
                                         c, c));
    }
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++pos_;
      return absl::OkStatus();
    }
    uint32_t cp;
    const size_t len = utf8::SequenceLength(text_.substr(pos_), &cp);
    if (len == 0) {
      return Error(pos_, absl::StrFormat("invalid UTF-8 byte 0x%02X in a string; the file must "
                                         "be saved as UTF-8",
                                         c));
    }
    out->append(text_.substr(pos_, len));
    pos_ += len;
    return absl::OkStatus();
  }

  // At a backslash in a basic string: decodes one escape sequence.
  absl::Status ParseEscape(std::string* out) {
    const size_t at = pos_;
    if (pos_ + 1 >= text_.size()) {
      return Error(at, "unterminated string: the input ends after a backslash");
    }
    const char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case 'b':
        out->push_back('\b');
        return absl::OkStatus();
      case 't':
        out->push_back('\t');
        return absl::OkStatus();
      case 'n':
        out->push_back('\n');
        return absl::OkStatus();
      case 'f':
        out->push_back('\f');
        return absl::OkStatus();
      case 'r':
        out->push_back('\r');
        return absl::OkStatus();
      case '"':
        out->push_back('"');
        return absl::OkStatus();
      case '\\':
        out->push_back('\\');
        return absl::OkStatus();
      case 'u':
      case 'U': {
        const int n = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < n; ++k) {
          const int h = DigitValue(Peek(k), 16);
          if (h < 0) {
            return Error(at, absl::StrFormat("\\%c must be followed by exactly %d hex digits, "
                                             "e.g. %s; to keep backslashes as written (as in "
                                             "Windows paths), use a 'literal string' in single "
                                             "quotes",
                                             e, n, e == 'u' ? "\\u00E9" : "\\U0001F600"));
          }
          cp = (cp << 4) | static_cast<uint32_t>(h);
        }
        pos_ += n;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return Error(at, absl::StrFormat("%s is not a Unicode scalar value (surrogates "
                                           "D800-DFFF and values above 10FFFF have no "
                                           "encoding); write the character's code point, e.g. "
                                           "\\U0001F600 instead of a surrogate pair",
                                           text_.substr(at, pos_ - at)));
        }
        utf8::Append(cp, out);
        return absl::OkStatus();
      }
      case 'e':
        return Error(at, "\\e is not an escape in TOML 1.0; write \\u001B");
      case 'x':
        return Error(at, "\\xHH escapes are not part of TOML 1.0; write \\u00HH instead");
      case '\n':
      case '\r':
        // Multi-line strings handle a line-ending backslash before this.
        return Error(at,
                     "a backslash cannot end a line inside a single-line string; write \\\\ "
                     "for a backslash, or use a multi-line \"\"\"string\"\"\", where a "
                     "backslash at the end of a line joins it to the next");
      default: {
        const auto c = static_cast<unsigned char>(e);
        const std::string shown =
            c >= 0x21 && c <= 0x7E ? absl::StrCat("'", std::string(1, e), "'") : Describe(at + 1);
        return Error(at, absl::StrCat("invalid escape sequence: backslash followed by ", shown,
                                      "; valid escapes are \\b \\t \\n \\f \\r \\\" \\\\ "
                                      "\\uXXXX and \\UXXXXXXXX. To keep backslashes as written "
                                      "(paths, regular expressions), use a 'literal string' in "
                                      "single quotes"));
      }
    }
  }

  absl::Status ParseBasicString(std::string* out) {
    const size_t open = pos_++;
    while (true) {
      if (AtEnd()) return Error(open, "unterminated string; add the closing '\"'");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        DW_TOML_RETURN_IF_ERROR(ParseEscape(out));
      } else if (c == '\n' || c == '\r') {
        return Error(pos_,
                     "unterminated string: line break before the closing '\"'; write \\n for "
                     "a line break, or use a multi-line \"\"\"string\"\"\"");
      } else {
        DW_TOML_RETURN_IF_ERROR(AppendChar(out, /*literal=*/false));
      }
    }
  }

  absl::Status ParseLiteralString(std::string* out) {
    const size_t open = pos_++;
    while (true) {
      if (AtEnd()) return Error(open, "unterminated literal string; add the closing \"'\"");
      const char c = text_[pos_];
      if (c == '\'') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\n' || c == '\r') {
        return Error(pos_,
                     "unterminated literal string: line break before the closing \"'\"; use a "
                     "multi-line '''literal string''' to span lines");
      }
      DW_TOML_RETURN_IF_ERROR(AppendChar(out, /*literal=*/true));
    }
  }

  // After an opening """ or ''': a newline right after it is not content.
  absl::Status SkipNewlineAfterOpening() {
    if (Peek() == '\n') {
      ++pos_;
    } else if (Peek() == '\r') {
      return ConsumeCrlf();
    }
    return absl::OkStatus();
  }

  // At a run of `quote` characters inside a multi-line string. Returns true
  // in *closed if the run ends the string. One or two quotes are content,
  // and so are up to two quotes right before the closing three.
  absl::Status QuoteRun(char quote, std::string* out, bool* closed) {
    size_t n = 0;
    while (Peek(n) == quote) ++n;
    if (n < 3) {
      out->append(n, quote);
      pos_ += n;
      *closed = false;
      return absl::OkStatus();
    }
    if (n > 5) {
      return Error(pos_ + 5,
                   absl::StrFormat("too many %c characters: a multi-line string can contain at "
                                   "most two in a row, even just before the closing %c%c%c%s",
                                   quote, quote, quote, quote,
                                   quote == '"' ? "; escape the others as \\\""
                                                : "; write the value as a multi-line basic "
                                                  "\"\"\"string\"\"\" instead, where ' "
                                                  "needs no escaping"));
    }
    out->append(n - 3, quote);
    pos_ += n;
    *closed = true;
    return absl::OkStatus();
  }

  absl::Status ParseMultilineBasicString(std::string* out) {
    const size_t open = pos_;
    pos_ += 3;
    DW_TOML_RETURN_IF_ERROR(SkipNewlineAfterOpening());
    while (true) {
      if (AtEnd()) {
        return Error(open, "unterminated multi-line string; add the closing \"\"\"");
      }
      const char c = text_[pos_];
      if (c == '"') {
        bool closed = false;
        DW_TOML_RETURN_IF_ERROR(QuoteRun('"', out, &closed));
        if (closed) return absl::OkStatus();
      } else if (c == '\\') {
        // A backslash ending a line (trailing whitespace allowed) removes the
        // line break and all whitespace up to the next visible character.
        size_t k = pos_ + 1;
        while (k < text_.size() && IsWs(text_[k])) ++k;
        if (k < text_.size() && (text_[k] == '\n' || text_[k] == '\r')) {
          pos_ = k;
          while (!AtEnd()) {
            if (IsWs(Peek()) || Peek() == '\n') {
              ++pos_;
            } else if (Peek() == '\r') {
              DW_TOML_RETURN_IF_ERROR(ConsumeCrlf());
            } else {
              break;
            }
          }
        } else {
          DW_TOML_RETURN_IF_ERROR(ParseEscape(out));
        }
      } else if (c == '\n') {
        out->push_back('\n');
        ++pos_;
      } else if (c == '\r') {
        DW_TOML_RETURN_IF_ERROR(ConsumeCrlf());
        out->push_back('\n');
      } else {
        DW_TOML_RETURN_IF_ERROR(AppendChar(out, /*literal=*/false));
      }
    }
  }

  absl::Status ParseMultilineLiteralString(std::string* out) {
    const size_t open = pos_;
    pos_ += 3;
    DW_TOML_RETURN_IF_ERROR(SkipNewlineAfterOpening());
    while (true) {
      if (AtEnd()) {
        return Error(open, "unterminated multi-line literal string; add the closing '''");
      }
      const char c = text_[pos_];
      if (c == '\'') {
        bool closed = false;
        DW_TOML_RETURN_IF_ERROR(QuoteRun('\'', out, &closed));
        if (closed) return absl::OkStatus();
      } else if (c == '\n') {
        out->push_back('\n');
        ++pos_;
      } else if (c == '\r') {
        DW_TOML_RETURN_IF_ERROR(ConsumeCrlf());
        out->push_back('\n');
      } else {
        DW_TOML_RETURN_IF_ERROR(AppendChar(out, /*literal=*/true));
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t origin_ = 0;  // first byte after any BOM, where line 1 column 1 is
  std::unique_ptr<Node> root_;
  int section_ = 0;       // id of the current [header] section; 0 is the root
  int next_section_ = 1;  // next id for a section or inline table
};

#undef DW_TOML_RETURN_IF_ERROR

}  // namespace

absl::StatusOr<json::Value> ParseToml(std::string_view text) { return Parser(text).Parse(); }

}  // namespace dw
