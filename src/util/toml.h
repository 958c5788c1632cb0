// A TOML v1.0.0 parser that produces our JSON document model, so wrangler.toml
// can go through the same validation as wrangler.json(c). Written from the
// specification at https://toml.io/en/v1.0.0.

#ifndef DW_UTIL_TOML_H_
#define DW_UTIL_TOML_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "util/json.h"

namespace dw {

// Parses a complete TOML v1.0.0 document into a json::Value object.
//
// Mapping:
//  - Tables (root, [table], dotted-key and inline) become objects whose
//    members are in the order their keys first appear in the document.
//  - Arrays of tables ([[name]]) and arrays become arrays.
//  - Strings become strings. CRLF line breaks inside multi-line strings are
//    normalised to LF, which the spec permits.
//  - Integers (decimal, 0x, 0o, 0b) must fit in a signed 64-bit integer, as
//    the spec requires, and become numbers. json::Value stores numbers as
//    doubles, so an integer whose magnitude exceeds 2^53 is rounded to the
//    nearest double (e.g. 9007199254740993 becomes 9007199254740992), exactly
//    as JavaScript would see it.
//  - Floats become numbers; inf and nan become the non-finite doubles (which
//    json::Serialize writes as null). A float too large for a double is an
//    error; one too small rounds to zero.
//  - Booleans become booleans.
//  - Offset date-times, local date-times, local dates and local times become
//    strings holding their text exactly as written (after validation), so
//    `compatibility_date = 2024-01-01` yields the string "2024-01-01" and
//    `t = 1979-05-27 07:32:00Z` yields "1979-05-27 07:32:00Z". A seconds
//    value of 60 (a leap second, as RFC 3339 allows) is accepted.
//
// Every redefinition the spec forbids is an error: setting a key twice,
// defining a table twice (with [headers] or dotted keys, in either order),
// turning a table into an array of tables or back, appending with [[name]]
// to an array written as `name = [...]`, and adding to an inline table.
//
// A leading UTF-8 byte order mark is skipped; the rest must be valid UTF-8.
// Arrays and tables nested more than 512 levels deep are rejected, which
// bounds recursion.
//
// Errors are InvalidArgumentError with a message of the form
// `line L, column C: <problem>`, often followed by how to fix it; lines and
// columns are 1-based and columns count Unicode code points, like json::Parse.
absl::StatusOr<json::Value> ParseToml(std::string_view text);

}  // namespace dw

#endif  // DW_UTIL_TOML_H_
