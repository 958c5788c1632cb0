// `dynworker test`: runs test files written in workerd's convention (loader.md section 6).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dw::server {

struct TestOptions {
  std::vector<std::string> files;
  std::string filter;                 // empty: run everything
  // wrangler config for `env`; none: each test file's own NAME.wrangler.{json,jsonc,toml}
  // beside it, if any.
  std::optional<std::string> config;
  // none: a fresh temporary state directory, removed at exit.
  std::optional<std::string> state_dir;
};

// Prints [ PASS ]/[ FAIL ] lines and a last line "N passed, N failed"; returns the exit code
// (1 when anything failed or no test ran).
int RunTests(const TestOptions& options);

}  // namespace dw::server
