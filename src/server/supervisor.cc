#include "server/supervisor.h"

#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "io/http_server.h"

extern char** environ;

namespace dw::server {
namespace {

double NowSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

pid_t Spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A process group of its own: a terminal's Ctrl-C reaches only the supervisor, which passes
  // it on once (two would make the serving process skip its graceful drain).
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int r = posix_spawn(&pid, "/proc/self/exe", nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (r != 0) {
    fprintf(stderr, "[dynworker] supervisor: cannot start the serving process: %s\n", strerror(r));
    return -1;
  }
  return pid;
}

}  // namespace

int Supervise(const SuperviseOptions& options) {
  // Inherited by every serving process, which takes it over (--listen-fd).
  absl::StatusOr<int> listening = io::ListenOn(options.ip, options.port, /*inheritable=*/true);
  if (!listening.ok()) {
    fprintf(stderr, "dynworker serve: %s; pass another --port or stop what uses it\n",
            std::string(listening.status().message()).c_str());
    return 1;
  }
  int fd = *listening;
  // Blocked and taken with sigtimedwait: a signal that arrives at any moment waits for the loop
  // below instead of being lost between a check and a blocking call. The serving process
  // starts with none blocked (Spawn).
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGTERM);
  sigaddset(&watched, SIGCHLD);
  sigprocmask(SIG_BLOCK, &watched, nullptr);

  std::vector<std::string> argv = options.child_argv;
  argv.push_back("--listen-fd");
  argv.push_back(std::to_string(fd));
  argv.push_back("--supervisor-pid");
  argv.push_back(std::to_string(getpid()));
  int quick_crashes = 0;
  int restarts = 0;
  int forwarded = 0;
  for (;;) {
    double started = NowSeconds();
    pid_t pid = Spawn(argv);
    if (pid < 0) return 1;
    int status = 0;
    for (;;) {
      timespec tick{1, 0};
      int sig = sigtimedwait(&watched, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        kill(pid, sig);
        // Stopping: no restart will need the socket, and while this copy is open the kernel
        // would keep accepting connections the draining server no longer takes.
        if (forwarded++ == 0) close(fd);
      }
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) {
        fprintf(stderr, "[dynworker] supervisor: waitpid: %s\n", strerror(errno));
        return 1;
      }
    }
    if (WIFEXITED(status)) {
      // Its own decision: a clean stop, or a configuration/startup error a restart would repeat.
      return WEXITSTATUS(status);
    }
    int sig = WTERMSIG(status);
    if (forwarded > 0) return 128 + sig;  // stopped on request, however it ended
    // Never giving up (a client that crashes it on purpose must not be able to stop the
    // service), but crashes in quick succession are spaced out: 0.1 s, 0.2 s, ... up to 2 s.
    quick_crashes = NowSeconds() - started < 1.0 ? quick_crashes + 1 : 0;
    double delay = quick_crashes <= 1 ? 0 : std::min(2.0, 0.1 * (1 << std::min(quick_crashes - 2, 5)));
    ++restarts;
    fprintf(stderr,
            "[dynworker] supervisor: the serving process was killed by signal %d (%s); "
            "starting a new one (restart %d%s)\n",
            sig, strsignal(sig), restarts, delay > 0 ? ", after a pause: it keeps crashing" : "");
    fflush(stderr);
    if (delay > 0) {
      timespec pause{static_cast<time_t>(delay), static_cast<long>((delay - static_cast<int>(delay)) * 1e9)};
      // A stop request during the pause ends the supervisor (no serving process is running).
      int s2 = sigtimedwait(&watched, nullptr, &pause);
      if (s2 == SIGINT || s2 == SIGTERM) return 128 + s2;
    }
  }
}

}  // namespace dw::server
