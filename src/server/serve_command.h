// `dynworker serve`: the loader worker's fetch handler over HTTP/1.1 (loader.md section 6).
#pragma once

#include <cstdint>
#include <string>

namespace dw::server {

struct ServeCommandOptions {
  std::string config = ".";  // a directory or a wrangler config file
  std::string ip = "127.0.0.1";
  int port = 8787;
  uint64_t max_body_bytes = 100ull << 20;
  bool log_requests = true;
  // Where KV, R2 and other stored data live (created when first needed); relative paths are
  // from the working directory.
  std::string state_dir = ".dynworker/state";
  // Under the supervisor (server/supervisor.h): the listening socket it holds, instead of
  // binding ip:port here. -1: bind here.
  int listen_fd = -1;
};

// Serves until SIGINT/SIGTERM, then lets in-flight requests finish. Returns the exit code.
int RunServe(const ServeCommandOptions& options);

}  // namespace dw::server
