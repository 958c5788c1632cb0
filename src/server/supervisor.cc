#include "server/supervisor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace dw::server {
namespace {

// SIGINT/SIGTERM received by the supervisor, passed on to the serving process.
volatile sig_atomic_t pending_signal = 0;
void OnSignal(int signum) { pending_signal = signum; }

double NowSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The listening socket, inherited by every serving process (no close-on-exec). -1 and a
// message on failure, worded as the serving process words the same failure.
int ListenSocket(const SuperviseOptions& options, std::string* error) {
  bool v6 = options.ip.find(':') != std::string::npos;
  std::string where = v6 ? "[" + options.ip + "]:" + std::to_string(options.port)
                         : options.ip + ":" + std::to_string(options.port);
  sockaddr_storage addr{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(options.port));
    len = sizeof(*a);
    if (inet_pton(AF_INET6, options.ip.c_str(), &a->sin6_addr) != 1) {
      *error = "cannot listen on " + where + ": invalid IP address";
      return -1;
    }
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(options.port));
    len = sizeof(*a);
    if (inet_pton(AF_INET, options.ip.c_str(), &a->sin_addr) != 1) {
      *error = "cannot listen on " + where + ": invalid IP address";
      return -1;
    }
  }
  int fd = socket(addr.ss_family, SOCK_STREAM, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 511) != 0) {
    // Named as libuv names it, so both processes report a busy port the same way.
    std::string why = errno == EADDRINUSE ? "address already in use" : strerror(errno);
    *error = "cannot listen on " + where + ": " + why;
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
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
  std::string error;
  int fd = ListenSocket(options, &error);
  if (fd < 0) {
    fprintf(stderr, "dynworker serve: %s; pass another --port or stop what uses it\n", error.c_str());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::string> argv = options.child_argv;
  argv.push_back("--listen-fd");
  argv.push_back(std::to_string(fd));
  int quick_crashes = 0;
  int restarts = 0;
  for (;;) {
    double started = NowSeconds();
    pid_t pid = Spawn(argv);
    if (pid < 0) return 1;
    int status = 0;
    int forwarded = 0;
    for (;;) {
      if (pending_signal != 0) {  // also one that came before the first waitpid
        int s = pending_signal;
        pending_signal = 0;
        kill(pid, s);
        // Stopping: no restart will need the socket, and while this copy is open the kernel
        // would keep accepting connections the draining server no longer takes.
        if (forwarded++ == 0) close(fd);
      }
      pid_t r = waitpid(pid, &status, 0);
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
    quick_crashes = NowSeconds() - started < 1.0 ? quick_crashes + 1 : 0;
    if (quick_crashes >= 5) {
      fprintf(stderr,
              "[dynworker] supervisor: the serving process was killed by signal %d (%s) within a "
              "second of starting, five times in a row; giving up\n",
              sig, strsignal(sig));
      return 1;
    }
    ++restarts;
    fprintf(stderr,
            "[dynworker] supervisor: the serving process was killed by signal %d (%s); "
            "starting a new one (restart %d)\n",
            sig, strsignal(sig), restarts);
    fflush(stderr);
  }
}

}  // namespace dw::server
