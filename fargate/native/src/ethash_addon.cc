// Node-API bindings of ethash.h. Memory (cache, dataset, outputs) is always the caller's Uint8Array, so a cache can live
// in a SharedArrayBuffer that worker threads read, and nothing here owns a buffer. The *Async variants run on libuv's
// thread pool and keep their buffers referenced until the promise settles; the caller must not write to them meanwhile.
#include "ethash_addon.h"

#include <cstring>
#include <string>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "ethash.h"
#include "keccak.h"
#include "napi_args.h"

namespace pool {

namespace {

// Dataset pages are addressed with 32-bit item indexes (2·page + 1 must fit), as every ethash implementation does.
constexpr uint64_t kMaxDatasetBytes = (1ULL << 31) * 128;

Napi::Value Throw(Napi::Env env, const std::string& message, bool range = true) {
  if (range) {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// Asks for transparent huge pages over a cache or dataset (where THP is "madvise", as on this pool's hosts): a light
// hash makes 32,768 dependent loads at random rows of a 17–285 MB cache, and with 4 KiB pages most of them also miss
// the TLB. Best effort: only the 2 MiB-aligned interior is advised, and a refusal changes nothing but speed.
void AdviseHugePages(uint8_t* data, size_t length) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + length) & ~(kHuge - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#else
  (void)data;
  (void)length;
#endif
}

bool Aligned(const uint8_t* p) { return (reinterpret_cast<uintptr_t>(p) & 7) == 0; }

// A cache: a whole number of 64-byte rows, at least one, 8-byte aligned (it is read as 32-bit words).
bool ReadCache(const Napi::CallbackInfo& info, size_t index, const char* fn, Bytes* out) {
  if (!ReadBytes(info, index, fn, "cache", out)) return false;
  if (out->length == 0 || out->length % 64 != 0 || out->length / 64 > 0xffffffffULL) {
    Throw(info.Env(), std::string(fn) + ": cache must be a non-empty multiple of 64 bytes");
    return false;
  }
  if (!Aligned(out->data)) {
    Throw(info.Env(), std::string(fn) + ": cache must start 8-byte aligned (not a Buffer slice at an odd offset)");
    return false;
  }
  return true;
}

bool ReadDatasetBytes(const Napi::CallbackInfo& info, size_t index, const char* fn, uint64_t* out) {
  if (!ReadUint(info, index, fn, "datasetBytes", out)) return false;
  if (*out == 0 || *out % 128 != 0 || *out > kMaxDatasetBytes) {
    Throw(info.Env(), std::string(fn) + ": datasetBytes must be a non-zero multiple of 128 below 2^38");
    return false;
  }
  return true;
}

bool ReadOut(const Napi::CallbackInfo& info, size_t index, const char* fn, size_t min, Bytes* out) {
  if (!ReadBytes(info, index, fn, "out", out)) return false;
  if (out->length < min) {
    Throw(info.Env(), std::string(fn) + ": out must hold at least " + std::to_string(min) + " bytes");
    return false;
  }
  return true;
}

bool ReadEpoch(const Napi::CallbackInfo& info, const char* fn, uint32_t max, uint32_t* out) {
  uint64_t epoch;
  if (!ReadUint(info, 0, fn, "epoch", &epoch)) return false;
  if (epoch > max) {
    Throw(info.Env(), std::string(fn) + ": epoch " + std::to_string(epoch) + " is beyond the supported " +
                          std::to_string(max));
    return false;
  }
  *out = uint32_t(epoch);
  return true;
}

// keccak256(data) / keccak512(data) → Buffer.
template <size_t kBytes, void (*kHash)(const uint8_t*, size_t, uint8_t*)>
Napi::Value KeccakBinding(const Napi::CallbackInfo& info) {
  Bytes data;
  if (!ReadBytes(info, 0, kBytes == 32 ? "keccak256" : "keccak512", "data", &data)) return info.Env().Undefined();
  uint8_t out[kBytes];
  kHash(data.data, data.length, out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, sizeof(out));
}

Napi::Value CacheSizeBinding(const Napi::CallbackInfo& info) {
  uint32_t epoch;
  if (!ReadEpoch(info, "ethashCacheSize", ethash::kMaxEpoch, &epoch)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), double(ethash::CacheSize(epoch)));
}

Napi::Value DatasetSizeBinding(const Napi::CallbackInfo& info) {
  uint32_t epoch;
  if (!ReadEpoch(info, "ethashDatasetSize", ethash::kMaxEpoch, &epoch)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), double(ethash::DatasetSize(epoch)));
}

// Etchash epoch E takes the seed of ethash epoch 2E, so seeds go twice as far as sizes.
Napi::Value SeedBinding(const Napi::CallbackInfo& info) {
  uint32_t epoch;
  if (!ReadEpoch(info, "ethashSeed", 2 * ethash::kMaxEpoch + 1, &epoch)) return info.Env().Undefined();
  uint8_t out[32];
  ethash::Seed(epoch, out);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, sizeof(out));
}

// A promise-returning job on libuv's thread pool that holds references to its buffers until it settles.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}

  void Keep(const Napi::CallbackInfo& info, size_t index) {
    keep_[kept_++] = Napi::Persistent(info[index].As<Napi::Object>());
  }
  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }
  Napi::Promise::Deferred deferred_;

 private:
  Napi::ObjectReference keep_[3];
  int kept_ = 0;
};

bool ReadBuildCacheArgs(const Napi::CallbackInfo& info, const char* fn, Bytes* seed, Bytes* cache) {
  if (!ReadFixedBytes(info, 0, fn, "seed", 32, seed) || !ReadCache(info, 1, fn, cache)) return false;
  AdviseHugePages(cache->data, cache->length);  // before the build first touches the pages
  return true;
}

// ethashBuildCache(seed32, cache): fills cache (its whole length) from the seed.
Napi::Value BuildCacheBinding(const Napi::CallbackInfo& info) {
  Bytes seed, cache;
  if (!ReadBuildCacheArgs(info, "ethashBuildCache", &seed, &cache)) return info.Env().Undefined();
  ethash::BuildCache(seed.data, cache.data, cache.length);
  return info.Env().Undefined();
}

class BuildCacheWorker : public PromiseWorker {
 public:
  BuildCacheWorker(Napi::Env env, const uint8_t seed[32], Bytes cache) : PromiseWorker(env), cache_(cache) {
    std::memcpy(seed_, seed, 32);
  }
  void Execute() override { ethash::BuildCache(seed_, cache_.data, cache_.length); }

 private:
  uint8_t seed_[32];
  Bytes cache_;
};

Napi::Value BuildCacheAsyncBinding(const Napi::CallbackInfo& info) {
  Bytes seed, cache;
  if (!ReadBuildCacheArgs(info, "ethashBuildCacheAsync", &seed, &cache)) return info.Env().Undefined();
  auto* worker = new BuildCacheWorker(info.Env(), seed.data, cache);
  worker->Keep(info, 1);
  return worker->Start();
}

struct DatasetRange {
  Bytes cache, dataset;
  uint64_t start, end;
};

bool ReadDatasetRangeArgs(const Napi::CallbackInfo& info, const char* fn, DatasetRange* r) {
  if (!ReadCache(info, 0, fn, &r->cache) || !ReadBytes(info, 1, fn, "dataset", &r->dataset) ||
      !ReadUint(info, 2, fn, "start", &r->start) || !ReadUint(info, 3, fn, "end", &r->end)) {
    return false;
  }
  if (!Aligned(r->dataset.data)) {
    Throw(info.Env(), std::string(fn) + ": dataset must start 8-byte aligned");
    return false;
  }
  if (r->start > r->end || r->end > 2 * (kMaxDatasetBytes / 128) || r->end * 64 > r->dataset.length) {
    Throw(info.Env(), std::string(fn) + ": items [start, end) must be in order and fit in dataset (64 bytes each)");
    return false;
  }
  AdviseHugePages(r->dataset.data + r->start * 64, (r->end - r->start) * 64);
  return true;
}

// ethashBuildDatasetRange(cache, dataset, start, end): writes items [start, end) at dataset[64·i ..].
Napi::Value BuildDatasetRangeBinding(const Napi::CallbackInfo& info) {
  DatasetRange r;
  if (!ReadDatasetRangeArgs(info, "ethashBuildDatasetRange", &r)) return info.Env().Undefined();
  ethash::BuildDatasetRange(r.cache.data, r.cache.length, r.dataset.data, r.start, r.end);
  return info.Env().Undefined();
}

class BuildDatasetRangeWorker : public PromiseWorker {
 public:
  BuildDatasetRangeWorker(Napi::Env env, DatasetRange range) : PromiseWorker(env), r_(range) {}
  void Execute() override { ethash::BuildDatasetRange(r_.cache.data, r_.cache.length, r_.dataset.data, r_.start, r_.end); }

 private:
  DatasetRange r_;
};

Napi::Value BuildDatasetRangeAsyncBinding(const Napi::CallbackInfo& info) {
  DatasetRange r;
  if (!ReadDatasetRangeArgs(info, "ethashBuildDatasetRangeAsync", &r)) return info.Env().Undefined();
  auto* worker = new BuildDatasetRangeWorker(info.Env(), r);
  worker->Keep(info, 0);
  worker->Keep(info, 1);
  return worker->Start();
}

void WriteHash(const ethash::Hash& hash, uint8_t* out) {
  std::memcpy(out, hash.mix, 32);
  std::memcpy(out + 32, hash.result, 32);
}

// ethashHashimotoLight(cache, datasetBytes, header32, nonce: bigint, out): out[0..32) = mix, out[32..64) = result.
Napi::Value HashimotoLightBinding(const Napi::CallbackInfo& info) {
  const char* fn = "ethashHashimotoLight";
  Bytes cache, header, out;
  uint64_t dataset_bytes, nonce;
  if (!ReadCache(info, 0, fn, &cache) || !ReadDatasetBytes(info, 1, fn, &dataset_bytes) ||
      !ReadFixedBytes(info, 2, fn, "header", 32, &header) || !ReadBigUint64(info, 3, fn, "nonce", &nonce) ||
      !ReadOut(info, 4, fn, 64, &out)) {
    return info.Env().Undefined();
  }
  ethash::Hash hash;
  ethash::HashimotoLight(cache.data, cache.length, dataset_bytes, header.data, nonce, &hash);
  WriteHash(hash, out.data);
  return info.Env().Undefined();
}

// ethashHashimotoLightBatch(cache, datasetBytes, headers, nonces, out): n shares checked in lockstep (about twice the
// checks per second of one at a time at a cache larger than the L3). headers = n·32 bytes, nonces = n·8 bytes (each
// little-endian), out ≥ n·64 bytes: share i's mix at out[64i ..], its result at out[64i + 32 ..].
Napi::Value HashimotoLightBatchBinding(const Napi::CallbackInfo& info) {
  const char* fn = "ethashHashimotoLightBatch";
  Bytes cache, headers, nonce_bytes, out;
  uint64_t dataset_bytes;
  if (!ReadCache(info, 0, fn, &cache) || !ReadDatasetBytes(info, 1, fn, &dataset_bytes) ||
      !ReadBytes(info, 2, fn, "headers", &headers) || !ReadBytes(info, 3, fn, "nonces", &nonce_bytes)) {
    return info.Env().Undefined();
  }
  const size_t count = headers.length / 32;
  if (headers.length % 32 != 0 || nonce_bytes.length != 8 * count) {
    return Throw(info.Env(), std::string(fn) + ": headers must be n·32 bytes and nonces n·8 bytes");
  }
  if (!ReadOut(info, 4, fn, 64 * count, &out)) return info.Env().Undefined();
  std::vector<uint64_t> nonces(count);
  if (count > 0) std::memcpy(nonces.data(), nonce_bytes.data, 8 * count);  // little-endian hosts (keccak.cc checks)
  std::vector<ethash::Hash> hashes(count);
  ethash::HashimotoLightBatch(cache.data, cache.length, dataset_bytes, headers.data, nonces.data(), count,
                              hashes.data());
  for (size_t i = 0; i < count; i++) WriteHash(hashes[i], out.data + 64 * i);
  return info.Env().Undefined();
}

bool ReadDataset(const Napi::CallbackInfo& info, const char* fn, Bytes* dataset, uint64_t* dataset_bytes) {
  if (!ReadBytes(info, 0, fn, "dataset", dataset) || !ReadDatasetBytes(info, 1, fn, dataset_bytes)) return false;
  if (!Aligned(dataset->data) || dataset->length < *dataset_bytes) {
    Throw(info.Env(), std::string(fn) + ": dataset must be 8-byte aligned and hold datasetBytes bytes");
    return false;
  }
  return true;
}

// ethashHashimotoFull(dataset, datasetBytes, header32, nonce: bigint, out): as ethashHashimotoLight.
Napi::Value HashimotoFullBinding(const Napi::CallbackInfo& info) {
  const char* fn = "ethashHashimotoFull";
  Bytes dataset, header, out;
  uint64_t dataset_bytes, nonce;
  if (!ReadDataset(info, fn, &dataset, &dataset_bytes) || !ReadFixedBytes(info, 2, fn, "header", 32, &header) ||
      !ReadBigUint64(info, 3, fn, "nonce", &nonce) || !ReadOut(info, 4, fn, 64, &out)) {
    return info.Env().Undefined();
  }
  ethash::Hash hash;
  ethash::HashimotoFull(dataset.data, dataset_bytes, header.data, nonce, &hash);
  WriteHash(hash, out.data);
  return info.Env().Undefined();
}

// ethashFinalHash(header32, nonce: bigint, mix32, out): out[0..32) = the result the mix gives if it is genuine.
Napi::Value FinalHashBinding(const Napi::CallbackInfo& info) {
  const char* fn = "ethashFinalHash";
  Bytes header, mix, out;
  uint64_t nonce;
  if (!ReadFixedBytes(info, 0, fn, "header", 32, &header) || !ReadBigUint64(info, 1, fn, "nonce", &nonce) ||
      !ReadFixedBytes(info, 2, fn, "mix", 32, &mix) || !ReadOut(info, 3, fn, 32, &out)) {
    return info.Env().Undefined();
  }
  ethash::FinalHash(header.data, nonce, mix.data, out.data);
  return info.Env().Undefined();
}

class SearchFullWorker : public PromiseWorker {
 public:
  SearchFullWorker(Napi::Env env, Bytes dataset, uint64_t dataset_bytes, const uint8_t header[32], uint64_t start,
                   uint64_t count, const uint8_t target[32])
      : PromiseWorker(env), dataset_(dataset), dataset_bytes_(dataset_bytes), start_(start), count_(count) {
    std::memcpy(header_, header, 32);
    std::memcpy(target_, target, 32);
  }
  void Execute() override {
    found_ = ethash::SearchFull(dataset_.data, dataset_bytes_, header_, start_, count_, target_, &nonce_, &hash_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!found_) {
      deferred_.Resolve(env.Null());
      return;
    }
    Napi::Object hit = Napi::Object::New(env);
    hit.Set("nonce", Napi::BigInt::New(env, nonce_));
    hit.Set("mix", Napi::Buffer<uint8_t>::Copy(env, hash_.mix, 32));
    hit.Set("result", Napi::Buffer<uint8_t>::Copy(env, hash_.result, 32));
    deferred_.Resolve(hit);
  }

 private:
  Bytes dataset_;
  uint64_t dataset_bytes_, start_, count_;
  uint8_t header_[32], target_[32];
  bool found_ = false;
  uint64_t nonce_ = 0;
  ethash::Hash hash_{};
};

// ethashSearchFullAsync(dataset, datasetBytes, header32, start: bigint, count, target32) →
// Promise<{ nonce, mix, result } | null>: the first nonce from start whose result ≤ target (big-endian).
Napi::Value SearchFullAsyncBinding(const Napi::CallbackInfo& info) {
  const char* fn = "ethashSearchFullAsync";
  Bytes dataset, header, target;
  uint64_t dataset_bytes, start, count;
  if (!ReadDataset(info, fn, &dataset, &dataset_bytes) || !ReadFixedBytes(info, 2, fn, "header", 32, &header) ||
      !ReadBigUint64(info, 3, fn, "start", &start) || !ReadUint(info, 4, fn, "count", &count) ||
      !ReadFixedBytes(info, 5, fn, "target", 32, &target)) {
    return info.Env().Undefined();
  }
  auto* worker = new SearchFullWorker(info.Env(), dataset, dataset_bytes, header.data, start, count, target.data);
  worker->Keep(info, 0);
  return worker->Start();
}

}  // namespace

void RegisterEthash(Napi::Env env, Napi::Object exports) {
  exports.Set("keccak256", Napi::Function::New(env, KeccakBinding<32, Keccak256>, "keccak256"));
  exports.Set("keccak512", Napi::Function::New(env, KeccakBinding<64, Keccak512>, "keccak512"));
  exports.Set("ethashCacheSize", Napi::Function::New(env, CacheSizeBinding, "ethashCacheSize"));
  exports.Set("ethashDatasetSize", Napi::Function::New(env, DatasetSizeBinding, "ethashDatasetSize"));
  exports.Set("ethashSeed", Napi::Function::New(env, SeedBinding, "ethashSeed"));
  exports.Set("ethashBuildCache", Napi::Function::New(env, BuildCacheBinding, "ethashBuildCache"));
  exports.Set("ethashBuildCacheAsync", Napi::Function::New(env, BuildCacheAsyncBinding, "ethashBuildCacheAsync"));
  exports.Set("ethashBuildDatasetRange", Napi::Function::New(env, BuildDatasetRangeBinding, "ethashBuildDatasetRange"));
  exports.Set("ethashBuildDatasetRangeAsync",
              Napi::Function::New(env, BuildDatasetRangeAsyncBinding, "ethashBuildDatasetRangeAsync"));
  exports.Set("ethashHashimotoLight", Napi::Function::New(env, HashimotoLightBinding, "ethashHashimotoLight"));
  exports.Set("ethashHashimotoLightBatch",
              Napi::Function::New(env, HashimotoLightBatchBinding, "ethashHashimotoLightBatch"));
  exports.Set("ethashHashimotoFull", Napi::Function::New(env, HashimotoFullBinding, "ethashHashimotoFull"));
  exports.Set("ethashFinalHash", Napi::Function::New(env, FinalHashBinding, "ethashFinalHash"));
  exports.Set("ethashSearchFullAsync", Napi::Function::New(env, SearchFullAsyncBinding, "ethashSearchFullAsync"));
}

}  // namespace pool
