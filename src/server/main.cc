// The dynworker command line.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "jsg/platform.h"
#include "server/test_command.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  dynworker test [--config FILE] [--filter PATTERN] FILE...\n"
    "      run test files (each export {test(ctrl, env, ctx)} is a test)\n"
    "  dynworker version\n";

int Test(int argc, char** argv) {
  dw::server::TestOptions options;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      size_t n = strlen(flag);
      if (arg.size() > n && arg.compare(0, n, flag) == 0 && arg[n] == '=') return argv[i] + n + 1;
      if (arg == flag) {
        if (i + 1 >= argc) {
          fprintf(stderr, "dynworker test: %s needs a value\n%s", flag, kUsage);
          exit(2);
        }
        return argv[++i];
      }
      return nullptr;
    };
    if (const char* v = value("--config")) {
      options.config = v;
    } else if (const char* f = value("--filter")) {
      options.filter = f;
    } else if (arg.size() > 1 && arg[0] == '-') {
      fprintf(stderr, "dynworker test: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    } else {
      options.files.push_back(arg);
    }
  }
  if (options.files.empty()) {
    fprintf(stderr, "dynworker test: no test files given\n%s", kUsage);
    return 2;
  }
  return dw::server::RunTests(options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "%s", kUsage);
    return 2;
  }
  std::string command = argv[1];
  if (command == "test") return Test(argc - 2, argv + 2);
  if (command == "version" || command == "--version") {
    printf("dynworker 0.1.0 (V8 %s)\n", v8::V8::GetVersion());
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    printf("%s", kUsage);
    return 0;
  }
  fprintf(stderr, "dynworker: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
