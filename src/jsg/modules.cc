#include "jsg/modules.h"

#include <functional>
#include <mutex>

#include <regex>

#include <openssl/evp.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jsg/realm.h"

namespace dw::jsg {
namespace {

constexpr std::string_view kBuiltinSchemes[] = {"internal:", "node:", "cloudflare:", "dynworker:"};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    start = end + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();  // ".." at the root stays at the root, as URLs do
      continue;
    }
    out.push_back(seg);
  }
  std::string result;
  for (auto seg : out) {
    result += '/';
    result += seg;
  }
  if (result.empty()) result = "/";
  if (!path.empty() && path.back() == '/' && result != "/") result += '/';
  return result;
}

// For V8 callbacks (module resolution, synthetic evaluation steps, require()) that return
// empty on failure: V8 then expects an exception to be pending. An API call made inside the
// callback that fails with no JavaScript frame in between (CompileModule for a syntax error,
// WasmModuleObject::Compile, a CommonJS body run from module evaluation) leaves its exception
// in the nearest v8::TryCatch instead, and V8 aborts ("Check failed:
// has_pending_exception()"). Catching it in a TryCatch of the callback's own and rethrowing
// makes it pending again, for every path.
void RethrowFromCallback(v8::TryCatch& try_catch) {
  if (try_catch.HasCaught() && !try_catch.HasTerminated()) try_catch.ReThrow();
}

}  // namespace

bool IsBuiltinSpecifier(std::string_view specifier) {
  for (auto scheme : kBuiltinSchemes)
    if (StartsWith(specifier, scheme)) return true;
  return false;
}

std::string ResolveSpecifier(std::string_view specifier, std::string_view referrer) {
  if (IsBuiltinSpecifier(specifier)) return std::string(specifier);
  // Code written for Cloudflare's Sandbox SDK imports the npm package by name; dynworker
  // builds it in (egress-policy.md section 1).
  if (specifier == "@cloudflare/sandbox") return "dynworker:sandbox";
  constexpr std::string_view kFile = "file://";
  if (StartsWith(specifier, kFile)) return "file://" + NormalizePath(specifier.substr(7));
  std::string_view base = StartsWith(referrer, kFile) ? referrer.substr(7) : std::string_view("/");
  // Query and fragment have no meaning for bundle modules; drop them from the specifier.
  specifier = specifier.substr(0, specifier.find_first_of("?#"));
  std::string path;
  if (StartsWith(specifier, "/")) {
    path = std::string(specifier);
  } else {
    auto slash = base.rfind('/');
    path = std::string(base.substr(0, slash + 1)) + std::string(specifier);
  }
  return "file://" + NormalizePath(path);
}

std::shared_ptr<const ModuleRegistry::BuiltinIndex> ModuleRegistry::IndexOf(
    std::span<const BuiltinModule> builtins) {
  // Every isolate's realm has the same table: the index (a few KB) is made once, not per realm.
  static std::mutex mu;
  static std::map<std::pair<const BuiltinModule*, size_t>, std::shared_ptr<const BuiltinIndex>> indexes;
  std::lock_guard<std::mutex> lock(mu);
  auto& index = indexes[{builtins.data(), builtins.size()}];
  if (!index) {
    auto made = std::make_shared<BuiltinIndex>();
    for (const auto& b : builtins) (*made)[b.specifier] = &b;
    index = std::move(made);
  }
  return index;
}

const BuiltinModule* ModuleRegistry::FindBuiltin(const std::string& url) const {
  auto b = builtins_->find(url);
  return b == builtins_->end() ? nullptr : b->second;
}

ModuleRegistry::ModuleRegistry(Realm& realm, std::span<const BuiltinModule> builtins)
    : realm_(realm), builtin_table_(builtins), builtins_(IndexOf(builtins)) {
  v8::Isolate* isolate = realm.isolate();
  isolate->SetHostImportModuleDynamicallyCallback(&ModuleRegistry::DynamicImport);
  isolate->SetHostInitializeImportMetaObjectCallback(&ModuleRegistry::ImportMeta);
}

ModuleRegistry::~ModuleRegistry() = default;

bool ModuleRegistry::BuiltinsMention(std::string_view identifier) const {
  using WordSet = absl::flat_hash_set<std::string_view>;
  static std::mutex mu;
  static auto* sets = new std::map<const BuiltinModule*, WordSet>();
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = sets->try_emplace(builtin_table_.data());
  WordSet& words = it->second;
  if (inserted) {
    // The sources live in the binary for the whole process, so the set holds views of them.
    auto is_start = [](char c) { return absl::ascii_isalpha(c) || c == '_' || c == '$'; };
    auto is_part = [&](char c) { return is_start(c) || absl::ascii_isdigit(c); };
    for (const BuiltinModule& b : builtin_table_) {
      std::string_view src(b.source, b.length);
      for (size_t i = 0; i < src.size();) {
        if (!is_start(src[i])) {
          // Skip the rest of a number-like token ("0x1F") as a whole, not as "x1F".
          if (absl::ascii_isdigit(src[i])) {
            while (i < src.size() && is_part(src[i])) ++i;
          } else {
            ++i;
          }
          continue;
        }
        size_t start = i;
        while (i < src.size() && is_part(src[i])) ++i;
        words.insert(src.substr(start, i - start));
      }
    }
  }
  return words.contains(identifier);
}

ModuleRegistry::Entry* ModuleRegistry::FindByModule(v8::Local<v8::Module> module) {
  auto range = by_hash_.equal_range(module->GetIdentityHash());
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second->module.Get(realm_.isolate()) == module) return it->second;
  }
  return nullptr;
}

void ModuleRegistry::ThrowNotFound(const std::string& specifier, const std::string& referrer_url) {
  v8::Isolate* isolate = realm_.isolate();
  std::string message = absl::StrCat("No such module \"", realm_.DisplayName(specifier), "\".");
  if (!referrer_url.empty()) {
    absl::StrAppend(&message, "\n  imported from \"", realm_.DisplayName(referrer_url), "\"");
  }
  isolate->ThrowException(v8::Exception::Error(Str(isolate, message)));
}

ModuleRegistry::Entry* ModuleRegistry::GetOrLoad(const std::string& url,
                                                  const std::string& referrer_url,
                                                  bool trusted) {
  // internal:* is the runtime's private surface (ops, unwrapped helpers): it resolves only
  // for the runtime's C++ and from runtime modules. Checked on every resolution, cached or
  // not; code with no referrer (eval) is user code.
  if (StartsWith(url, "internal:") && !trusted && !IsBuiltinSpecifier(referrer_url)) {
    ThrowNotFound(url, referrer_url);
    return nullptr;
  }
  // Modules the embedder withholds from this realm's user code (a dynamic worker may not
  // import dynworker:test, whose serve() would open a listening socket).
  if (!trusted && !IsBuiltinSpecifier(referrer_url)) {
    for (const std::string& prefix : withheld_) {
      if (StartsWith(url, prefix)) {
        ThrowNotFound(url, referrer_url);
        return nullptr;
      }
    }
  }
  auto found = entries_.find(url);
  if (found != entries_.end()) return found->second.get();

  v8::Isolate* isolate = realm_.isolate();
  v8::Local<v8::Context> context = realm_.context();
  std::optional<ModuleContent> content;
  const char* static_source = nullptr;
  size_t static_length = 0;

  if (IsBuiltinSpecifier(url)) {
    if (url == "internal:ops") {
      auto entry = std::make_unique<Entry>();
      entry->url = url;
      entry->type = ModuleType::kData;
      entry->value.Reset(isolate, realm_.OpsObject());
      std::vector<v8::Local<v8::String>> names = {Str(isolate, "default")};
      auto module = v8::Module::CreateSyntheticModule(isolate, Str(isolate, url), names,
                                                      &ModuleRegistry::SyntheticSteps);
      entry->module.Reset(isolate, module);
      Entry* raw = entry.get();
      by_hash_.emplace(module->GetIdentityHash(), raw);
      entries_[url] = std::move(entry);
      return raw;
    }
    const BuiltinModule* b = FindBuiltin(url);
    if (!b) {
      ThrowNotFound(url, referrer_url);
      return nullptr;
    }
    content = ModuleContent{ModuleType::kEsm, std::string(b->source, b->length)};
    static_source = b->source;
    static_length = b->length;
  } else {
    auto loaded = provider_ ? provider_->Load(url) : std::nullopt;
    if (!loaded) {
      ThrowNotFound(url, referrer_url);
      return nullptr;
    }
    if (!loaded->ok()) {
      isolate->ThrowException(
          v8::Exception::Error(Str(isolate, std::string(loaded->status().message()))));
      return nullptr;
    }
    content = std::move(**loaded);
  }

  auto entry = std::make_unique<Entry>();
  entry->url = url;
  entry->type = content->type;
  entry->static_source = static_source;
  entry->static_length = static_length;
  v8::Local<v8::Module> module;
  if (content->type == ModuleType::kEsm) {
    if (!Compile(*entry, content->source).ToLocal(&module)) return nullptr;
  } else {
    v8::Local<v8::Value> value;
    switch (content->type) {
      case ModuleType::kText:
        if (!v8::String::NewFromUtf8(isolate, content->source.data(), v8::NewStringType::kNormal,
                                     content->source.size()).ToLocal(&value)) {
          return nullptr;
        }
        break;
      case ModuleType::kData: {
        auto store = v8::ArrayBuffer::NewBackingStore(isolate, content->source.size());
        // An empty module has no buffer at all (memcpy from or to null is undefined behaviour).
        if (!content->source.empty()) memcpy(store->Data(), content->source.data(), content->source.size());
        value = v8::ArrayBuffer::New(isolate, std::move(store));
        break;
      }
      case ModuleType::kJson: {
        std::string why;
        {
          v8::TryCatch try_catch(isolate);
          if (v8::JSON::Parse(context, Str(isolate, content->source)).ToLocal(&value)) break;
          if (try_catch.HasTerminated()) {
            try_catch.ReThrow();
            return nullptr;
          }
          why = ToUtf8(isolate, try_catch.Exception());
        }
        // Thrown after the TryCatch is gone, which would otherwise swallow it.
        isolate->ThrowException(v8::Exception::SyntaxError(Str(
            isolate, absl::StrCat("Invalid JSON in module \"", realm_.DisplayName(url), "\": ", why))));
        return nullptr;
      }
      case ModuleType::kWasm: {
        auto bytes = reinterpret_cast<const uint8_t*>(content->source.data());
        v8::Local<v8::WasmModuleObject> wasm;
        Realm::WasmCompileScope allow(realm_);  // the worker's own code, also after its startup
        bool threw;
        {
          v8::TryCatch try_catch(isolate);
          if (v8::WasmModuleObject::Compile(isolate, {bytes, content->source.size()}).ToLocal(&wasm)) {
            value = wasm;
            break;
          }
          threw = try_catch.HasCaught() || try_catch.HasTerminated();
          if (threw) try_catch.ReThrow();
        }
        // V8 can refuse without an exception (wasm code generation disallowed); the caller
        // needs one pending. Thrown after the TryCatch is gone, which would swallow it.
        if (!threw) {
          isolate->ThrowException(v8::Exception::Error(Str(
              isolate, absl::StrCat("WebAssembly module \"", realm_.DisplayName(url), "\" could not be compiled."))));
        }
        return nullptr;
      }
      case ModuleType::kCommonJs:
        entry->source = std::move(content->source);
        break;
      case ModuleType::kEsm:
        break;
    }
    if (!value.IsEmpty()) entry->value.Reset(isolate, value);
    std::vector<v8::Local<v8::String>> names = {Str(isolate, "default")};
    module = v8::Module::CreateSyntheticModule(isolate, Str(isolate, url), names,
                                               &ModuleRegistry::SyntheticSteps);
  }
  entry->module.Reset(isolate, module);
  Entry* raw = entry.get();
  by_hash_.emplace(module->GetIdentityHash(), raw);
  entries_[url] = std::move(entry);
  return raw;
}

namespace {

// Code caches by module URL + source hash, shared by every isolate of the process: creating a
// dynamic worker compiles the runtime's ~17k lines of JS (and often the same user code) again,
// and a cache hit skips the parse and most lazy compilation. Bounded in bytes; entries are
// never replaced (same key, same source).
class CodeCacheTable {
 public:
  std::shared_ptr<const std::vector<uint8_t>> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(key);
    return it == table_.end() ? nullptr : it->second;
  }
  bool Has(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return table_.count(key) != 0;
  }
  // A bigger cache for a key replaces the old one: it was made later, after more of the
  // module's functions had been compiled.
  void Put(const std::string& key, std::vector<uint8_t> data) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(key);
    size_t old = it == table_.end() ? 0 : it->second->size();
    if (data.size() <= old || bytes_ - old + data.size() > kMaxBytes) return;
    bytes_ = bytes_ - old + data.size();
    table_[key] = std::make_shared<const std::vector<uint8_t>>(std::move(data));
  }
  // The first few workers to end refresh the caches of the modules they ran.
  bool TakeRefresh() {
    std::lock_guard<std::mutex> lock(mu_);
    if (refreshes_ == 0) return false;
    --refreshes_;
    return true;
  }

 private:
  static constexpr size_t kMaxBytes = 256u << 20;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const std::vector<uint8_t>>> table_;
  size_t bytes_ = 0;
  int refreshes_ = 3;
};

bool IsAscii(const char* data, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (static_cast<unsigned char>(data[i]) >= 0x80) return false;
  }
  return true;
}

// Source text that lives in the binary for the whole process. One resource per built-in,
// shared by every isolate and never deleted (Dispose does nothing): the startup snapshot
// refers to it by address (an external reference), so each isolate made from the snapshot
// shares the text in the binary too.
class StaticOneByteSource final : public v8::String::ExternalOneByteStringResource {
 public:
  StaticOneByteSource(const char* data, size_t length) : data_(data), length_(length) {}
  const char* data() const override { return data_; }
  size_t length() const override { return length_; }
  void Dispose() override {}

 private:
  const char* data_;
  size_t length_;
};

// The shared resource of a built-in's source, or null when it is not ASCII (V8 external
// one-byte strings are Latin-1; those are copied instead).
StaticOneByteSource* SharedSource(const char* data, size_t length) {
  static std::mutex mu;
  static auto* table = new std::map<const char*, StaticOneByteSource*>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = table->find(data);
  if (it != table->end()) return it->second;
  StaticOneByteSource* source = IsAscii(data, length) ? new StaticOneByteSource(data, length) : nullptr;
  (*table)[data] = source;
  return source;
}

// The code cache key of a module: its URL, and for user code a SHA-256 of its source. V8 checks
// only the source's length when it takes a cache, so the key itself must not collide: with a
// fast non-cryptographic hash, a tenant could craft a module with the URL, length and hash of
// another tenant's (say a common library file) and have its own bytecode run in that tenant's
// worker. The runtime's modules are fixed for the process: their URL is enough (user modules
// cannot have internal:, node:, cloudflare: or dynworker: URLs).
std::string CodeCacheKey(const std::string& url, bool builtin, const std::string& source) {
  if (builtin) return absl::StrCat(url, "#builtin");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(source.data(), source.size(), md, &n, EVP_sha256(), nullptr);
  return absl::StrCat(url, "#", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), n)));
}

CodeCacheTable& CodeCaches() {
  static CodeCacheTable* table = new CodeCacheTable();
  return *table;
}

}  // namespace

v8::MaybeLocal<v8::Module> ModuleRegistry::Compile(Entry& entry, const std::string& source) {
  v8::Isolate* isolate = realm_.isolate();
  v8::ScriptOrigin origin(isolate, Str(isolate, entry.url), 0, 0, false, -1, v8::Local<v8::Value>(),
                          false, false, /*is_module=*/true);
  v8::Local<v8::String> code;
  StaticOneByteSource* shared =
      entry.static_source ? SharedSource(entry.static_source, entry.static_length) : nullptr;
  if (shared) {
    // Every isolate shares the one copy in the binary: the runtime's ~700 KB of JS would
    // otherwise be copied onto each dynamic worker's heap.
    if (!v8::String::NewExternalOneByte(isolate, shared).ToLocal(&code)) {
      return {};
    }
  } else if (!v8::String::NewFromUtf8(isolate, source.data(), v8::NewStringType::kNormal,
                                      source.size())
                  .ToLocal(&code)) {
    return {};
  }
  entry.cache_key = CodeCacheKey(entry.url, entry.static_source != nullptr, source);
  std::shared_ptr<const std::vector<uint8_t>> cached = CodeCaches().Find(entry.cache_key);
  if (cached) {
    // Not owned: `cached` outlives the compilation.
    auto* data = new v8::ScriptCompiler::CachedData(cached->data(), static_cast<int>(cached->size()),
                                                    v8::ScriptCompiler::CachedData::BufferNotOwned);
    v8::ScriptCompiler::Source src(code, origin, data);
    v8::MaybeLocal<v8::Module> module =
        v8::ScriptCompiler::CompileModule(isolate, &src, v8::ScriptCompiler::kConsumeCodeCache);
    entry.cached = !src.GetCachedData()->rejected;
    return module;
  }
  v8::ScriptCompiler::Source src(code, origin);
  return v8::ScriptCompiler::CompileModule(isolate, &src);
}

void ModuleRegistry::SaveCodeCache(bool refresh, bool builtins_only) {
  v8::Isolate* isolate = realm_.isolate();
  if (refresh && !CodeCaches().TakeRefresh()) refresh = false;
  for (auto& [url, entry] : entries_) {
    if (entry->type != ModuleType::kEsm || entry->cache_key.empty()) continue;
    if (entry->cached && !refresh) continue;
    if (builtins_only && entry->static_source == nullptr) continue;
    v8::Local<v8::Module> module = entry->module.Get(isolate);
    // Still evaluating (a module loaded on first use while the main module's top level runs):
    // a later call saves it. Failed modules: not worth it.
    if (module->GetStatus() != v8::Module::kEvaluated) continue;
    entry->cached = true;
    if (!refresh && CodeCaches().Has(entry->cache_key)) continue;
    std::unique_ptr<v8::ScriptCompiler::CachedData> data(
        v8::ScriptCompiler::CreateCodeCache(module->GetUnboundModuleScript()));
    if (!data || data->length <= 0) continue;
    CodeCaches().Put(entry->cache_key, std::vector<uint8_t>(data->data, data->data + data->length));
  }
}

bool ModuleRegistry::Link(Entry& entry) {
  v8::Local<v8::Module> module = entry.module.Get(realm_.isolate());
  if (module->GetStatus() != v8::Module::kUninstantiated) return true;
  return module->InstantiateModule(realm_.context(), &ModuleRegistry::ResolveCallback).FromMaybe(false);
}

v8::MaybeLocal<v8::Module> ModuleRegistry::ResolveCallback(v8::Local<v8::Context> context,
                                                           v8::Local<v8::String> specifier,
                                                           v8::Local<v8::FixedArray>,
                                                           v8::Local<v8::Module> referrer) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleRegistry& self = Realm::From(isolate).modules();
  Entry* ref = self.FindByModule(referrer);
  std::string referrer_url = ref ? ref->url : "";
  std::string url = ResolveSpecifier(ToUtf8(isolate, specifier), referrer_url);
  v8::TryCatch try_catch(isolate);
  Entry* entry = self.GetOrLoad(url, referrer_url);
  if (!entry) {
    RethrowFromCallback(try_catch);
    return {};
  }
  return entry->module.Get(isolate);
}

v8::MaybeLocal<v8::Value> ModuleRegistry::SyntheticSteps(v8::Local<v8::Context> context,
                                                         v8::Local<v8::Module> module) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleRegistry& self = Realm::From(isolate).modules();
  Entry* entry = self.FindByModule(module);
  if (!entry) return {};
  v8::Local<v8::Value> value;
  if (entry->type == ModuleType::kCommonJs) {
    v8::TryCatch try_catch(isolate);
    if (!self.EvaluateCommonJs(*entry).ToLocal(&value)) {
      RethrowFromCallback(try_catch);
      return {};
    }
  } else {
    value = entry->value.Get(isolate);
  }
  if (module->SetSyntheticModuleExport(isolate, Str(isolate, "default"), value).IsNothing()) return {};
  return v8::Undefined(isolate);
}

v8::MaybeLocal<v8::Promise> ModuleRegistry::Evaluate(const std::string& url) {
  v8::Isolate* isolate = realm_.isolate();
  v8::Local<v8::Context> context = realm_.context();
  Entry* entry = GetOrLoad(url, "", /*trusted=*/true);
  if (!entry || !Link(*entry)) return {};
  v8::Local<v8::Module> module = entry->module.Get(isolate);
  v8::Local<v8::Value> result;
  if (!module->Evaluate(context).ToLocal(&result)) {
    // Stopped halfway by a limit: the module (a user module or a runtime one loaded on first
    // use) is errored for good, and so would be every later import of it.
    if (isolate->IsExecutionTerminating()) realm_.StateLostToTermination();
    return {};
  }
  // V8 10.2: source text modules return a promise; synthetic modules return their steps'
  // value. Normalise to a promise.
  if (result->IsPromise()) return result.As<v8::Promise>();
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  resolver->Resolve(context, v8::Undefined(isolate)).Check();
  return resolver->GetPromise();
}

v8::MaybeLocal<v8::Object> ModuleRegistry::Namespace(const std::string& url) {
  auto it = entries_.find(url);
  if (it == entries_.end()) return {};
  v8::Local<v8::Module> module = it->second->module.Get(realm_.isolate());
  if (module->GetStatus() < v8::Module::kInstantiated) return {};
  return module->GetModuleNamespace().As<v8::Object>();
}

std::vector<std::string> ModuleRegistry::ExportNamesInOrder(const std::string& url) {
  std::vector<std::string> names;
  std::string source;
  if (IsBuiltinSpecifier(url)) return names;
  auto loaded = provider_ ? provider_->Load(url) : std::nullopt;
  if (!loaded || !loaded->ok() || (*loaded)->type != ModuleType::kEsm) return names;
  source = (*loaded)->source;
  // A lexical scan is enough here: it only orders names the namespace already lists, and
  // names it misses are appended by the caller.
  static const std::regex kDecl(
      R"(export\s+(?:async\s+)?(?:const|let|var|function\s*\*?|class)\s+([A-Za-z_$][\w$]*))"
      R"(|export\s*\{([^}]*)\})");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), kDecl);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].matched) {
      names.push_back((*it)[1].str());
      continue;
    }
    for (auto part : absl::StrSplit((*it)[2].str(), ',')) {
      std::string item(part);
      static const std::regex kItem(R"(^\s*([\w$]+)(?:\s+as\s+([\w$]+))?\s*$)");
      std::smatch m;
      if (std::regex_match(item, m, kItem)) names.push_back(m[2].matched ? m[2].str() : m[1].str());
    }
  }
  return names;
}

std::string ModuleRegistry::SourceLine(const std::string& url, int line) {
  if (IsBuiltinSpecifier(url) || !provider_) return "";
  auto loaded = provider_->Load(url);
  if (!loaded || !loaded->ok()) return "";
  const std::string& src = (*loaded)->source;
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = src.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  size_t end = src.find('\n', start);
  std::string result = src.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!result.empty() && result.back() == '\r') result.pop_back();
  return result;
}

v8::MaybeLocal<v8::Value> ModuleRegistry::EvaluateCommonJs(Entry& entry) {
  v8::Isolate* isolate = realm_.isolate();
  v8::Local<v8::Context> context = realm_.context();
  if (!entry.value.IsEmpty()) return entry.value.Get(isolate);
  v8::Local<v8::String> exports_key = Str(isolate, "exports");
  if (entry.cjs_evaluating) {
    // A require() cycle: hand out the partial exports, as CommonJS does.
    return entry.cjs_module.Get(isolate)->Get(context, exports_key);
  }
  v8::ScriptOrigin origin(isolate, Str(isolate, entry.url));
  v8::ScriptCompiler::Source src(Str(isolate, entry.source), origin);
  v8::Local<v8::String> params[] = {exports_key, Str(isolate, "require"), Str(isolate, "module"),
                                    Str(isolate, "__filename"), Str(isolate, "__dirname")};
  v8::Local<v8::Function> fn;
  if (!v8::ScriptCompiler::CompileFunction(context, &src, 5, params).ToLocal(&fn)) return {};

  v8::Local<v8::Object> module_obj = v8::Object::New(isolate);
  v8::Local<v8::Object> exports = v8::Object::New(isolate);
  if (module_obj->Set(context, exports_key, exports).IsNothing()) return {};
  v8::Local<v8::Function> require;
  if (!v8::Function::New(context, &ModuleRegistry::RequireCallback, Str(isolate, entry.url), 1)
           .ToLocal(&require)) {
    return {};
  }
  std::string path = StartsWith(entry.url, "file://") ? entry.url.substr(7) : entry.url;
  std::string dir = path.substr(0, path.rfind('/'));
  v8::Local<v8::Value> args[] = {exports, require, module_obj, Str(isolate, path), Str(isolate, dir)};
  entry.cjs_evaluating = true;
  entry.cjs_module.Reset(isolate, module_obj);
  v8::MaybeLocal<v8::Value> ran = fn->Call(context, exports, 5, args);
  entry.cjs_evaluating = false;
  if (ran.IsEmpty()) return {};
  v8::Local<v8::Value> result;
  if (!module_obj->Get(context, exports_key).ToLocal(&result)) return {};
  entry.value.Reset(isolate, result);
  entry.cjs_module.Reset();
  return result;
}

void ModuleRegistry::RequireCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsString()) {
    isolate->ThrowException(v8::Exception::TypeError(
        Str(isolate, "require() expects a module specifier string, e.g. require('./lib.js')")));
    return;
  }
  ModuleRegistry& self = Realm::From(isolate).modules();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> result;
  if (self.Require(ToUtf8(isolate, info[0]), ToUtf8(isolate, info.Data())).ToLocal(&result)) {
    info.GetReturnValue().Set(result);
  } else {
    RethrowFromCallback(try_catch);
  }
}

v8::MaybeLocal<v8::Value> ModuleRegistry::Require(const std::string& specifier,
                                                  const std::string& referrer) {
  v8::Isolate* isolate = realm_.isolate();
  std::string url = ResolveSpecifier(specifier, referrer);
  Entry* entry = GetOrLoad(url, referrer);
  if (!entry) return {};
  if (entry->type == ModuleType::kCommonJs) return EvaluateCommonJs(*entry);
  if (entry->type != ModuleType::kEsm) {
    if (!Link(*entry)) return {};
    return entry->value.Get(isolate);
  }
  v8::Local<v8::Promise> promise;
  if (!Evaluate(url).ToLocal(&promise)) return {};
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      return entry->module.Get(isolate)->GetModuleNamespace();
    case v8::Promise::kRejected:
      isolate->ThrowException(promise->Result());
      return {};
    case v8::Promise::kPending:
      isolate->ThrowException(v8::Exception::Error(Str(
          isolate, absl::StrCat("require() of ES module \"", realm_.DisplayName(url),
                                "\" cannot wait for its top-level await; use import() instead."))));
      return {};
  }
  return {};
}

v8::MaybeLocal<v8::Promise> ModuleRegistry::DynamicImport(v8::Local<v8::Context> context,
                                                          v8::Local<v8::Data>,
                                                          v8::Local<v8::Value> resource_name,
                                                          v8::Local<v8::String> specifier,
                                                          v8::Local<v8::FixedArray>) {
  v8::Isolate* isolate = context->GetIsolate();
  Realm& realm = Realm::From(isolate);
  ModuleRegistry& self = realm.modules();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  std::string referrer = resource_name->IsString() ? ToUtf8(isolate, resource_name) : "";
  std::string url = ResolveSpecifier(ToUtf8(isolate, specifier), referrer);

  v8::TryCatch try_catch(isolate);
  Entry* entry = self.GetOrLoad(url, referrer);
  v8::Local<v8::Promise> evaluated;
  if (!entry || !self.Evaluate(url).ToLocal(&evaluated)) {
    if (try_catch.HasTerminated()) {
      // Still terminating (ReThrow would hand it to the caller's code as a catchable null). A
      // module stopped halfway is errored for good: the isolate cannot be trusted to load it.
      realm.StateLostToTermination();
      return {};
    }
    // Every failure path above leaves an exception; an empty one would crash Reject.
    v8::Local<v8::Value> error = try_catch.HasCaught()
        ? try_catch.Exception()
        : v8::Exception::Error(Str(isolate, absl::StrCat("Cannot import \"", url, "\".")));
    (void)resolver->Reject(context, error).IsNothing();  // fails only while terminating
    return resolver->GetPromise();
  }
  v8::Local<v8::Value> ns = entry->module.Get(isolate)->GetModuleNamespace();
  v8::Local<v8::Function> to_namespace;
  if (!v8::Function::New(context, &ModuleRegistry::ReturnNamespace, ns).ToLocal(&to_namespace)) {
    return {};
  }
  // Promise::Then uses V8's own then, not a user-replaced Promise.prototype.then.
  v8::Local<v8::Promise> chained;
  if (!evaluated->Then(context, to_namespace).ToLocal(&chained)) return {};
  // Resolving with a promise reads its `then`, which a worker may have replaced: this can throw
  // or be terminated, and the promise then stays pending; never fatal.
  (void)resolver->Resolve(context, chained).IsNothing();
  return resolver->GetPromise();
}

void ModuleRegistry::ReturnNamespace(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(info.Data());
}

void ModuleRegistry::AddToSnapshot(v8::SnapshotCreator& creator, v8::Local<v8::Context> context) {
  v8::Isolate* isolate = realm_.isolate();
  v8::Local<v8::Array> urls = v8::Array::New(isolate, static_cast<int>(entries_.size()));
  uint32_t i = 0;
  for (const auto& [url, entry] : entries_) urls->Set(context, i++, Str(isolate, url)).Check();
  creator.AddData(context, urls);
  for (const auto& [url, entry] : entries_) creator.AddData(context, entry->module.Get(isolate));
}

bool ModuleRegistry::RestoreFromSnapshot(v8::Local<v8::Context> context, size_t* index) {
  v8::Isolate* isolate = realm_.isolate();
  v8::Local<v8::Array> urls;
  if (!context->GetDataFromSnapshotOnce<v8::Array>((*index)++).ToLocal(&urls)) return false;
  for (uint32_t i = 0; i < urls->Length(); ++i) {
    auto entry = std::make_unique<Entry>();
    entry->url = ToUtf8(isolate, urls->Get(context, i).ToLocalChecked());
    v8::Local<v8::Module> module;
    if (!context->GetDataFromSnapshotOnce<v8::Module>((*index)++).ToLocal(&module)) return false;
    entry->module.Reset(isolate, module);
    if (entry->url == "internal:ops") {
      entry->type = ModuleType::kData;
      entry->value.Reset(isolate, realm_.OpsObject());
    } else {
      entry->type = ModuleType::kEsm;
      const BuiltinModule* b = FindBuiltin(entry->url);
      if (!b) return false;
      entry->static_source = b->source;
      entry->static_length = b->length;
      // Their code is in the snapshot: no code cache to make (an empty key skips them).
      entry->cached = true;
    }
    // Identity hashes are part of the serialized heap, so lookups by module keep working.
    by_hash_.emplace(module->GetIdentityHash(), entry.get());
    entries_[entry->url] = std::move(entry);
  }
  return true;
}

void ModuleRegistry::AddExternalReferences(std::span<const BuiltinModule> builtins,
                                           std::vector<intptr_t>& refs) {
  refs.push_back(reinterpret_cast<intptr_t>(&ModuleRegistry::SyntheticSteps));
  refs.push_back(reinterpret_cast<intptr_t>(&ModuleRegistry::RequireCallback));
  refs.push_back(reinterpret_cast<intptr_t>(&ModuleRegistry::ReturnNamespace));
  for (const BuiltinModule& b : builtins) {
    if (StaticOneByteSource* source = SharedSource(b.source, b.length)) {
      refs.push_back(reinterpret_cast<intptr_t>(source));
    }
  }
}

void ModuleRegistry::ImportMeta(v8::Local<v8::Context> context, v8::Local<v8::Module> module,
                                v8::Local<v8::Object> meta) {
  v8::Isolate* isolate = context->GetIsolate();
  Entry* entry = Realm::From(isolate).modules().FindByModule(module);
  if (!entry) return;
  meta->CreateDataProperty(context, Str(isolate, "url"), Str(isolate, entry->url)).Check();
}

}  // namespace dw::jsg
