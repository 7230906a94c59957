// Node-API bindings of ethash.h (see ethash_addon.cc for what each export takes).
#pragma once

#include <napi.h>

namespace pool {

void RegisterEthash(Napi::Env env, Napi::Object exports);

}  // namespace pool
