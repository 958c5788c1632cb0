// jsg::LimitEnforcer's CPU accounting on a busy machine: time the thread spends descheduled is
// not CPU the worker used. A turn is measured with the cheap monotonic clock until its first
// interrupt; a thread that other processes kept off the CPU for longer than the request's whole
// budget must not have that wall time charged as CPU (it failed legitimate requests with "Worker
// exceeded CPU time limit." under load: bench/compare at a load average of 5).
#include <time.h>

#include <memory>

#include "jsg/limits.h"
#include "worker_fixture.h"

namespace dw {
namespace {

using testing::WorkerTest;

class LimitsTest : public WorkerTest {
 protected:
  // Installs sleepThread(ms) in the worker: the thread sleeps (off the CPU, as when the kernel
  // runs other processes), inside the current turn.
  void InstallSleep() {
    jsg::Realm& realm = worker().realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    auto fn = v8::Function::New(realm.context(), [](const v8::FunctionCallbackInfo<v8::Value>& info) {
      double ms = info[0]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
      timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(static_cast<int64_t>(ms * 1e6) % 1000000000)};
      nanosleep(&ts, nullptr);
    }).ToLocalChecked();
    realm.context()->Global()->Set(realm.context(), jsg::Str(isolate, "sleepThread"), fn).Check();
  }
};

TEST_F(LimitsTest, TimeOffTheCpuIsNotChargedAsCpu) {
  ASSERT_TRUE(StartMain("export {};").ok());
  InstallSleep();
  jsg::Realm& realm = worker().realm();
  bool exceeded = false;
  jsg::LimitEnforcer::Options options;
  options.cpu_ms = 50;
  realm.SetLimits(std::make_unique<jsg::LimitEnforcer>(
      realm, options, [&](int, jsg::LimitKind, bool) { exceeded = true; }));
  int request = realm.limits()->BeginRequest(50);
  realm.limits()->SetTurnOwner(request);
  // 120 ms off the CPU, then some JS, whose stack checks service the watchdog's interrupt.
  std::string result = EvalJson(
      "sleepThread(120); let x = 0; for (let i = 0; i < 3e6; i++) x = (x + i) % 7; 'done'");
  EXPECT_EQ(result, "\"done\"");
  EXPECT_FALSE(exceeded);
  EXPECT_FALSE(realm.limits()->stopped());
}

// The other direction still holds: a turn that really computes past its budget is stopped.
TEST_F(LimitsTest, RealCpuPastTheBudgetIsStopped) {
  ASSERT_TRUE(StartMain("export {};").ok());
  jsg::Realm& realm = worker().realm();
  jsg::LimitEnforcer::Options options;
  options.cpu_ms = 50;
  realm.SetLimits(std::make_unique<jsg::LimitEnforcer>(realm, options, [](int, jsg::LimitKind, bool) {}));
  int request = realm.limits()->BeginRequest(50);
  realm.limits()->SetTurnOwner(request);
  std::string result = EvalJson("for (;;) {}");
  DW_EXPECT_STARTS_WITH(result, "THREW");
}

}  // namespace
}  // namespace dw
