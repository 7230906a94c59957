// Node-API binding that puts one thread of the process under SCHED_IDLE (see thread_policy.cc).
#pragma once

#include <napi.h>

namespace pool {

void RegisterThreadPolicy(Napi::Env env, Napi::Object exports);

}  // namespace pool
