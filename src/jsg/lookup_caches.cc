// V8's per-isolate lookup caches without their resident memory.
//
// Every isolate has two megamorphic stub caches (load and store), each a 60 KB table of
// {key, value, map} entries allocated with `new` in Isolate::Init, and a 56 KB
// InnerPointerToCodeCache (pc -> Code, for stack walks). V8 fills the stub caches with its
// "cleared" pattern (the empty string, the Illegal builtin, Smi zero) and zero-fills the other
// one when the isolate starts and after every mark-compact, so all 176 KB are resident in every
// isolate, also in the many retained dynamic workers that use almost none of them.
//
// All-zero is a valid empty state for each in this V8 (10.2): StubCache's constructor itself
// zero-fills the tables before Initialize() clears them; a lookup (C++ Get and the builtins'
// probe) compares the entry's key with a Name, which is never zero, so it misses; and Set only
// retires an old entry to the secondary table when its map is not a Smi, and zero is Smi zero.
// The inner-pointer cache's flushed state is all zero (a memset), and no pc is zero. So this
// file interposes StubCache::Clear (libnode calls it through the PLT, from Initialize,
// MarkCompactCollector::Finish right after it flushes the inner-pointer cache, and
// %ClearMegamorphicStubCache) with a version that zeroes the tables, and the inner-pointer
// cache, by giving their whole pages back to the kernel (MADV_DONTNEED: they read as zero and
// cost nothing until an entry is written there).
//
// The layouts (the tables from `this`, then the Isolate*; the inner-pointer cache's address at
// a fixed offset of the Isolate, its own Isolate* first) are those of the V8 in Debian's
// libnode108, and are used only when the version matches, the first stub cache's Isolate* is
// the isolate being created, and the inner-pointer cache's Isolate* is its isolate. Otherwise
// the original Clear runs (dlsym(RTLD_NEXT)).

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "jsg/lookup_caches.h"
#include "jsg/v8.h"

namespace {

std::atomic<uint64_t> g_releases{0};

constexpr size_t kTablesBytes = (2048 + 512) * 3 * sizeof(void*);
// After the tables: the StubCache's Isolate*.
constexpr size_t kIsolateOffset = kTablesBytes;
// The isolate's InnerPointerToCodeCache (pc -> Code lookups of stack walks): 1024 entries of
// 56 bytes after its own Isolate*, at this offset of the Isolate.
constexpr size_t kInnerPointerCacheOffset = 0xd7a0;
constexpr size_t kInnerPointerCacheBytes = 1024 * 56;
constexpr char kLayoutVersion[] = "10.2.154.26-node.37";

// Whether the layouts above are this V8's: given the exact version, checked once on the process's
// first Clear (V8 makes it from Isolate::Init, the new isolate entered), the StubCache's
// Isolate* at kIsolateOffset is the current isolate. 0: not checked yet, 1: yes, -1: no.
std::atomic<int> g_layout{0};

bool LayoutKnown(const char* isolate_of_cache) {
  int state = g_layout.load(std::memory_order_acquire);
  if (state == 0) {
    // (The version was checked by the caller before it read `isolate_of_cache`.)
    bool known = isolate_of_cache == reinterpret_cast<const char*>(v8::Isolate::TryGetCurrent());
#ifdef V8_COMPRESS_POINTERS
    known = false;  // 4-byte tagged values: another layout
#endif
    state = known ? 1 : -1;
    g_layout.store(state, std::memory_order_release);
  }
  return state == 1;
}

// Zeroes [p, p + n), releasing the whole pages inside it instead of writing them.
void ZeroReleasingPages(char* p, size_t n) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  uintptr_t end = begin + n;
  uintptr_t inner_begin = (begin + page - 1) & ~(page - 1);
  uintptr_t inner_end = end & ~(page - 1);
  if (inner_end <= inner_begin ||
      madvise(reinterpret_cast<void*>(inner_begin), inner_end - inner_begin, MADV_DONTNEED) != 0) {
    memset(p, 0, n);
    return;
  }
  memset(p, 0, inner_begin - begin);
  memset(reinterpret_cast<void*>(inner_end), 0, end - inner_end);
}

}  // namespace

namespace v8::internal {

class StubCache {
 public:
  void Clear();
};

// Interposes libnode's v8::internal::StubCache::Clear() (the executable's definition comes
// first in symbol lookup).
void StubCache::Clear() {
  char* self = reinterpret_cast<char*>(this);
  // The version first: on another V8 nothing is read at the layout's offsets.
  static const bool version_known = strcmp(v8::V8::GetVersion(), kLayoutVersion) == 0;
  char* isolate = version_known ? *reinterpret_cast<char**>(self + kIsolateOffset) : nullptr;
  if (version_known && LayoutKnown(isolate)) {
    ZeroReleasingPages(self, kTablesBytes);
    // The inner-pointer cache is zero-filled (its flushed state) just before: by Isolate::Init
    // ahead of the stub caches' Initialize, by MarkCompactCollector::Finish ahead of their
    // Clear. Its pages go back too.
    char* icc = *reinterpret_cast<char**>(isolate + kInnerPointerCacheOffset);
    if (icc && *reinterpret_cast<char**>(icc) == isolate) {
      ZeroReleasingPages(icc + sizeof(void*), kInnerPointerCacheBytes);
    }
    g_releases.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  using ClearFn = void (*)(StubCache*);
  static const auto original =
      reinterpret_cast<ClearFn>(dlsym(RTLD_NEXT, "_ZN2v88internal9StubCache5ClearEv"));
  if (original == nullptr) {
    // Skipping the clear would leave entries for maps a mark-compact may have freed.
    fprintf(stderr, "dynworker: fatal: V8's StubCache::Clear was not found (dlsym: %s)\n", dlerror());
    abort();
  }
  original(this);
}

}  // namespace v8::internal

namespace dw::jsg {

uint64_t LookupCacheReleases() { return g_releases.load(std::memory_order_relaxed); }

}  // namespace dw::jsg
