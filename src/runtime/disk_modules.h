// Modules of a loader worker read from the filesystem (trusted code: any file:// path).
#pragma once

#include "jsg/modules.h"

namespace dw::runtime {

// Module type by file extension, following wrangler's default module rules:
// .js/.mjs ES module, .cjs CommonJS, .json JSON, .txt/.html/.sql text, .bin data, .wasm wasm.
std::optional<jsg::ModuleType> ModuleTypeForPath(std::string_view path);

class DiskModuleProvider final : public jsg::ModuleProvider {
 public:
  std::optional<absl::StatusOr<jsg::ModuleContent>> Load(const std::string& url) override;
};

// file:///abs/path for a path relative to the current directory.
std::string FileUrlForPath(std::string_view path);

}  // namespace dw::runtime
