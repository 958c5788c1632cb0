// Small helpers shared by the C++ tests: substring / prefix assertions written against plain
// gtest (the build links gtest only, not gmock), and finding / running the dynworker binary
// built next to the test binary.
#pragma once

#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace dw::testing {

inline ::testing::AssertionResult ContainsFormat(const char* text_expr, const char* needle_expr,
                                                 std::string_view text, std::string_view needle) {
  if (text.find(needle) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " does not contain " << needle_expr
                                       << "\n    text: " << text << "\n  needle: " << needle;
}
inline ::testing::AssertionResult LacksFormat(const char* text_expr, const char* needle_expr,
                                              std::string_view text, std::string_view needle) {
  if (text.find(needle) == std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " contains " << needle_expr
                                       << "\n    text: " << text << "\n  needle: " << needle;
}
inline ::testing::AssertionResult StartsWithFormat(const char* text_expr, const char* prefix_expr,
                                                   std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) == prefix) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text_expr << " does not start with " << prefix_expr
                                       << "\n    text: " << text << "\n  prefix: " << prefix;
}

// Debian's absl::string_view is its own type, not std::string_view.
inline std::string_view AsStd(std::string_view s) { return s; }
inline std::string_view AsStd(absl::string_view s) { return {s.data(), s.size()}; }
inline std::string_view AsStd(const std::string& s) { return s; }
inline std::string_view AsStd(const char* s) { return s; }

#define DW_EXPECT_CONTAINS(text, needle)                                         \
  EXPECT_PRED_FORMAT2(::dw::testing::ContainsFormat, ::dw::testing::AsStd(text), \
                      ::dw::testing::AsStd(needle))
#define DW_EXPECT_LACKS(text, needle)                                         \
  EXPECT_PRED_FORMAT2(::dw::testing::LacksFormat, ::dw::testing::AsStd(text), \
                      ::dw::testing::AsStd(needle))
#define DW_EXPECT_STARTS_WITH(text, prefix)                                        \
  EXPECT_PRED_FORMAT2(::dw::testing::StartsWithFormat, ::dw::testing::AsStd(text), \
                      ::dw::testing::AsStd(prefix))

// The directory holding the running test binary (dynworker is built next to it).
inline std::filesystem::path ExeDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return std::filesystem::current_path();
  buf[n] = '\0';
  return std::filesystem::path(buf).parent_path();
}

// The repository root: the working directory when it looks like one (tools/test runs the
// binary from there), else two levels above out/Release.
inline std::filesystem::path RepoRoot() {
  std::filesystem::path cwd = std::filesystem::current_path();
  if (std::filesystem::exists(cwd / "tests/js") && std::filesystem::exists(cwd / "BUILD.gn")) {
    return cwd;
  }
  return std::filesystem::weakly_canonical(ExeDir() / ".." / "..");
}

// `s` single-quoted for /bin/sh.
inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

struct RunResult {
  int exit_code = -1;
  std::string output;  // what the command wrote (stdout, plus stderr when it redirects 2>&1)
};

// Runs `cmd` through popen and collects its output and exit status (128 + signal when killed).
inline RunResult RunShell(const std::string& cmd) {
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "popen failed: " << cmd;
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace dw::testing
