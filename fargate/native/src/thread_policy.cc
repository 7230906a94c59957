// setThreadIdle(tid): SCHED_IDLE for one thread of this process (Linux). V8's helper threads are put there so that
// one woken on the event loop's CPU never preempts it (fargate/src/helper-threads.ts). Lowering a thread to
// SCHED_IDLE needs no privilege; only a thread of this process is accepted.
#include "thread_policy.h"

#include <cerrno>
#include <cstring>
#include <string>

#ifdef __linux__
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pool {
namespace {

Napi::Value SetThreadIdle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setThreadIdle: tid must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double value = info[0].As<Napi::Number>().DoubleValue();
  if (!(value >= 1 && value <= 4194304 && value == static_cast<double>(static_cast<long>(value)))) {
    Napi::RangeError::New(env, "setThreadIdle: tid must be a thread id (1 to 4194304)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#ifdef __linux__
  pid_t tid = static_cast<pid_t>(value);
  // Only this process's threads: tgkill with signal 0 checks that tid is a thread of our thread group.
  if (syscall(SYS_tgkill, getpid(), tid, 0) != 0) {
    Napi::Error::New(env, "setThreadIdle: " + std::to_string(tid) + " is not a thread of this process")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(tid, SCHED_IDLE, &param) != 0) {
    int err = errno;
    Napi::Error::New(env, std::string("setThreadIdle: ") + std::strerror(err)).ThrowAsJavaScriptException();
  }
  return env.Undefined();
#else
  Napi::Error::New(env, "setThreadIdle: SCHED_IDLE is Linux's").ThrowAsJavaScriptException();
  return env.Undefined();
#endif
}

}  // namespace

void RegisterThreadPolicy(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreadIdle", Napi::Function::New(env, SetThreadIdle, "setThreadIdle"));
}

}  // namespace pool
