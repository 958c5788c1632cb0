#include "api/egress_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace dw::api {
namespace {

// Process-wide: every event-loop thread's sandboxes write to the one log.
std::mutex log_mutex;
int log_fd = -1;

bool Enabled(jsg::OpContext&) { return log_fd >= 0; }

void Write(jsg::OpContext&, std::string line) {
  if (log_fd < 0) return;
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(log_mutex);
  // One write() per line on an O_APPEND descriptor: lines of concurrent writers stay whole.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = write(log_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not fail the request whose decision this records
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

const jsg::OpDef kOps[] = {
    DW_OP("egressLogEnabled", Enabled),
    DW_OP("egressLog", Write),
};

}  // namespace

absl::Status OpenEgressLog(const std::string& path) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (path == "-") {
    log_fd = STDERR_FILENO;
    return absl::OkStatus();
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--egress-log: cannot open ", path, ": ",
                                                   strerror(errno),
                                                   "; give a writable file, or - for stderr"));
  }
  if (log_fd > STDERR_FILENO) close(log_fd);
  log_fd = fd;
  return absl::OkStatus();
}

bool EgressLogOpen() { return log_fd >= 0; }

std::span<const jsg::OpDef> EgressLogOps() { return kOps; }

}  // namespace dw::api
