#include "util/dotenv.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace dw::dotenv {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Names the character at the start of `s` for an error message. Only one
// character is shown because the rest of the line may be a secret.
std::string DescribeChar(std::string_view s) {
  if (s.empty()) return "end of line";
  const auto c = static_cast<unsigned char>(s[0]);
  if (c > 0x20 && c < 0x7F) return std::string("'") + s[0] + "'";
  return absl::StrFormat("byte 0x%02X", c);
}

absl::Status LineError(int line, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrFormat("line %d: %s", line, std::string(message)));
}

class Parser {
 public:
  explicit Parser(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    // Normalising line endings up front keeps every later step to '\n'.
    text_.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r') {
        text_.push_back('\n');
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      } else {
        text_.push_back(text[i]);
      }
    }
  }

  absl::StatusOr<Entries> Run() {
    Entries entries;
    while (pos_ < text_.size()) {
      if (auto s = ParseLine(&entries); !s.ok()) return s;
    }
    return entries;
  }

 private:
  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  bool AtLineEnd() const { return pos_ >= text_.size() || text_[pos_] == '\n'; }

  // Consumes the rest of the current line including its '\n'.
  void FinishLine() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view RestOfLine() const {
    const size_t end = text_.find('\n', pos_);
    return std::string_view(text_).substr(
        pos_, end == std::string::npos ? std::string::npos : end - pos_);
  }

  absl::Status ParseLine(Entries* entries) {
    SkipBlanks();
    if (AtLineEnd() || text_[pos_] == '#') {
      FinishLine();
      return absl::OkStatus();
    }

    // "export" is only a prefix when a key follows it; `export=1` assigns a
    // variable called "export".
    if (text_.compare(pos_, 6, "export") == 0 && pos_ + 6 < text_.size() &&
        IsBlank(text_[pos_ + 6])) {
      size_t after = pos_ + 6;
      while (after < text_.size() && IsBlank(text_[after])) ++after;
      if (after < text_.size() && IsKeyChar(text_[after])) pos_ = after;
    }

    const size_t key_start = pos_;
    while (pos_ < text_.size() && IsKeyChar(text_[pos_])) ++pos_;
    std::string key = text_.substr(key_start, pos_ - key_start);
    SkipBlanks();
    if (key.empty()) {
      return LineError(line_, "expected KEY=value, got " + DescribeChar(RestOfLine()) +
                                  " at the start of the line; names may contain only "
                                  "letters, digits, '_', '.' and '-'");
    }
    if (AtLineEnd()) {
      return LineError(line_, "expected KEY=value, but the line for " + key +
                                  " has no '='; write " + key + "= for an empty value");
    }
    if (text_[pos_] != '=') {
      return LineError(line_, "expected '=' after the name " + key + ", got " +
                                  DescribeChar(RestOfLine()) +
                                  "; names may contain only letters, digits, '_', "
                                  "'.' and '-'");
    }
    ++pos_;
    SkipBlanks();

    std::string value;
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'' || text_[pos_] == '`')) {
      if (auto s = ParseQuoted(key, &value); !s.ok()) return s;
    } else {
      ParseUnquoted(&value);
    }
    FinishLine();

    for (auto& [k, v] : *entries) {
      if (k == key) {
        v = std::move(value);
        return absl::OkStatus();
      }
    }
    entries->emplace_back(std::move(key), std::move(value));
    return absl::OkStatus();
  }

  void ParseUnquoted(std::string* value) {
    const size_t start = pos_;
    size_t end = pos_;
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      // Looking back is safe: '=' precedes the value. A '#' straight after
      // '=' is part of the value; `KEY= #x` is an empty value and a comment.
      if (text_[pos_] == '#' && IsBlank(text_[pos_ - 1])) break;
      ++pos_;
      if (!IsBlank(text_[pos_ - 1])) end = pos_;
    }
    *value = text_.substr(start, end - start);
  }

  absl::Status ParseQuoted(const std::string& key, std::string* value) {
    const char quote = text_[pos_];
    const int start_line = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        const char* kind = quote == '"'    ? "double-quoted"
                           : quote == '\'' ? "single-quoted"
                                           : "backtick-quoted";
        return LineError(start_line, absl::StrFormat("unterminated %s value for %s; add "
                                                     "the closing %c",
                                                     kind, key, quote));
      }
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '\n') ++line_;
      if (c == '\\' && quote == '"' && pos_ + 1 < text_.size()) {
        const char e = text_[pos_ + 1];
        switch (e) {
          case 'n':
            value->push_back('\n');
            break;
          case 'r':
            value->push_back('\r');
            break;
          case 't':
            value->push_back('\t');
            break;
          case '"':
            value->push_back('"');
            break;
          case '\\':
            value->push_back('\\');
            break;
          default:
            // Unknown escapes stay verbatim so values like "C:\dir" or
            // regular expressions survive.
            value->push_back('\\');
            if (e == '\n') ++line_;
            value->push_back(e);
            break;
        }
        pos_ += 2;
        continue;
      }
      value->push_back(c);
      ++pos_;
    }
    SkipBlanks();
    if (!AtLineEnd() && text_[pos_] != '#') {
      return LineError(line_, "unexpected text after the closing quote of " + key +
                                  "'s value; put a '#' before a comment, or "
                                  "quote the whole value");
    }
    return absl::OkStatus();
  }

  std::string text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

absl::StatusOr<Entries> Parse(std::string_view text) { return Parser(text).Run(); }

}  // namespace dw::dotenv
