#include "server/config.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "util/dotenv.h"
#include "util/toml.h"

namespace dw {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExampleConfig =
    "{ \"name\": \"my-worker\", \"main\": \"src/index.js\", "
    "\"compatibility_date\": \"2024-09-23\" }";

// Error helpers: every message starts with the file it is about.
absl::Status Invalid(std::string_view file, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(file), ": ", std::string(message)));
}

absl::Status NotFound(std::string_view file, std::string_view message) {
  return absl::NotFoundError(absl::StrCat(std::string(file), ": ", std::string(message)));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    const int err = errno;
    const std::string message = absl::StrCat("cannot open file: ", std::strerror(err));
    return err == ENOENT ? NotFound(path, message) : Invalid(path, message);
  }
  std::string data;
  char buf[16384];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) {
    data.append(buf, n);
  }
  if (std::ferror(f.get())) {
    return Invalid(path, absl::StrCat("cannot read file: ", std::strerror(errno)));
  }
  return data;
}

// Absolute and without "." / ".." / trailing-slash noise, so the paths in
// WorkerConfig and in error messages are stable.
fs::path Normalize(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) abs = p;
  abs = abs.lexically_normal();
  if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) {
    abs = abs.parent_path();
  }
  return abs;
}

bool IsRegularFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string Describe(const json::Value& v) { return v.type_name(); }

// Reads an optional string member; `*present` reports whether it was there.
absl::Status GetOptionalString(const json::Value& root, std::string_view file, std::string_view key,
                               std::string_view example, std::string* out, bool* present) {
  const json::Value* v = root.Find(key);
  *present = v != nullptr;
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string()) {
    return Invalid(file,
                   absl::StrCat("\"", std::string(key), "\" must be a string, got ", Describe(*v),
                                "; e.g. \"", std::string(key), "\": ", std::string(example)));
  }
  *out = v->as_string();
  return absl::OkStatus();
}

absl::StatusOr<std::string> ResolveMain(const json::Value& root, std::string_view file,
                                        const fs::path& base_dir, bool require_main) {
  std::string main;
  bool present = false;
  if (auto s = GetOptionalString(root, file, "main", "\"src/index.js\"", &main, &present);
      !s.ok()) {
    return s;
  }
  if (!present) {
    if (!require_main) return std::string();
    return Invalid(file,
                   "\"main\" is required; set it to the worker's entry module, "
                   "e.g. \"main\": \"src/index.js\"");
  }
  if (main.empty()) {
    return Invalid(file,
                   "\"main\" is empty; set it to the worker's entry module, "
                   "e.g. \"main\": \"src/index.js\"");
  }
  const fs::path resolved = Normalize(base_dir / fs::path(main));
  std::error_code ec;
  const fs::file_status st = fs::status(resolved, ec);
  if (!fs::exists(st)) {
    return NotFound(
        file, absl::StrCat("\"main\" is \"", main, "\", which resolves to ", resolved.string(),
                           ", but that file does not exist; fix the path "
                           "(relative paths are resolved from the directory "
                           "containing the config file)"));
  }
  if (fs::is_directory(st)) {
    return Invalid(file,
                   absl::StrCat("\"main\" is \"", main, "\", which resolves to ", resolved.string(),
                                ", a directory; point \"main\" at the "
                                "entry module file itself"));
  }
  return resolved.string();
}

}  // namespace

bool IsValidCompatibilityDate(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (date[i] - '0');
    return v;
  };
  const int year = num(0, 4);
  const int month = num(5, 2);
  const int day = num(8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max_day;
}

namespace {

// A KV namespace id or R2 bucket name: it names files in the state directory.
bool IsValidStorageName(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// "kv_namespaces" / "r2_buckets": arrays of {binding, <name_key>?}.
absl::Status ParseStorageBindings(const json::Value& root, std::string_view file, const char* key,
                                  const char* name_key, const char* example,
                                  std::vector<std::pair<std::string, std::string>>* out) {
  const json::Value* list = root.Find(key);
  if (list == nullptr) return absl::OkStatus();
  if (!list->is_array()) {
    return Invalid(file, absl::StrCat("\"", key, "\" must be an array, got ", Describe(*list),
                                      "; e.g. \"", key, "\": [", example, "]"));
  }
  const auto& items = list->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const json::Value& item = items[i];
    std::string where = absl::StrCat("\"", key, "\"[", i, "]");
    if (!item.is_object()) {
      return Invalid(file, absl::StrCat(where, " must be an object, got ", Describe(item),
                                        "; e.g. ", example));
    }
    const json::Value* binding = item.Find("binding");
    if (!binding || !binding->is_string() || binding->as_string().empty()) {
      return Invalid(file, absl::StrCat(where, " needs \"binding\": the name of the env "
                                        "property, e.g. ", example));
    }
    std::string name = binding->as_string();
    if (const json::Value* v = item.Find(name_key)) {
      if (!v->is_string()) {
        return Invalid(file, absl::StrCat(where, ".", name_key, " must be a string, got ",
                                          Describe(*v)));
      }
      name = v->as_string();
    }
    if (!IsValidStorageName(name)) {
      return Invalid(file, absl::StrCat(
          where, ".", name_key, " is \"", name, "\", which cannot name its data in the state "
          "directory: use 1 to 200 letters, digits, '-', '_' or '.', not starting with '.'",
          item.Find(name_key) ? "" : absl::StrCat(" (without \"", name_key,
                                                  "\" the binding name is used)")));
    }
    out->emplace_back(binding->as_string(), std::move(name));
  }
  return absl::OkStatus();
}

}  // namespace

// A class name the main module can export: it also names the namespace's database file.
static bool IsClassName(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The entries of "sandboxes" or of "durable_objects".bindings (`list` names it in messages):
// objects naming an env binding (under `binding_key`) and a class the main module exports.
static absl::Status ParseClassBindings(const json::Value::Array& items, const std::string& file,
                                       const std::string& list, const char* binding_key,
                                       bool other_workers_key, const char* example,
                                       std::vector<WorkerConfig::SandboxBinding>* out) {
  for (size_t i = 0; i < items.size(); ++i) {
    const json::Value& item = items[i];
    std::string where = absl::StrCat(list, "[", i, "]");
    if (!item.is_object()) {
      return Invalid(file, absl::StrCat(where, " must be an object, got ", Describe(item), "; ",
                                        example));
    }
    if (other_workers_key && item.Find("script_name")) {
      return Invalid(file, absl::StrCat(where, " has \"script_name\": Durable Objects of other "
                                        "workers are not supported; export the class from this "
                                        "worker's main module"));
    }
    WorkerConfig::SandboxBinding binding;
    for (auto [key, field] : {std::pair{binding_key, &binding.binding},
                              std::pair{"class_name", &binding.class_name}}) {
      const json::Value* v = item.Find(key);
      if (!v || !v->is_string() || v->as_string().empty()) {
        return Invalid(file, absl::StrCat(where, " needs \"", key, "\" (a non-empty string); ",
                                          example));
      }
      *field = v->as_string();
    }
    if (!IsClassName(binding.class_name)) {
      return Invalid(file, absl::StrCat(where, ".class_name is \"", binding.class_name,
                                        "\", which is not a JavaScript class name: give the name "
                                        "of the class the main module exports, e.g. \"MySandbox\""));
    }
    out->push_back(std::move(binding));
  }
  return absl::OkStatus();
}

absl::StatusOr<WorkerConfig> WorkerConfigFromValue(const json::Value& root,
                                                   std::string_view config_path,
                                                   bool require_main) {
  const fs::path config_fs_path = Normalize(fs::path(config_path));
  const std::string file = config_fs_path.string();
  if (!root.is_object()) {
    return Invalid(file, absl::StrCat("the top level must be an object, got ", Describe(root),
                                      "; e.g. ", kExampleConfig));
  }

  WorkerConfig config;
  config.config_path = file;
  config.base_dir = config_fs_path.parent_path().string();

  bool present = false;
  if (auto s = GetOptionalString(root, file, "name", "\"my-worker\"", &config.name, &present);
      !s.ok()) {
    return s;
  }

  auto main = ResolveMain(root, file, config_fs_path.parent_path(), require_main);
  if (!main.ok()) return main.status();
  config.main = *std::move(main);

  if (auto s = GetOptionalString(root, file, "compatibility_date", "\"2024-09-23\"",
                                 &config.compatibility_date, &present);
      !s.ok()) {
    return s;
  }
  if (present && !IsValidCompatibilityDate(config.compatibility_date)) {
    return Invalid(file, absl::StrCat("\"compatibility_date\" must be a real date written "
                                      "YYYY-MM-DD, got \"",
                                      config.compatibility_date,
                                      "\"; e.g. \"compatibility_date\": \"2024-09-23\""));
  }

  if (const json::Value* flags = root.Find("compatibility_flags")) {
    if (!flags->is_array()) {
      return Invalid(file, absl::StrCat("\"compatibility_flags\" must be an array of "
                                        "strings, got ",
                                        Describe(*flags),
                                        "; e.g. \"compatibility_flags\": "
                                        "[\"nodejs_compat\"]"));
    }
    const auto& elements = flags->as_array();
    for (size_t i = 0; i < elements.size(); ++i) {
      if (!elements[i].is_string()) {
        return Invalid(file, absl::StrCat("\"compatibility_flags\"[", i, "] must be a string, got ",
                                          Describe(elements[i]),
                                          "; flags are names such as "
                                          "\"nodejs_compat\""));
      }
      if (elements[i].as_string().empty()) {
        return Invalid(file, absl::StrCat("\"compatibility_flags\"[", i,
                                          "] is empty; remove it or name a "
                                          "flag, e.g. \"nodejs_compat\""));
      }
      config.compatibility_flags.push_back(elements[i].as_string());
    }
  }

  if (const json::Value* loaders = root.Find("worker_loaders")) {
    constexpr char kExample[] =
        "e.g. \"worker_loaders\": [{ \"binding\": \"LOADER\" }]";
    if (!loaders->is_array()) {
      return Invalid(file, absl::StrCat("\"worker_loaders\" must be an array, got ",
                                        Describe(*loaders), "; ", kExample));
    }
    const auto& items = loaders->as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      const json::Value& item = items[i];
      std::string where = absl::StrCat("\"worker_loaders\"[", i, "]");
      if (!item.is_object()) {
        return Invalid(file, absl::StrCat(where, " must be an object, got ", Describe(item), "; ",
                                          kExample));
      }
      WorkerConfig::WorkerLoader loader;
      const json::Value* binding = item.Find("binding");
      if (!binding || !binding->is_string() || binding->as_string().empty()) {
        return Invalid(file, absl::StrCat(where, " needs \"binding\": the name of the env "
                                          "property, ", kExample));
      }
      loader.binding = binding->as_string();
      if (const json::Value* id = item.Find("id")) {
        if (!id->is_string()) {
          return Invalid(file, absl::StrCat(where, ".id must be a string, got ", Describe(*id)));
        }
        loader.id = id->as_string();
      }
      auto number = [&](const char* key, double* out, double min) -> absl::Status {
        const json::Value* v = item.Find(key);
        if (!v) return absl::OkStatus();
        if (!v->is_number() || v->as_number() < min) {
          return Invalid(file, absl::StrCat(where, ".", key, " must be a number of at least ", min,
                                            ", got ", Describe(*v)));
        }
        *out = v->as_number();
        return absl::OkStatus();
      };
      if (auto st = number("max_workers", &loader.max_workers, 1); !st.ok()) return st;
      if (auto st = number("max_memory_mb", &loader.max_memory_mb, 1); !st.ok()) return st;
      if (auto st = number("idle_timeout_ms", &loader.idle_timeout_ms, 0); !st.ok()) return st;
      config.worker_loaders.push_back(std::move(loader));
    }
    // Bindings with one id share one cache, so they share its limits: a limit set on any of
    // them applies to all, and two different values for one limit are an error (silently
    // keeping the first would ignore what the other binding asked for).
    struct Limit {
      const char* key;
      double WorkerConfig::WorkerLoader::*field;
      double unset;
    };
    constexpr Limit kLimits[] = {{"max_workers", &WorkerConfig::WorkerLoader::max_workers, 0},
                                 {"max_memory_mb", &WorkerConfig::WorkerLoader::max_memory_mb, 0},
                                 {"idle_timeout_ms", &WorkerConfig::WorkerLoader::idle_timeout_ms, -1}};
    auto& list = config.worker_loaders;
    // Per id and limit: the index of the binding that set it, if any.
    std::map<std::string, std::array<std::optional<size_t>, std::size(kLimits)>> set_by;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].id.empty()) continue;
      auto& setters = set_by[list[i].id];
      for (size_t k = 0; k < std::size(kLimits); ++k) {
        const Limit& limit = kLimits[k];
        double value = list[i].*limit.field;
        if (value == limit.unset) continue;
        if (!setters[k]) {
          setters[k] = i;
          continue;
        }
        size_t j = *setters[k];
        if (list[j].*limit.field != value) {
          return Invalid(file, absl::StrCat(
              "\"worker_loaders\"[", i, "] (", list[i].binding, ") and \"worker_loaders\"[", j,
              "] (", list[j].binding, ") share id \"", list[i].id, "\", so one cache, but set ",
              limit.key, " to ", value, " and ", list[j].*limit.field,
              ": set it once, or to the same value"));
        }
      }
    }
    for (auto& loader : list) {
      if (loader.id.empty()) continue;
      const auto& setters = set_by[loader.id];
      for (size_t k = 0; k < std::size(kLimits); ++k) {
        if (setters[k]) loader.*kLimits[k].field = list[*setters[k]].*kLimits[k].field;
      }
    }
  }

  // "sandboxes": [{binding, class_name}] (egress-policy.md section 1): the class is checked
  // when the namespace is first used, since the main module has not run yet.
  if (const json::Value* sandboxes = root.Find("sandboxes")) {
    constexpr char kExample[] =
        "e.g. \"sandboxes\": [{ \"binding\": \"Sandbox\", \"class_name\": \"MySandbox\" }]";
    if (!sandboxes->is_array()) {
      return Invalid(file, absl::StrCat("\"sandboxes\" must be an array, got ",
                                        Describe(*sandboxes), "; ", kExample));
    }
    if (auto st = ParseClassBindings(sandboxes->as_array(), file, "\"sandboxes\"", "binding",
                                     false, kExample, &config.sandboxes);
        !st.ok()) {
      return st;
    }
  }
  std::vector<std::pair<std::string, std::string>> storage;
  if (auto st = ParseStorageBindings(
          root, file, "kv_namespaces", "id",
          "{ \"binding\": \"KV\", \"id\": \"0f2ac74b498b48028cb68387c421e279\" }", &storage);
      !st.ok()) {
    return st;
  }
  for (auto& [binding, id] : storage) config.kv_namespaces.push_back({binding, id});
  storage.clear();
  if (auto st = ParseStorageBindings(root, file, "r2_buckets", "bucket_name",
                                     "{ \"binding\": \"BUCKET\", \"bucket_name\": \"my-bucket\" }",
                                     &storage);
      !st.ok()) {
    return st;
  }
  for (auto& [binding, name] : storage) config.r2_buckets.push_back({binding, name});

  // wrangler's "durable_objects": {"bindings": [{name, class_name}]}: the Sandbox SDK's
  // configs bind their Sandbox class this way, so such bindings are namespaces of the same kind
  // (instances with ctx.storage and RPC; for a class extending Sandbox, its egress policy).
  if (const json::Value* objects = root.Find("durable_objects")) {
    constexpr char kExample[] =
        "e.g. \"durable_objects\": { \"bindings\": [{ \"name\": \"Sandbox\", \"class_name\": \"MySandbox\" }] }";
    const json::Value* bindings = objects->is_object() ? objects->Find("bindings") : nullptr;
    if (!objects->is_object() || (bindings && !bindings->is_array())) {
      return Invalid(file, absl::StrCat("\"durable_objects\" must be an object with a \"bindings\" array; ",
                                        kExample));
    }
    if (bindings) {
      if (auto st = ParseClassBindings(bindings->as_array(), file, "\"durable_objects\".bindings",
                                       "name", true, kExample, &config.sandboxes);
          !st.ok()) {
        return st;
      }
    }
  }

  if (const json::Value* vars = root.Find("vars")) {
    if (!vars->is_object()) {
      return Invalid(file, absl::StrCat("\"vars\" must be an object, got ", Describe(*vars),
                                        "; write it as \"vars\": { \"NAME\": "
                                        "\"value\" }"));
    }
    for (const auto& [key, value] : vars->as_object()) {
      config.vars.emplace_back(key, value);
    }
  }

  const fs::path dev_vars_path = config_fs_path.parent_path() / ".dev.vars";
  std::error_code ec;
  if (fs::exists(dev_vars_path, ec)) {
    const std::string dev_vars = dev_vars_path.string();
    if (!IsRegularFile(dev_vars_path)) {
      return Invalid(dev_vars,
                     "expected a file of KEY=value lines, but this is not a "
                     "regular file; remove it or replace it with a file");
    }
    auto text = ReadFile(dev_vars);
    if (!text.ok()) return text.status();
    auto entries = dotenv::Parse(*text);
    if (!entries.ok()) {
      return Invalid(dev_vars, std::string(entries.status().message()));
    }
    config.secrets = *std::move(entries);
    // A secret replaces a var of the same name, as in wrangler dev, so a
    // worker sees one binding per name.
    std::erase_if(config.vars, [&](const auto& var) {
      for (const auto& [name, unused] : config.secrets) {
        if (name == var.first) return true;
      }
      return false;
    });
  }

  // One env property per binding: two bindings of one name would silently lose one of them.
  std::map<std::string, std::string> bound;  // name -> where it was bound
  auto bind = [&](const std::string& name, std::string where) -> absl::Status {
    auto [it, fresh] = bound.emplace(name, where);
    if (fresh) return absl::OkStatus();
    return Invalid(file, absl::StrCat("the binding name \"", name, "\" is used by ", it->second,
                                      " and by ", where, "; give each binding its own name"));
  };
  for (size_t i = 0; i < config.worker_loaders.size(); ++i) {
    if (auto st = bind(config.worker_loaders[i].binding, absl::StrCat("\"worker_loaders\"[", i, "]")); !st.ok()) return st;
  }
  for (size_t i = 0; i < config.kv_namespaces.size(); ++i) {
    if (auto st = bind(config.kv_namespaces[i].binding, absl::StrCat("\"kv_namespaces\"[", i, "]")); !st.ok()) return st;
  }
  for (size_t i = 0; i < config.r2_buckets.size(); ++i) {
    if (auto st = bind(config.r2_buckets[i].binding, absl::StrCat("\"r2_buckets\"[", i, "]")); !st.ok()) return st;
  }
  for (size_t i = 0; i < config.sandboxes.size(); ++i) {
    if (auto st = bind(config.sandboxes[i].binding, absl::StrCat("sandbox binding ", i + 1)); !st.ok()) return st;
  }

  return config;
}

absl::StatusOr<WorkerConfig> LoadWorkerConfig(std::string_view path_or_dir, bool require_main) {
  const fs::path input = Normalize(fs::path(path_or_dir.empty() ? "." : std::string(path_or_dir)));
  std::error_code ec;
  const fs::file_status st = fs::status(input, ec);
  if (!fs::exists(st)) {
    return NotFound(input.string(),
                    "no such file or directory; pass a wrangler.jsonc file or "
                    "the directory that contains it");
  }

  fs::path config_path = input;
  if (fs::is_directory(st)) {
    config_path.clear();
    // wrangler's precedence when several exist.
    for (const char* name : {"wrangler.json", "wrangler.jsonc", "wrangler.toml"}) {
      if (IsRegularFile(input / name)) {
        config_path = input / name;
        break;
      }
    }
    if (config_path.empty()) {
      return NotFound(input.string(),
                      absl::StrCat("no wrangler.json, wrangler.jsonc or wrangler.toml in this "
                                   "directory; create wrangler.jsonc, e.g. ",
                                   kExampleConfig));
    }
  }

  const std::string file = config_path.string();
  auto text = ReadFile(file);
  if (!text.ok()) return text.status();
  // wrangler parses both .json and .jsonc with a JSONC parser; anything named
  // *.toml is TOML.
  auto root = config_path.extension() == ".toml" ? ParseToml(*text)
                                                 : json::Parse(*text, json::ParseOptions::Jsonc());
  if (!root.ok()) {
    return Invalid(file, std::string(root.status().message()));
  }
  return WorkerConfigFromValue(*root, file, require_main);
}

}  // namespace dw
