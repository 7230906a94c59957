// Node-API bindings: sha256d, scrypt (Litecoin PoW), scryptRaw (general RFC 7914 scrypt, for test vectors) and the
// ethash/etchash functions of ethash_addon.cc.
#include <napi.h>

#include <cstdlib>

#include "ethash_addon.h"
#include "napi_args.h"
#include "scrypt.h"
#include "sha256.h"

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
  exports.Set("scrypt", Napi::Function::New(env, ScryptLitecoin, "scrypt"));
  exports.Set("scryptPairInto", Napi::Function::New(env, ScryptPairInto, "scryptPairInto"));
  exports.Set("scryptRaw", Napi::Function::New(env, ScryptRaw, "scryptRaw"));
  pool::RegisterEthash(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(pool_hashing, Init)
