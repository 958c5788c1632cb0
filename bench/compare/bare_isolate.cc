// bench/compare's floor: what V8 10.2 itself costs per isolate on this machine, with none of
// the runtime. Issue 7's targets for CPU and RSS per new worker are ratios against workerd; this
// prints what a bare isolate with an empty context costs in the same run, so the report can say
// where V8's own floor lies against each target.
//
//   bare_isolate cpu N   create, enter and dispose N isolates, each with an empty context in
//                        which one trivial script runs; prints CPU microseconds per isolate
//                        (user+system of the process, all threads, over the N)
//   bare_isolate rss N   create N such isolates and keep them; prints the growth of the
//                        process's RSS per isolate in KiB, then the CPU microseconds per
//                        isolate made (memory the process never had before: the page faults
//                        of a cache that keeps its workers)
//
// The isolates are made as dynworker makes its own, minus the runtime: the same V8 flags and
// platform (jsg::InitializeV8), an ArrayBuffer allocator each, and the per-isolate lookup caches
// given back to the kernel (jsg/lookup_caches.cc is linked in, as in dynworker). V8's built-in
// snapshot, not the runtime's.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "io/event_loop.h"
#include "jsg/platform.h"
#include "jsg/v8.h"

namespace {

double CpuMicros() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e6 + static_cast<double>(tv.tv_usec); };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

long RssKib() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, nullptr, 10);
  }
  fclose(f);
  return kib;
}

struct Bare {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator;
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Context> context;
};

std::unique_ptr<Bare> Make(dw::io::EventLoop& loop) {
  auto bare = std::make_unique<Bare>();
  bare->allocator.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = bare->allocator.get();
  bare->isolate = v8::Isolate::New(params);
  dw::jsg::RegisterIsolate(bare->isolate, &loop, nullptr);
  v8::Isolate::Scope iscope(bare->isolate);
  v8::HandleScope hs(bare->isolate);
  v8::Local<v8::Context> context = v8::Context::New(bare->isolate);
  v8::Context::Scope cscope(context);
  // One trivial script, as a worker answers one request: V8 finishes setting up what a
  // context needs only once something runs in it.
  v8::Local<v8::String> source =
      v8::String::NewFromUtf8Literal(bare->isolate, "(function () { return 'hello'; })()");
  v8::Local<v8::Script> script = v8::Script::Compile(context, source).ToLocalChecked();
  if (script->Run(context).IsEmpty()) abort();
  bare->context.Reset(bare->isolate, context);
  return bare;
}

void Dispose(std::unique_ptr<Bare> bare) {
  bare->context.Reset();
  dw::jsg::UnregisterIsolate(bare->isolate);
  bare->isolate->Dispose();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (strcmp(argv[1], "cpu") != 0 && strcmp(argv[1], "rss") != 0) || atoi(argv[2]) <= 0) {
    fprintf(stderr, "usage: bare_isolate cpu|rss N\n");
    return 2;
  }
  const int n = atoi(argv[2]);
  dw::jsg::InitializeV8(getenv("DYNWORKER_V8_FLAGS"));
  dw::io::EventLoop loop;
  // Warm-up: the first isolate of a process deserializes the read-only heap shared by all.
  Dispose(Make(loop));
  if (strcmp(argv[1], "cpu") == 0) {
    double start = CpuMicros();
    for (int i = 0; i < n; i++) Dispose(Make(loop));
    printf("%.0f\n", (CpuMicros() - start) / n);
  } else {
    std::vector<std::unique_ptr<Bare>> kept;
    long before = RssKib();
    double start = CpuMicros();
    for (int i = 0; i < n; i++) kept.push_back(Make(loop));
    double cpu = (CpuMicros() - start) / n;
    printf("%ld %.0f\n", (RssKib() - before) / n, cpu);
    for (auto& bare : kept) Dispose(std::move(bare));
  }
  return 0;
}
