// The module registry of one realm: resolution of specifiers to URLs, compilation and linking
// of every module type a worker can contain, dynamic import(), import.meta and CommonJS
// require().
//
// Modules are named by URL. User modules live under file:// (a bundle from WorkerCode is
// file:///bundle/NAME; a loader worker read from disk uses its real path). The runtime's own
// modules are `internal:*` (importable only by runtime modules) and the public built-ins
// `node:*`, `cloudflare:*`, `dynworker:*`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "jsg/v8.h"

namespace dw::jsg {

class Realm;

enum class ModuleType { kEsm, kCommonJs, kText, kData, kJson, kWasm };

struct ModuleContent {
  ModuleType type;
  std::string source;  // JS source, text, JSON text or raw bytes
};

// Where user modules come from. Implementations: a WorkerCode bundle, the filesystem.
class ModuleProvider {
 public:
  virtual ~ModuleProvider() = default;
  // nullopt when there is no module at `url`; an error status when it exists but is unusable.
  virtual std::optional<absl::StatusOr<ModuleContent>> Load(const std::string& url) = 0;
};

struct BuiltinModule {
  const char* specifier;  // "internal:timers", "node:assert", ...
  const char* source;
  size_t length;
};

// Resolves `specifier` against `referrer` (both URLs). Builtin schemes pass through; every
// other specifier is a path relative to the referrer's directory ("./a.js", "../b.js",
// "lib/c.js", "/root.js"), as workerd resolves bundle imports.
std::string ResolveSpecifier(std::string_view specifier, std::string_view referrer);
bool IsBuiltinSpecifier(std::string_view specifier);

class ModuleRegistry {
 public:
  ModuleRegistry(Realm& realm, std::span<const BuiltinModule> builtins);
  ~ModuleRegistry();

  void set_provider(std::unique_ptr<ModuleProvider> provider) { provider_ = std::move(provider); }
  // Built-in modules whose URL starts with `prefix` cannot be imported by user code here.
  void Withhold(std::string prefix) { withheld_.push_back(std::move(prefix)); }

  // Compiles and links the graph rooted at `url`, then evaluates it. For the runtime's C++
  // only: it may name internal:* modules. (User code reaches modules through import/require,
  // which check who is asking.) Returns the evaluation
  // promise (top-level await may leave it pending until the loop runs). On failure a JS
  // exception is pending in the caller's TryCatch and the result is empty.
  v8::MaybeLocal<v8::Promise> Evaluate(const std::string& url);
  // The module namespace of an evaluated module.
  v8::MaybeLocal<v8::Object> Namespace(const std::string& url);
  // Export names in source order (namespaces list keys alphabetically; test order needs
  // source order). Empty for non-ESM modules.
  std::vector<std::string> ExportNamesInOrder(const std::string& url);

  // Line `line` (1-based) of the user module at `url`, or "" (for error messages).
  std::string SourceLine(const std::string& url, int line);

  // Stores V8 code caches of the ES modules this realm compiled and evaluated (those not cached
  // yet) in a process-wide table, so the next isolate compiling the same source skips parsing
  // and most lazy compilation. Called when a worker ends: the cache then also holds the
  // functions compiled while it ran, and `refresh` (the first few workers to end in the
  // process) replaces existing caches with those fuller ones. `builtins_only`: only the
  // runtime's own modules, when one was loaded on first use, so the next isolate loading it
  // finds a cache at once. (Not user modules then: V8's first serialization in an isolate
  // builds a table of external references that stays for the isolate's life, about 70 KB, which
  // a retained worker would keep for a cache nobody may ever read.) The caller holds a
  // HandleScope.
  void SaveCodeCache(bool refresh = false, bool builtins_only = false);

  // The startup snapshot (jsg/snapshot.cc). AddToSnapshot adds, as data of the creator's
  // context: an Array of the URLs of every module loaded so far (all built-in: the bootstrap's
  // graph), then each module. RestoreFromSnapshot reads them back from `context`, starting at
  // data index `*index`, which it advances past them.
  void AddToSnapshot(v8::SnapshotCreator& creator, v8::Local<v8::Context> context);
  bool RestoreFromSnapshot(v8::Local<v8::Context> context, size_t* index);
  // Appends the callbacks and data a snapshot's modules point to (see ExternalReferences).
  static void AddExternalReferences(std::span<const BuiltinModule> builtins,
                                    std::vector<intptr_t>& refs);

  // Whether `identifier` occurs as a whole word (an identifier, property name or word in a
  // comment) in the source of any built-in module. For internal:primordials, which keeps only
  // the built-ins the runtime's JS can name: each one kept is a function and a key that every
  // isolate deserializes from the startup snapshot. Scanned once per process and builtin table.
  bool BuiltinsMention(std::string_view identifier) const;

  // Called by the runtime's ops for require(): returns module.exports / the namespace.
  v8::MaybeLocal<v8::Value> Require(const std::string& specifier, const std::string& referrer);

 private:
  struct Entry {
    std::string url;
    ModuleType type;
    v8::Global<v8::Module> module;
    // For synthetic modules: the default export, computed at evaluation (CommonJS runs then).
    v8::Global<v8::Value> value;
    std::string source;  // kept for CommonJS, which compiles at evaluation
    std::string cache_key;  // ES modules: the code cache key (URL + source hash)
    // Built-in modules: their source in the binary, handed to V8 without a copy.
    const char* static_source = nullptr;
    size_t static_length = 0;
    bool cached = false;    // compiled from (or already saved to) the code cache
    bool cjs_evaluating = false;
    v8::Global<v8::Object> cjs_module;  // the `module` object while/after a CJS body runs
  };

  Entry* FindByModule(v8::Local<v8::Module> module);
  // Loads (compiles, not links) the module at `url`, imported by `referrer` (for messages).
  // `trusted`: the runtime's C++ asks, so internal:* is allowed.
  Entry* GetOrLoad(const std::string& url, const std::string& referrer_url, bool trusted = false);
  v8::MaybeLocal<v8::Module> Compile(Entry& entry, const std::string& source);
  bool Link(Entry& entry);
  v8::MaybeLocal<v8::Value> EvaluateCommonJs(Entry& entry);
  void ThrowNotFound(const std::string& specifier, const std::string& referrer_url);

  static v8::MaybeLocal<v8::Module> ResolveCallback(v8::Local<v8::Context> context,
                                                    v8::Local<v8::String> specifier,
                                                    v8::Local<v8::FixedArray> assertions,
                                                    v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Value> SyntheticSteps(v8::Local<v8::Context> context,
                                                  v8::Local<v8::Module> module);
  static v8::MaybeLocal<v8::Promise> DynamicImport(v8::Local<v8::Context> context,
                                                   v8::Local<v8::Data> options,
                                                   v8::Local<v8::Value> resource_name,
                                                   v8::Local<v8::String> specifier,
                                                   v8::Local<v8::FixedArray> assertions);
  static void ImportMeta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                         v8::Local<v8::Object> meta);
  static void RequireCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  // import()'s reaction: returns the module namespace held as its data.
  static void ReturnNamespace(const v8::FunctionCallbackInfo<v8::Value>& info);

  Realm& realm_;
  std::span<const BuiltinModule> builtin_table_;
  // builtin_table_ indexed by specifier: one index per table, shared by every realm using it.
  using BuiltinIndex = std::map<std::string, const BuiltinModule*, std::less<>>;
  static std::shared_ptr<const BuiltinIndex> IndexOf(std::span<const BuiltinModule> builtins);
  const BuiltinModule* FindBuiltin(const std::string& url) const;
  std::shared_ptr<const BuiltinIndex> builtins_;
  std::unique_ptr<ModuleProvider> provider_;
  std::vector<std::string> withheld_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  std::unordered_multimap<int, Entry*> by_hash_;
};

}  // namespace dw::jsg
