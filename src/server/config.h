// Loading a worker's wrangler configuration (and its `.dev.vars` secrets).

#ifndef DW_SERVER_CONFIG_H_
#define DW_SERVER_CONFIG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "util/json.h"

namespace dw {

struct WorkerConfig {
  // Absolute, lexically normalised path of the config file.
  std::string config_path;
  // Directory containing the config file; relative paths resolve from here.
  std::string base_dir;
  // "name"; empty when the config has none.
  std::string name;
  // "main", resolved to an absolute path of an existing regular file. Empty only when loaded
  // with `require_main` false and the config has none.
  std::string main;
  // "compatibility_date" as written (validated YYYY-MM-DD); empty when absent.
  std::string compatibility_date;
  std::vector<std::string> compatibility_flags;
  // "vars" in file order, minus any name that `.dev.vars` also defines.
  // Values are any JSON; objects and arrays reach JS via json::Serialize.
  std::vector<std::pair<std::string, json::Value>> vars;
  // "worker_loaders": [{binding, id?, max_workers?, max_memory_mb?, idle_timeout_ms?}]
  // (loader.md section 2). Bindings with the same id share one cache; an absent id gives the
  // binding a cache of its own. Limits of 0 mean the default.
  struct WorkerLoader {
    std::string binding;
    std::string id;  // empty: none
    double max_workers = 0;
    double max_memory_mb = 0;
    double idle_timeout_ms = -1;
  };
  std::vector<WorkerLoader> worker_loaders;
  // "sandboxes": [{binding, class_name}] (egress-policy.md section 1).
  struct SandboxBinding {
    std::string binding;
    std::string class_name;
  };
  std::vector<SandboxBinding> sandboxes;
  // "kv_namespaces": [{binding, id?}]: Workers KV namespaces, stored in the state directory.
  // Bindings with the same id share the data; an absent id is the binding's name. Ids name
  // files, so they are letters, digits, '-', '_' and '.', not starting with '.'.
  struct KvNamespace {
    std::string binding;
    std::string id;
  };
  std::vector<KvNamespace> kv_namespaces;
  // "r2_buckets": [{binding, bucket_name?}]: R2 buckets, stored in the state directory (an
  // absent bucket_name is the binding's name; same characters as KV ids).
  struct R2Bucket {
    std::string binding;
    std::string bucket_name;
  };
  std::vector<R2Bucket> r2_buckets;
  // From `.dev.vars` beside the config file, in file order; empty if there is
  // no such file.
  std::vector<std::pair<std::string, std::string>> secrets;
};

// Loads a worker configuration.
//
// `path_or_dir` is either a config file or a directory. In a directory the
// first of wrangler.json, wrangler.jsonc, wrangler.toml that exists is used
// (wrangler's own precedence); no parent directories are searched. A file
// whose name ends in `.toml` is parsed as TOML v1.0.0 (see util/toml.h: dates
// such as an unquoted `compatibility_date = 2024-09-23` become strings); any
// other file, `.json` and `.jsonc` alike, is parsed as JSONC, as wrangler does.
// Both then go through the same validation.
//
// Unknown top-level keys are ignored, since wrangler configs carry many keys
// that do not apply here. Errors are InvalidArgumentError (bad content) or
// NotFoundError (missing config, directory or "main" file); every message
// starts with the path of the file at fault (the config, the directory
// searched, or `.dev.vars`) and says how to fix the problem.
//
// `require_main` false (`dynworker test`, where the test file is the main module): a config
// without "main" is accepted (one that has it is still checked).
absl::StatusOr<WorkerConfig> LoadWorkerConfig(std::string_view path_or_dir,
                                              bool require_main = true);

// The format-independent half of LoadWorkerConfig: validates an already
// parsed document and resolves paths against the directory of `config_path`
// (made absolute against the working directory if relative), reading
// `.dev.vars` from there. `config_path` itself is not read; it names the file
// in errors. LoadWorkerConfig calls this after parsing JSONC or TOML.
absl::StatusOr<WorkerConfig> WorkerConfigFromValue(const json::Value& root,
                                                   std::string_view config_path,
                                                   bool require_main = true);

// True if `date` is YYYY-MM-DD naming a real calendar day.
bool IsValidCompatibilityDate(std::string_view date);

}  // namespace dw

#endif  // DW_SERVER_CONFIG_H_
