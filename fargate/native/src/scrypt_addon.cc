// Node-API bindings of the multi-buffer Litecoin scrypt (scrypt.h ScryptLitecoinBatch):
//   scryptBatchInto(headers, out, kernel?)   out[32·i ..] = scrypt(headers[i]), on the calling thread
//   scryptBatchAsync(headers, kernel?)       Promise<Buffer> of the same n·32 bytes, hashed on libuv's thread pool
//   scryptKernel()                           the kernel used when none is named: "avx512" | "avx2" | "neon" | "sse2" | "scalar"
//   scryptKernels()                          the kernels this build and CPU can run, widest first
//   scryptBatchPlan(n, kernel?)              { calls, costs }: the lane counts of the calls a batch of n makes, and the
//                                            measured cost (ns) of each call the kernel has, as { lanes, ns }
#include "scrypt_addon.h"

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "napi_args.h"
#include "scrypt.h"

namespace pool {
namespace {

// The optional kernel argument: absent or undefined is the widest available; an unknown or unavailable name throws.
bool ReadKernel(const Napi::CallbackInfo& info, size_t index, const char* fn, ScryptKernel* out) {
  *out = ScryptBestKernel();
  if (info.Length() <= index || info[index].IsUndefined()) return true;
  if (info[index].IsString()) {
    const std::string name = info[index].As<Napi::String>().Utf8Value();
    for (int k = 0; k < kScryptKernelCount; k++) {
      if (name == ScryptKernelName(ScryptKernel(k)) && ScryptKernelAvailable(ScryptKernel(k))) {
        *out = ScryptKernel(k);
        return true;
      }
    }
    // Every kernel name of any build ("neon" is the 4-lane kernel's name on arm64, "sse2" on x86-64).
    for (const char* known : {"avx512", "avx2", "neon", "sse2"}) {
      if (name != known) continue;
      Napi::RangeError::New(info.Env(), std::string(fn) + ": kernel " + name + " is not available on this CPU")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  Napi::TypeError::New(info.Env(), std::string(fn) + ": kernel must be one of scryptKernels()")
      .ThrowAsJavaScriptException();
  return false;
}

// headers: an array of Buffers/Uint8Arrays (any length each, as scrypt() takes).
bool ReadHeaders(const Napi::CallbackInfo& info, const char* fn, std::vector<Bytes>* out) {
  if (!info[0].IsArray()) {
    Napi::TypeError::New(info.Env(), std::string(fn) + ": headers must be an array of Buffers or Uint8Arrays")
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = info[0].As<Napi::Array>();
  out->resize(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value value = array[i];
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Napi::TypeError::New(info.Env(), std::string(fn) + ": headers[" + std::to_string(i) +
                                           "] must be a Buffer or Uint8Array")
          .ThrowAsJavaScriptException();
      return false;
    }
    Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
    (*out)[i] = {bytes.Data(), bytes.ByteLength()};
  }
  return true;
}

void HashBatch(const std::vector<Bytes>& headers, uint8_t* out, ScryptKernel kernel) {
  std::vector<const uint8_t*> data(headers.size());
  std::vector<size_t> lengths(headers.size());
  for (size_t i = 0; i < headers.size(); i++) {
    data[i] = headers[i].data;
    lengths[i] = headers[i].length;
  }
  ScryptLitecoinBatch(data.data(), lengths.data(), headers.size(), out, kernel);
}

Napi::Value ScryptBatchInto(const Napi::CallbackInfo& info) {
  std::vector<Bytes> headers;
  Bytes out;
  ScryptKernel kernel;
  if (!ReadHeaders(info, "scryptBatchInto", &headers) || !ReadBytes(info, 1, "scryptBatchInto", "out", &out) ||
      !ReadKernel(info, 2, "scryptBatchInto", &kernel)) {
    return info.Env().Undefined();
  }
  if (out.length < 32 * headers.size()) {
    Napi::RangeError::New(info.Env(), "scryptBatchInto: out must hold 32 bytes per header")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  HashBatch(headers, out.data, kernel);
  return info.Env().Undefined();
}

// Hashes copies of the headers on the thread pool (the caller may reuse its buffers at once); resolves with n·32 bytes.
class ScryptBatchWorker : public Napi::AsyncWorker {
 public:
  ScryptBatchWorker(Napi::Env env, const std::vector<Bytes>& headers, ScryptKernel kernel)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), kernel_(kernel), out_(32 * headers.size()) {
    size_t total = 0;
    for (const Bytes& h : headers) total += h.length;
    copy_.resize(total);
    headers_.resize(headers.size());
    size_t at = 0;
    for (size_t i = 0; i < headers.size(); i++) {
      if (headers[i].length) std::memcpy(copy_.data() + at, headers[i].data, headers[i].length);
      headers_[i] = {copy_.data() + at, headers[i].length};
      at += headers[i].length;
    }
  }
  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  void Execute() override { HashBatch(headers_, out_.data(), kernel_); }
  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), out_.data(), out_.size())); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ScryptKernel kernel_;
  std::vector<uint8_t> copy_;
  std::vector<Bytes> headers_;
  std::vector<uint8_t> out_;
};

Napi::Value ScryptBatchAsync(const Napi::CallbackInfo& info) {
  std::vector<Bytes> headers;
  ScryptKernel kernel;
  if (!ReadHeaders(info, "scryptBatchAsync", &headers) || !ReadKernel(info, 1, "scryptBatchAsync", &kernel)) {
    return info.Env().Undefined();
  }
  return (new ScryptBatchWorker(info.Env(), headers, kernel))->Start();
}

Napi::Value ScryptKernelBinding(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ScryptKernelName(ScryptBestKernel()));
}

Napi::Value ScryptKernels(const Napi::CallbackInfo& info) {
  Napi::Array names = Napi::Array::New(info.Env());
  for (int k = kScryptKernelCount - 1; k >= 0; k--) {
    if (ScryptKernelAvailable(ScryptKernel(k))) names.Set(names.Length(), ScryptKernelName(ScryptKernel(k)));
  }
  return names;
}

Napi::Value ScryptBatchPlanBinding(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "scryptBatchPlan: n must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 100000) || n != static_cast<double>(static_cast<size_t>(n))) {
    Napi::RangeError::New(env, "scryptBatchPlan: n must be an integer in 0..100000").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ScryptKernel kernel;
  if (!ReadKernel(info, 1, "scryptBatchPlan", &kernel)) return env.Undefined();
  const std::vector<size_t> plan = ScryptBatchPlan(static_cast<size_t>(n), kernel);
  Napi::Array calls = Napi::Array::New(env, plan.size());
  for (size_t i = 0; i < plan.size(); i++) calls.Set(i, Napi::Number::New(env, double(plan[i])));
  const std::vector<ScryptCallCost> costs = ScryptCallCosts(kernel);
  Napi::Array cost_list = Napi::Array::New(env, costs.size());
  for (size_t i = 0; i < costs.size(); i++) {
    Napi::Object cost = Napi::Object::New(env);
    cost.Set("lanes", Napi::Number::New(env, double(costs[i].lanes)));
    cost.Set("ns", Napi::Number::New(env, costs[i].ns));
    cost_list.Set(i, cost);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("calls", calls);
  result.Set("costs", cost_list);
  return result;
}

}  // namespace

void RegisterScryptBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("scryptBatchInto", Napi::Function::New(env, ScryptBatchInto, "scryptBatchInto"));
  exports.Set("scryptBatchAsync", Napi::Function::New(env, ScryptBatchAsync, "scryptBatchAsync"));
  exports.Set("scryptKernel", Napi::Function::New(env, ScryptKernelBinding, "scryptKernel"));
  exports.Set("scryptKernels", Napi::Function::New(env, ScryptKernels, "scryptKernels"));
  exports.Set("scryptBatchPlan", Napi::Function::New(env, ScryptBatchPlanBinding, "scryptBatchPlan"));
}

}  // namespace pool
