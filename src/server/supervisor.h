// `dynworker serve` runs as two processes: this supervisor and the serving process it starts.
// V8 can still end a process on a few non-interruptible paths (a builtin that allocates past the
// heap limit, e.g. `new Array(5e7).fill(1.5)`): the supervisor then logs why and starts a new
// serving process on the same listening socket, which it holds, so connections made meanwhile
// wait in its backlog instead of being refused.
#pragma once

#include <string>
#include <vector>

namespace dw::server {

struct SuperviseOptions {
  std::string ip;
  int port = 0;
  // The serving process's command line (this binary, `serve`, the user's arguments); the
  // supervisor appends `--listen-fd N`.
  std::vector<std::string> child_argv;
};

// Binds and listens, then runs serving processes until one ends by itself (its exit code is
// returned: 0 after SIGINT/SIGTERM, which are passed on to it; 1 or 2 for a configuration or
// startup error, which a restart would only repeat). One killed by a signal is replaced at
// once, or after a growing pause (up to 2 s) when they keep dying within a second. Must run
// before V8 is initialized: it only spawns processes.
int Supervise(const SuperviseOptions& options);

}  // namespace dw::server
