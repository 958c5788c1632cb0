// A dynamic worker's code as given in a WorkerCode's `mainModule` + `modules`: validated
// once, with loader.md section 3's exact errors, then served to the module registry under
// file:///bundle/NAME.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "jsg/modules.h"

namespace dw::runtime {

// One entry of `modules` as JS gave it: either a bare string, or an object whose own
// properties are listed in `fields` (key, content). Bytes of `data`/`wasm` are already copied.
struct RawModule {
  std::string name;
  std::optional<std::string> bare;
  std::vector<std::pair<std::string, std::string>> fields;
};

inline constexpr size_t kMaxCodeSize = 64 * 1024 * 1024;
inline constexpr char kBundleUrlPrefix[] = "file:///bundle/";

struct Bundle {
  std::string main_module;
  std::map<std::string, jsg::ModuleContent> modules;
  std::string main_url() const { return kBundleUrlPrefix + main_module; }
};

// Errors are InvalidArgument with the message JS should throw as a TypeError.
absl::StatusOr<Bundle> ValidateBundle(std::string main_module, std::vector<RawModule> modules);

class BundleModuleProvider final : public jsg::ModuleProvider {
 public:
  explicit BundleModuleProvider(std::shared_ptr<const Bundle> bundle) : bundle_(std::move(bundle)) {}
  std::optional<absl::StatusOr<jsg::ModuleContent>> Load(const std::string& url) override;

 private:
  std::shared_ptr<const Bundle> bundle_;
};

}  // namespace dw::runtime
