#include "runtime/disk_modules.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"

namespace dw::runtime {

std::optional<jsg::ModuleType> ModuleTypeForPath(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".js") || ends(".mjs")) return jsg::ModuleType::kEsm;
  if (ends(".cjs")) return jsg::ModuleType::kCommonJs;
  if (ends(".json")) return jsg::ModuleType::kJson;
  if (ends(".txt") || ends(".html") || ends(".sql")) return jsg::ModuleType::kText;
  if (ends(".bin")) return jsg::ModuleType::kData;
  if (ends(".wasm")) return jsg::ModuleType::kWasm;
  return std::nullopt;
}

std::optional<absl::StatusOr<jsg::ModuleContent>> DiskModuleProvider::Load(const std::string& url) {
  if (url.rfind("file://", 0) != 0) return std::nullopt;
  std::string path = url.substr(7);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  if (S_ISDIR(st.st_mode)) {
    return absl::StatusOr<jsg::ModuleContent>(absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is a directory; import a file inside it, e.g. \"./",
                     path.substr(path.rfind('/') + 1), "/index.js\"")));
  }
  auto type = ModuleTypeForPath(path);
  if (!type) {
    return absl::StatusOr<jsg::ModuleContent>(absl::InvalidArgumentError(absl::StrCat(
        "Cannot import \"", path,
        "\": unknown module type; use .js/.mjs (ES module), .cjs, .json, .txt/.html/.sql (text), "
        ".bin (data) or .wasm")));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::StatusOr<jsg::ModuleContent>(
        absl::NotFoundError(absl::StrCat("Cannot read \"", path, "\"")));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return absl::StatusOr<jsg::ModuleContent>(jsg::ModuleContent{*type, ss.str()});
}

std::string FileUrlForPath(std::string_view path) {
  std::string abs;
  if (!path.empty() && path[0] == '/') {
    abs = std::string(path);
  } else {
    char cwd[PATH_MAX];
    abs = std::string(getcwd(cwd, sizeof(cwd)) ? cwd : "") + "/" + std::string(path);
  }
  return jsg::ResolveSpecifier("file://" + abs, "");
}

}  // namespace dw::runtime
