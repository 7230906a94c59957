// Node-API bindings of the multi-buffer Litecoin scrypt (see scrypt_addon.cc for what each export takes).
#pragma once

#include <napi.h>

namespace pool {

void RegisterScryptBatch(Napi::Env env, Napi::Object exports);

}  // namespace pool
