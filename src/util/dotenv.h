// Parser for `.dev.vars` files, which use the dotenv format that wrangler
// reads local secrets from.

#ifndef DW_UTIL_DOTENV_H_
#define DW_UTIL_DOTENV_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace dw::dotenv {

// (name, value) pairs in the order the names first appear.
using Entries = std::vector<std::pair<std::string, std::string>>;

// Accepted syntax, one assignment per line:
//
//   # comment                 blank lines and whole-line comments are skipped
//   KEY=value                 whitespace around '=' and the value is trimmed
//   export KEY=value          a shell-style `export ` prefix is ignored
//   KEY=value # comment       '#' starts a comment only after whitespace, so
//                             KEY=a#b keeps "a#b"
//   KEY='literal \n'          single (or backtick) quotes: no escapes
//   KEY="a\nb"                double quotes: \n \r \t \" \\ are escapes; any
//                             other backslash is kept as written
//   KEY="line 1
//   line 2"                   quoted values may span lines
//
// Keys are made of letters, digits, '_', '.' and '-', as in the `dotenv`
// package. A repeated key keeps its first position and takes the last value.
// CRLF line endings and a leading UTF-8 BOM are accepted. Variables are not
// expanded.
//
// Errors are InvalidArgumentError messages starting with `line N: `; the
// caller prefixes the file name.
absl::StatusOr<Entries> Parse(std::string_view text);

}  // namespace dw::dotenv

#endif  // DW_UTIL_DOTENV_H_
