#include "runtime/bundle.h"

#include "absl/strings/str_cat.h"

namespace dw::runtime {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

absl::Status PythonUnsupported(const std::string& name) {
  return Invalid(absl::StrCat("Module '", name,
                              "' is a Python module; dynworker runs JavaScript and WebAssembly "
                              "only. Give JavaScript modules instead."));
}

}  // namespace

absl::StatusOr<Bundle> ValidateBundle(std::string main_module, std::vector<RawModule> modules) {
  if (modules.empty()) return Invalid("Dynamic Worker code must contain at least one module.");
  Bundle bundle;
  size_t total = 0;
  for (auto& m : modules) {
    jsg::ModuleContent content;
    if (m.bare) {
      if (EndsWith(m.name, ".js") || EndsWith(m.name, ".mjs")) {
        content = {jsg::ModuleType::kEsm, std::move(*m.bare)};
      } else if (EndsWith(m.name, ".py")) {
        return PythonUnsupported(m.name);
      } else {
        std::string message = absl::StrCat(
            "Module name must end with '.js' or '.py' (or the content must be an object "
            "indicating the type explicitly). Got: ",
            m.name);
        if (EndsWith(m.name, ".ts") || EndsWith(m.name, ".tsx") || EndsWith(m.name, ".jsx")) {
          absl::StrAppend(&message,
                          ". If you're trying to load TypeScript, bundle it first with "
                          "'@cloudflare/worker-bundler' and pass the generated JavaScript "
                          "modules.");
        }
        return Invalid(std::move(message));
      }
    } else {
      if (m.fields.size() != 1) {
        return Invalid(absl::StrCat(
            "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', "
            "'py', or 'wasm'. Module '",
            m.name, "' contained ", m.fields.size(), " properties."));
      }
      auto& [key, value] = m.fields[0];
      if (key == "js") content = {jsg::ModuleType::kEsm, std::move(value)};
      else if (key == "cjs") content = {jsg::ModuleType::kCommonJs, std::move(value)};
      else if (key == "text") content = {jsg::ModuleType::kText, std::move(value)};
      else if (key == "data") content = {jsg::ModuleType::kData, std::move(value)};
      else if (key == "json") content = {jsg::ModuleType::kJson, std::move(value)};
      else if (key == "wasm") content = {jsg::ModuleType::kWasm, std::move(value)};
      else if (key == "py") return PythonUnsupported(m.name);
      else {
        return Invalid(absl::StrCat(
            "Each module must contain exactly one of 'js', 'cjs', 'text', 'data', 'json', "
            "'py', or 'wasm'. Module '",
            m.name, "' has the unknown property '", key, "'."));
      }
    }
    total += m.name.size() + content.source.size();
    if (!bundle.modules.emplace(m.name, std::move(content)).second) {
      return Invalid(absl::StrCat("Module '", m.name, "' is listed twice."));
    }
  }
  if (total > kMaxCodeSize) {
    // A limit, not a malformed bundle: workerd throws a plain Error for it (not a TypeError),
    // which the status code tells the caller.
    return absl::ResourceExhaustedError(absl::StrCat("Dynamic Worker code size (", total,
                                " bytes) exceeds the maximum allowed size of ", kMaxCodeSize,
                                " bytes."));
  }
  if (!bundle.modules.count(main_module)) return Invalid("Main module name is not present in bundle.");
  bundle.main_module = std::move(main_module);
  return bundle;
}

std::optional<absl::StatusOr<jsg::ModuleContent>> BundleModuleProvider::Load(const std::string& url) {
  constexpr std::string_view prefix = kBundleUrlPrefix;
  if (url.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  auto it = bundle_->modules.find(url.substr(prefix.size()));
  if (it == bundle_->modules.end()) return std::nullopt;
  return absl::StatusOr<jsg::ModuleContent>(it->second);
}

}  // namespace dw::runtime
