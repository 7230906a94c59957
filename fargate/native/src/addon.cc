// Node-API bindings: sha256d, scrypt (Litecoin PoW), scryptRaw (general RFC 7914 scrypt, for test vectors) and the
// ethash/etchash functions of ethash_addon.cc, and setThreadIdle (thread_policy.cc).
#include <napi.h>

#include <cstdlib>
#include <cstring>

#include "ethash_addon.h"
#include "napi_args.h"
#include "scrypt.h"
#include "scrypt_addon.h"
#include "sha256.h"
#include "sha256_kernels.h"
#include "thread_policy.h"

namespace {

using pool::Bytes;
using pool::ReadBytes;
using pool::ReadUint;

Napi::Value Sha256d(const Napi::CallbackInfo& info) {
  Bytes data;
  if (!ReadBytes(info, 0, "sha256d", "data", &data)) return info.Env().Undefined();
  uint8_t out[32];
  pool::Sha256d(data.data, data.length, out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, sizeof(out));
}

// sha256dInto(data, out): writes the 32-byte digest into out. The JS wrapper passes a Buffer from Node's small-buffer
// pool, which costs far less than creating a new Buffer here (that allocation dominated a call on 80 bytes).
Napi::Value Sha256dInto(const Napi::CallbackInfo& info) {
  Bytes data, out;
  // The data error names sha256d: that is the function the caller of the JS wrapper actually called.
  if (!ReadBytes(info, 0, "sha256d", "data", &data) || !ReadBytes(info, 1, "sha256dInto", "out", &out)) {
    return info.Env().Undefined();
  }
  if (out.length < 32) {
    Napi::RangeError::New(info.Env(), "sha256dInto: out must hold at least 32 bytes").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  pool::Sha256d(data.data, data.length, const_cast<uint8_t*>(out.data));
  return info.Env().Undefined();
}

// sha256dShareArea(area, coinbaseLength, branchLength): a Stratum V1 share's header hash in one call, its inputs and
// output in one Uint8Array, area = coinbase ‖ branch ‖ header (80 bytes) ‖ digest (32 bytes). The merkle root is
// sha256d(coinbase) folded with each 32-byte step of branch (root = sha256d(root ‖ step)); it is written into the
// header's bytes 36..68, and the digest ← sha256d(header). One crossing instead of one per hash, no Buffer per hash,
// and one typed array to read instead of four: each typed-array argument costs Node-API ~350 instructions (V8 finds
// its buffer), a sixth of the call (issue 18: the share path's budget).
Napi::Value Sha256dShareArea(const Napi::CallbackInfo& info) {
  const char* fn = "sha256dShareArea";
  Bytes area;
  uint32_t coinbaseLength = 0;
  uint32_t branchLength = 0;
  if (!ReadBytes(info, 0, fn, "area", &area) || !pool::ReadU32(info, 1, fn, "coinbaseLength", &coinbaseLength) ||
      !pool::ReadU32(info, 2, fn, "branchLength", &branchLength)) {
    return info.Env().Undefined();
  }
  if (branchLength % 32 != 0 || uint64_t(coinbaseLength) + branchLength + 80 + 32 != area.length) {
    Napi::RangeError::New(info.Env(),
                          "sha256dShareArea: branchLength must be whole 32-byte steps and the area exactly "
                          "coinbase, branch, an 80-byte header and 32 bytes for the digest")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const uint8_t* coinbase = area.data;
  const uint8_t* branch = area.data + coinbaseLength;
  uint8_t* header = area.data + coinbaseLength + branchLength;
  uint8_t pair[64];
  pool::Sha256d(coinbase, coinbaseLength, pair);
  for (size_t at = 0; at < branchLength; at += 32) {
    std::memcpy(pair + 32, branch + at, 32);
    pool::Sha256d(pair, 64, pair);  // reads all of pair before writing its first half
  }
  std::memcpy(header + 36, pair, 32);
  pool::Sha256d(header, 80, header + 80);
  return info.Env().Undefined();
}

// sha256Kernel() → the name of the SHA-256 kernel in use ("sha-ni", "armv8-sha2" or "scalar").
Napi::Value Sha256KernelName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), pool::Sha256CurrentKernel().name);
}

// sha256Kernels() → the kernels this CPU can run, fastest first ("scalar" last).
Napi::Value Sha256KernelNames(const Napi::CallbackInfo& info) {
  const pool::Sha256Kernel* kernels;
  size_t n = pool::Sha256AvailableKernels(&kernels);
  Napi::Array names = Napi::Array::New(info.Env(), n);
  for (size_t i = 0; i < n; i++) names.Set(uint32_t(i), Napi::String::New(info.Env(), kernels[i].name));
  return names;
}

// sha256UseKernel(name) → undefined: every SHA-256 of the addon uses that kernel from now on ("auto": the fastest).
// For tests and benches; a name this CPU cannot run is a RangeError and changes nothing.
Napi::Value Sha256UseKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "sha256UseKernel: name must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!pool::Sha256UseKernel(name.c_str())) {
    Napi::RangeError::New(env, "sha256UseKernel: no kernel \"" + name + "\" on this CPU").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value ScryptLitecoin(const Napi::CallbackInfo& info) {
  Bytes header;
  if (!ReadBytes(info, 0, "scrypt", "header", &header)) return info.Env().Undefined();
  uint8_t out[32];
  pool::ScryptLitecoin(header.data, header.length, out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, sizeof(out));
}

// scryptPairInto(h1, h2, out) → undefined: out[0..32) = scrypt(h1), out[32..64) = scrypt(h2).
Napi::Value ScryptPairInto(const Napi::CallbackInfo& info) {
  Bytes h1, h2, out;
  if (!ReadBytes(info, 0, "scryptPairInto", "header1", &h1) || !ReadBytes(info, 1, "scryptPairInto", "header2", &h2) ||
      !ReadBytes(info, 2, "scryptPairInto", "out", &out)) {
    return info.Env().Undefined();
  }
  if (out.length < 64) {
    Napi::RangeError::New(info.Env(), "scryptPairInto: out must hold at least 64 bytes").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  uint8_t* o = const_cast<uint8_t*>(out.data);
  pool::ScryptLitecoinPair(h1.data, h1.length, h2.data, h2.length, o, o + 32);
  return info.Env().Undefined();
}

Napi::Value ScryptRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes password, salt;
  uint64_t n, r, p, dk_len;
  if (!ReadBytes(info, 0, "scryptRaw", "password", &password) || !ReadBytes(info, 1, "scryptRaw", "salt", &salt) ||
      !ReadUint(info, 2, "scryptRaw", "N", &n) || !ReadUint(info, 3, "scryptRaw", "r", &r) ||
      !ReadUint(info, 4, "scryptRaw", "p", &p) || !ReadUint(info, 5, "scryptRaw", "dkLen", &dk_len)) {
    return env.Undefined();
  }
  if (const char* problem = pool::ScryptCheckParams(n, r, p, dk_len)) {
    Napi::RangeError::New(env, std::string("scryptRaw: ") + problem).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint8_t* out = static_cast<uint8_t*>(std::malloc(dk_len));
  if (!out || !pool::Scrypt(password.data, password.length, salt.data, salt.length, n, uint32_t(r), uint32_t(p), out,
                            dk_len)) {
    std::free(out);
    Napi::Error::New(env, "scryptRaw: out of memory").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> result = Napi::Buffer<uint8_t>::Copy(env, out, dk_len);
  std::free(out);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sha256d", Napi::Function::New(env, Sha256d, "sha256d"));
  exports.Set("sha256dInto", Napi::Function::New(env, Sha256dInto, "sha256dInto"));
  exports.Set("sha256dShareArea", Napi::Function::New(env, Sha256dShareArea, "sha256dShareArea"));
  exports.Set("sha256Kernel", Napi::Function::New(env, Sha256KernelName, "sha256Kernel"));
  exports.Set("sha256Kernels", Napi::Function::New(env, Sha256KernelNames, "sha256Kernels"));
  exports.Set("sha256UseKernel", Napi::Function::New(env, Sha256UseKernel, "sha256UseKernel"));
  exports.Set("scrypt", Napi::Function::New(env, ScryptLitecoin, "scrypt"));
  exports.Set("scryptPairInto", Napi::Function::New(env, ScryptPairInto, "scryptPairInto"));
  exports.Set("scryptRaw", Napi::Function::New(env, ScryptRaw, "scryptRaw"));
  pool::RegisterScryptBatch(env, exports);
  pool::RegisterEthash(env, exports);
  pool::RegisterThreadPolicy(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(pool_hashing, Init)
