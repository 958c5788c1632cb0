#include "api/storage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

namespace fs = std::filesystem;

struct StateDirConfig {
  std::mutex mu;
  std::string path;       // absolute; empty: none (yet, for a temporary one)
  bool temporary = false;
  bool made = false;      // the temporary directory exists
};

StateDirConfig& Config() {
  static auto* config = new StateDirConfig();
  return *config;
}

std::string Absolute(std::string_view path) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(std::string(path)), ec);
  if (ec) return std::string(path);
  return abs.lexically_normal().string();
}

}  // namespace

void SetStateDir(std::string_view path) {
  StateDirConfig& c = Config();
  std::lock_guard<std::mutex> lock(c.mu);
  c.path = Absolute(path);
  while (c.path.size() > 1 && c.path.back() == '/') c.path.pop_back();
  c.temporary = false;
  c.made = false;
}

void UseTemporaryStateDir() {
  StateDirConfig& c = Config();
  std::lock_guard<std::mutex> lock(c.mu);
  c.path.clear();
  c.temporary = true;
  c.made = false;
}

void RemoveTemporaryStateDir() {
  StateDirConfig& c = Config();
  std::lock_guard<std::mutex> lock(c.mu);
  if (!c.temporary || !c.made) return;
  std::error_code ec;
  fs::remove_all(c.path, ec);
  c.made = false;
  c.path.clear();
}

void ResetStateDirForTesting() {
  StateDirConfig& c = Config();
  std::lock_guard<std::mutex> lock(c.mu);
  c.path.clear();
  c.temporary = false;
  c.made = false;
}

absl::Status MakeDirectories(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create the directory ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StateDir(bool create) {
  StateDirConfig& c = Config();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.temporary) {
    if (!c.made) {
      if (!create) return absl::NotFoundError("the state directory does not exist yet");
      const char* tmp = getenv("TMPDIR");
      std::string pattern = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/dynworker-state-XXXXXX");
      if (mkdtemp(pattern.data()) == nullptr) {
        return absl::InternalError(absl::StrCat("cannot create a temporary state directory ",
                                                pattern, ": ", strerror(errno)));
      }
      c.path = pattern;
      c.made = true;
    }
    return c.path;
  }
  if (c.path.empty()) {
    return absl::FailedPreconditionError(
        "no state directory is configured for this process (dynworker serve and dynworker "
        "test take --state-dir DIR)");
  }
  if (create) {
    if (absl::Status made = MakeDirectories(c.path); !made.ok()) return made;
  }
  return c.path;
}

absl::Status CheckRelativePath(std::string_view relative) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", std::string(relative), "\" is not a valid path in the state directory: ",
                     std::string(why)));
  };
  if (relative.empty()) return bad("it is empty");
  if (relative.find('\0') != std::string_view::npos) return bad("it contains a NUL character");
  if (relative.front() == '/') return bad("it is absolute; give a path relative to the state directory");
  size_t start = 0;
  for (;;) {
    size_t end = relative.find('/', start);
    std::string_view part = relative.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) return bad("it has an empty component (\"//\" or a trailing \"/\")");
    if (part == "..") return bad("it has a \"..\" component");
    if (part == ".") return bad("it has a \".\" component");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ResolveInStateDir(std::string_view relative, bool create_parents) {
  if (absl::Status valid = CheckRelativePath(relative); !valid.ok()) return valid;
  absl::StatusOr<std::string> dir = StateDir(create_parents);
  if (!dir.ok()) return dir.status();
  std::string path = absl::StrCat(*dir, "/", std::string(relative));
  if (create_parents) {
    size_t slash = path.rfind('/');
    if (absl::Status made = MakeDirectories(path.substr(0, slash)); !made.ok()) return made;
  }
  return path;
}

bool RefusedInDynamicWorker(jsg::OpContext& cx, const char* op) {
  // A dynamic worker's realm always has limits (set by runtime/loader.cc before any of its code
  // runs); trusted realms (the loader worker, test files) never do.
  if (cx.realm().limits() == nullptr) return false;
  cx.ThrowError(absl::StrCat("internal op ", op, " is not available to dynamic workers: ",
                             "they have no access to the state directory"));
  return true;
}

}  // namespace dw::api
