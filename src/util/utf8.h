// UTF-8 encoding and validation shared by the JSON and TOML readers and writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dw::utf8 {

// Length of the well-formed UTF-8 sequence at the start of `s` (1-4), or 0 if
// it is not well formed (truncated, overlong, surrogate, or > U+10FFFF).
// On success stores the decoded code point in `*code_point`.
size_t SequenceLength(std::string_view s, uint32_t* code_point);

// Appends the UTF-8 encoding of `cp` (at most U+10FFFF) to `out`.
void Append(uint32_t cp, std::string* out);

}  // namespace dw::utf8
