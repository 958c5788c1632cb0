// The dynworker command line.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/egress_log.h"
#include "jsg/platform.h"
#include "server/serve_command.h"
#include "server/supervisor.h"
#include "server/test_command.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  dynworker serve [DIR|CONFIG] [--port 8787] [--ip 127.0.0.1] [--max-body-size BYTES]\n"
    "                  [--no-request-log] [--state-dir DIR] [--egress-log FILE|-]\n"
    "      serve the worker's fetch handler over HTTP (config: wrangler.jsonc/json/toml);\n"
    "      KV, R2 and other stored data live in --state-dir (default .dynworker/state);\n"
    "      --egress-log writes one JSON line per sandbox egress decision (- is stderr)\n"
    "  dynworker test [--config FILE] [--filter PATTERN] [--state-dir DIR] [--egress-log FILE|-]\n"
    "                 FILE...\n"
    "      run test files (each export {test(ctrl, env, ctx)} is a test); without --config,\n"
    "      DIR/NAME.test.js gets its env from DIR/NAME.wrangler.json, .jsonc or .toml if one\n"
    "      exists (\"main\" not needed); stored data goes to a fresh temporary directory\n"
    "      removed at exit, unless --state-dir is given\n"
    "  dynworker version\n";

// Extra V8 flags for diagnosis (e.g. "--prof", "--expose-gc"); not for production use.
void InitializeV8() { dw::jsg::InitializeV8(getenv("DYNWORKER_V8_FLAGS")); }

// The sandboxes' egress audit log (egress-policy.md section 5).
bool OpenEgressLogOrExit(const char* command, const char* path) {
  absl::Status status = dw::api::OpenEgressLog(path);
  if (!status.ok()) {
    fprintf(stderr, "dynworker %s: %s\n", command, std::string(status.message()).c_str());
    return false;
  }
  return true;
}

int Test(int argc, char** argv) {
  InitializeV8();
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
    } else if (const char* log = value("--egress-log")) {
      if (!OpenEgressLogOrExit("test", log)) return 2;
    } else if (const char* d = value("--state-dir")) {
      if (!*d) {
        fprintf(stderr, "dynworker test: --state-dir needs a directory\n%s", kUsage);
        return 2;
      }
      options.state_dir = d;
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

// `self`: how this binary was started (argv[0]), for the supervisor's serving processes.
int Serve(const char* self, int argc, char** argv) {
  dw::server::ServeCommandOptions options;
  pid_t supervisor_pid = 0;
  bool have_config = false;
  const char* egress_log = nullptr;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      size_t n = strlen(flag);
      if (arg.size() > n && arg.compare(0, n, flag) == 0 && arg[n] == '=') return argv[i] + n + 1;
      if (arg == flag) {
        if (i + 1 >= argc) {
          fprintf(stderr, "dynworker serve: %s needs a value\n%s", flag, kUsage);
          exit(2);
        }
        return argv[++i];
      }
      return nullptr;
    };
    auto number = [&](const char* flag, const char* text, long long max) -> long long {
      char* end = nullptr;
      long long n = strtoll(text, &end, 10);
      if (!*text || *end || n < 0 || n > max) {
        fprintf(stderr, "dynworker serve: %s must be a whole number from 0 to %lld, got '%s'\n",
                flag, max, text);
        exit(2);
      }
      return n;
    };
    if (const char* v = value("--port")) {
      options.port = static_cast<int>(number("--port", v, 65535));
    } else if (const char* ip = value("--ip")) {
      options.ip = ip;
    } else if (const char* mb = value("--max-body-size")) {
      options.max_body_bytes = number("--max-body-size", mb, 1LL << 40);
    } else if (arg == "--no-request-log") {
      options.log_requests = false;
    } else if (const char* log = value("--egress-log")) {
      egress_log = log;  // opened by the serving process, not by its supervisor
    } else if (const char* d = value("--state-dir")) {
      if (!*d) {
        fprintf(stderr, "dynworker serve: --state-dir needs a directory\n%s", kUsage);
        return 2;
      }
      options.state_dir = d;
    } else if (const char* fd = value("--listen-fd")) {
      // Internal: the supervisor's serving process (server/supervisor.h).
      options.listen_fd = static_cast<int>(number("--listen-fd", fd, 1 << 20));
    } else if (const char* pid = value("--supervisor-pid")) {
      supervisor_pid = static_cast<pid_t>(number("--supervisor-pid", pid, 1 << 30));
    } else if (arg.size() > 1 && arg[0] == '-') {
      fprintf(stderr, "dynworker serve: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    } else if (have_config) {
      fprintf(stderr, "dynworker serve: only one config or directory may be given\n%s", kUsage);
      return 2;
    } else {
      options.config = arg;
      have_config = true;
    }
  }
  if (options.listen_fd < 0 && !getenv("DYNWORKER_NO_SUPERVISOR")) {
    dw::server::SuperviseOptions so;
    so.ip = options.ip;
    so.port = options.port;
    so.child_argv.push_back(self);
    so.child_argv.push_back("serve");
    for (int i = 0; i < argc; ++i) so.child_argv.push_back(argv[i]);
    return dw::server::Supervise(so);
  }
  if (options.listen_fd >= 0) {
    // The supervisor gone (killed), this process goes too rather than serve unsupervised.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (supervisor_pid != 0 && getppid() != supervisor_pid) return 1;  // it died before prctl
  }
  if (egress_log && !OpenEgressLogOrExit("serve", egress_log)) return 2;
  InitializeV8();
  return dw::server::RunServe(options);
}

}  // namespace

int main(int argc, char** argv) {
  // A write to a socket the peer has reset must be an error on that socket, not the end of
  // the process (libuv and OpenSSL write with plain write()).
  signal(SIGPIPE, SIG_IGN);
  // Every connection, in or out, is a descriptor, and the soft limit is often 1024: a busy
  // server (or workers that fetch from many hosts) would fail to accept long before the hard
  // limit the administrator set. Raised to it, as Go's runtime does at start.
  if (rlimit nofile; getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  if (argc < 2) {
    fprintf(stderr, "%s", kUsage);
    return 2;
  }
  std::string command = argv[1];
  if (command == "test") return Test(argc - 2, argv + 2);
  if (command == "serve") return Serve(argv[0], argc - 2, argv + 2);
  if (command == "version" || command == "--version") {
    InitializeV8();
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
