// scrypt written from RFC 7914: Salsa20/8 core (§3), scryptBlockMix (§4), scryptROMix (§5), scrypt (§6).
// Blocks are handled as arrays of 32-bit words: RFC 7914 reads every 64-byte Salsa block as 16 little-endian words.
#include "scrypt.h"

#if defined(__aarch64__)
#include <arm_neon.h>  // scrypt_one.inc's rotates
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <new>

#include "scrypt_lanes.h"
#include "sha256.h"

namespace pool {
namespace {

#include "scrypt_one.inc"

constexpr uint64_t kLitecoinN = 1024;

// Per-thread rather than process-wide: the Node main thread is single-threaded, but worker_threads that load this
// addon share its globals.
struct LitecoinScratch {
  Block v[kLitecoinN * 2];
  Block x[2];
  Block tmp[2];
};
thread_local std::unique_ptr<LitecoinScratch> litecoin_scratch;
thread_local std::unique_ptr<LitecoinScratch> litecoin_scratch2;  // the second hash of a pair

LitecoinScratch& Scratch(std::unique_ptr<LitecoinScratch>& s) {
  if (!s) s.reset(new LitecoinScratch);  // 128 KiB, once per thread
  return *s;
}

// The one-hash code's ROMix of Litecoin's N and r for `kernel`'s singles and pairs: the avx512 kernel's copy rotates
// with AVX-512VL's vprold (scrypt_avx512.cc), every other one is the baseline code above.
#if defined(POOL_SCRYPT_X86_LANES)
static_assert(sizeof(LitecoinScratch) == (kLitecoinN * 2 + 4) * 64, "scrypt_avx512.cc reads the scratch as blocks");
#endif

void RoMixOne(uint8_t b[128], LitecoinScratch& s, ScryptKernel kernel) {
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) return ScryptRoMixOneAvx512(b, reinterpret_cast<uint32_t*>(&s));
#endif
  (void)kernel;
  RoMix(b, kLitecoinN, 1, s.v, s.x, s.tmp);
}

void RoMixPair(uint8_t b1[128], uint8_t b2[128], LitecoinScratch& s1, LitecoinScratch& s2, ScryptKernel kernel) {
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) {
    return ScryptRoMixPairAvx512(b1, b2, reinterpret_cast<uint32_t*>(&s1), reinterpret_cast<uint32_t*>(&s2));
  }
#endif
  (void)kernel;
  RoMix2(b1, b2, kLitecoinN, s1.v, s2.v, s1.x, s2.x, s1.tmp, s2.tmp);
}

// §6 for one header and for two, on `kernel`'s one-hash code.
void LitecoinOne(const uint8_t* header, size_t header_len, uint8_t out[32], ScryptKernel kernel) {
  uint8_t b[128];
  Pbkdf2Sha256(header, header_len, header, header_len, 1, b, sizeof(b));
  RoMixOne(b, Scratch(litecoin_scratch), kernel);
  Pbkdf2Sha256(header, header_len, b, sizeof(b), 1, out, 32);
}

void LitecoinPair(const uint8_t* h1, size_t len1, const uint8_t* h2, size_t len2, uint8_t out1[32], uint8_t out2[32],
                  ScryptKernel kernel) {
  uint8_t b1[128], b2[128];
  Pbkdf2Sha256(h1, len1, h1, len1, 1, b1, sizeof(b1));
  Pbkdf2Sha256(h2, len2, h2, len2, 1, b2, sizeof(b2));
  RoMixPair(b1, b2, Scratch(litecoin_scratch), Scratch(litecoin_scratch2), kernel);
  Pbkdf2Sha256(h1, len1, b1, sizeof(b1), 1, out1, 32);
  Pbkdf2Sha256(h2, len2, b2, sizeof(b2), 1, out2, 32);
}

}  // namespace

const char* ScryptCheckParams(uint64_t n, uint64_t r, uint64_t p, uint64_t dk_len) {
  if (r < 1 || r > 0xffffffffu) return "r must be an integer >= 1";
  if (p < 1 || p > 0xffffffffu) return "p must be an integer >= 1";
  // §2: p <= ((2^32 - 1) * hLen) / MFLen, with hLen = 32 and MFLen = 128r.
  if (p > ((uint64_t(0xffffffff) * 32) / (128 * r))) return "p is too large for r (p <= (2^32-1)*32 / (128*r))";
  if (n < 2 || (n & (n - 1)) != 0) return "N must be a power of two greater than 1";
  // §2: N < 2^(128 * r / 8); 16r >= 64 already exceeds any N that passes the memory cap.
  if (16 * r < 64 && n >= (uint64_t(1) << (16 * r))) return "N must be less than 2^(16*r)";
  if (dk_len < 1 || dk_len > uint64_t(0xffffffff) * 32) return "dkLen must be an integer in 1..(2^32-1)*32";
  if (n > kScryptMaxMemory / (128 * r)) return "128 * r * N exceeds the 1 GiB memory cap";
  return nullptr;
}

bool Scrypt(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, uint64_t n, uint32_t r,
            uint32_t p, uint8_t* out, size_t dk_len) {
  const size_t block_bytes = 128 * size_t(r);
  const size_t blocks = 2 * size_t(r);
  std::unique_ptr<uint8_t[]> b(new (std::nothrow) uint8_t[block_bytes * p]);
  std::unique_ptr<Block[]> v(new (std::nothrow) Block[n * blocks]);
  std::unique_ptr<Block[]> x(new (std::nothrow) Block[2 * blocks]);
  if (!b || !v || !x) return false;
  // §6 steps 1–3: B = PBKDF2(P, S, 1, p * 128r); each block through ROMix; DK = PBKDF2(P, B, 1, dkLen).
  Pbkdf2Sha256(password, password_len, salt, salt_len, 1, b.get(), block_bytes * p);
  for (uint32_t i = 0; i < p; i++) RoMix(b.get() + i * block_bytes, n, r, v.get(), x.get(), x.get() + blocks);
  Pbkdf2Sha256(password, password_len, b.get(), block_bytes * p, 1, out, dk_len);
  return true;
}

void ScryptLitecoinPair(const uint8_t* h1, size_t len1, const uint8_t* h2, size_t len2, uint8_t out1[32],
                        uint8_t out2[32]) {
  LitecoinPair(h1, len1, h2, len2, out1, out2, ScryptBestKernel());
}

namespace {

// The lane kernels' table: lanes × 128 KiB (V of N = 1024 blocks of 128 bytes per lane), 64-byte aligned for the
// vector stores, per thread like the one-hash scratch.
struct LaneTable {
  uint32_t* words = nullptr;
  size_t lanes = 0;
  ~LaneTable() { Release(); }
  void Release() {
    if (words) ::operator delete(words, std::align_val_t(64));
    words = nullptr;
    lanes = 0;
  }
  uint32_t* For(size_t wanted) {
    if (lanes < wanted) {
      Release();
      words = static_cast<uint32_t*>(::operator new(wanted * kLitecoinN * 128, std::align_val_t(64)));
      lanes = wanted;
    }
    return words;
  }
};
thread_local LaneTable lane_table;

// A lane group: how many hashes one call of `romix` takes.
struct LaneGroup {
  size_t lanes;
  void (*romix)(uint8_t* b, uint32_t* v);
};

#if defined(POOL_SCRYPT_X86_LANES)
bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
bool CpuHasAvx512() {
  __builtin_cpu_init();
  // libgcc/compiler-rt also check that the OS saves the ZMM state (XCR0), so this is "usable", not just "present".
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#endif

// The lane groups a kernel hashes with, widest first (ScryptKernel::kScalar has none: pairs and singles only).
size_t LaneGroupsOf(ScryptKernel kernel, LaneGroup groups[]) {
  size_t count = 0;
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) {
    groups[count++] = {16, ScryptRoMix16Avx512};
    groups[count++] = {8, ScryptRoMix8Avx512};
  }
  if (kernel == ScryptKernel::kAvx2) groups[count++] = {8, ScryptRoMix8Avx2};
#endif
#if defined(POOL_SCRYPT_LANES)
  if (kernel != ScryptKernel::kScalar) groups[count++] = {4, ScryptRoMix4};
#endif
  return count;
}

}  // namespace

const char* ScryptKernelName(ScryptKernel kernel) {
  switch (kernel) {
    case ScryptKernel::kAvx512:
      return "avx512";
    case ScryptKernel::kAvx2:
      return "avx2";
    case ScryptKernel::kX4:
#if defined(__aarch64__)
      return "neon";
#else
      return "sse2";
#endif
    case ScryptKernel::kScalar:
      break;
  }
  return "scalar";
}

bool ScryptKernelAvailable(ScryptKernel kernel) {
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) return CpuHasAvx512();
  if (kernel == ScryptKernel::kAvx2) return CpuHasAvx2();
#endif
#if defined(POOL_SCRYPT_LANES)
  if (kernel == ScryptKernel::kX4) return true;
#endif
  return kernel == ScryptKernel::kScalar;
}

ScryptKernel ScryptBestKernel() {
  static const ScryptKernel best = [] {
    for (ScryptKernel k : {ScryptKernel::kAvx512, ScryptKernel::kAvx2, ScryptKernel::kX4}) {
      if (ScryptKernelAvailable(k)) return k;
    }
    return ScryptKernel::kScalar;
  }();
  return best;
}

namespace {

// The calls a kernel has, widest first: its lane groups, then its one-hash code's pair and single (a LaneGroup with
// no romix). A call of `lanes` hashes up to that many headers; fewer are padded with copies of the last one (their
// hashes are dropped).
struct KernelCalls {
  LaneGroup call[5];
  size_t count;
  explicit KernelCalls(ScryptKernel kernel) : count(LaneGroupsOf(kernel, call)) {
    call[count++] = {2, nullptr};
    call[count++] = {1, nullptr};
  }
};

// Hashes `count` (1..call.lanes) headers in one call, padding the rest of its lanes.
void RunCall(const LaneGroup& call, const uint8_t* const* headers, const size_t* lengths, size_t count, uint8_t* out,
             ScryptKernel kernel) {
  uint8_t dropped[16 * 32];
  const auto header = [&](size_t l) { return headers[l < count ? l : count - 1]; };
  const auto length = [&](size_t l) { return lengths[l < count ? l : count - 1]; };
  const auto into = [&](size_t l) { return l < count ? out + 32 * l : dropped + 32 * l; };
  if (call.romix == nullptr) {
    if (call.lanes == 2) {
      LitecoinPair(header(0), length(0), header(1), length(1), into(0), into(1), kernel);
    } else {
      LitecoinOne(header(0), length(0), into(0), kernel);
    }
    return;
  }
  uint32_t* table = lane_table.For(call.lanes);
  uint8_t b[16 * 128];
  // §6 step 1 per lane, ROMix in the lanes, step 3 per lane.
  for (size_t l = 0; l < call.lanes; l++) Pbkdf2Sha256(header(l), length(l), header(l), length(l), 1, b + 128 * l, 128);
  call.romix(b, table);
  for (size_t l = 0; l < call.lanes; l++) Pbkdf2Sha256(header(l), length(l), b + 128 * l, 128, 1, into(l), 32);
}

// What each call of a kernel costs on this CPU (ns, the best of five after a warm-up), in KernelCalls' order,
// measured once per kernel on first use: a 16-lane call costs more than an 8-lane one, and by how much differs
// between CPUs (AVX-512 is split in two on some), so the plan below is made from this machine's figures, not from the
// lane counts. The best of five: a run the VM preempted reads high, and a call measured too dear would be avoided for
// the life of the process.
struct CallCosts {
  double ns[5] = {};
};
CallCosts MeasureCosts(ScryptKernel kernel) {
  const KernelCalls calls(kernel);
  uint8_t header[80] = {};
  const uint8_t* headers[16];
  size_t lengths[16];
  for (size_t l = 0; l < 16; l++) {
    headers[l] = header;
    lengths[l] = sizeof(header);
  }
  uint8_t out[16 * 32];
  CallCosts costs;
  for (size_t c = 0; c < calls.count; c++) {
    const auto timed = [&] {
      const auto start = std::chrono::steady_clock::now();
      RunCall(calls.call[c], headers, lengths, calls.call[c].lanes, out, kernel);
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    };
    timed();  // warms the table and the caches
    double best = timed();
    for (int run = 1; run < 5; run++) best = std::min(best, timed());
    costs.ns[c] = best;
  }
  return costs;
}
const CallCosts& CostsOf(ScryptKernel kernel) {
  static std::once_flag once[kScryptKernelCount];
  static CallCosts costs[kScryptKernelCount];
  const int k = static_cast<int>(kernel);
  std::call_once(once[k], [&] { costs[k] = MeasureCosts(kernel); });
  return costs[k];
}

// The cheapest sequence of calls that hashes n headers, as indexes into `calls`, by this CPU's measured cost of each:
// the greedy widest-first cover left a turn's remainder to narrow calls (15 headers: 8 + 4 + a pair + a single, ~2.5×
// the cost of one 16-lane call with one lane padded). best[k] = min over calls of cost + best[k − lanes], k = 0 up;
// only the last call of the sequence can pad.
std::vector<uint8_t> PlanCalls(size_t n, const KernelCalls& calls, const CallCosts& costs) {
  std::vector<double> best(n + 1, 0);
  std::vector<uint8_t> choice(n + 1, 0);
  for (size_t k = 1; k <= n; k++) {
    best[k] = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < calls.count; c++) {
      const size_t lanes = calls.call[c].lanes;
      const double cost = costs.ns[c] + best[k > lanes ? k - lanes : 0];
      if (cost < best[k]) {
        best[k] = cost;
        choice[k] = static_cast<uint8_t>(c);
      }
    }
  }
  std::vector<uint8_t> plan;
  for (size_t k = n; k > 0; k -= std::min(k, calls.call[choice[k]].lanes)) plan.push_back(choice[k]);
  return plan;
}

}  // namespace

std::vector<size_t> ScryptBatchPlan(size_t n, ScryptKernel widest) {
  const KernelCalls calls(widest);
  std::vector<size_t> lanes;
  for (uint8_t c : PlanCalls(n, calls, CostsOf(widest))) lanes.push_back(calls.call[c].lanes);
  return lanes;
}

std::vector<ScryptCallCost> ScryptCallCosts(ScryptKernel widest) {
  const KernelCalls calls(widest);
  const CallCosts& costs = CostsOf(widest);
  std::vector<ScryptCallCost> out(calls.count);
  for (size_t c = 0; c < calls.count; c++) out[c] = {calls.call[c].lanes, costs.ns[c]};
  return out;
}

size_t ScryptLitecoinWidestCall(const uint8_t* const* headers, const size_t* lengths, uint8_t* out, ScryptKernel kernel) {
  const KernelCalls calls(kernel);
  RunCall(calls.call[0], headers, lengths, calls.call[0].lanes, out, kernel);
  return calls.call[0].lanes;
}

void ScryptLitecoinBatch(const uint8_t* const* headers, const size_t* lengths, size_t n, uint8_t* out,
                         ScryptKernel widest) {
  if (n == 0) return;
  const KernelCalls calls(widest);
  size_t i = 0;
  for (uint8_t c : PlanCalls(n, calls, CostsOf(widest))) {
    const size_t count = std::min(calls.call[c].lanes, n - i);
    RunCall(calls.call[c], headers + i, lengths + i, count, out + 32 * i, widest);
    i += count;
  }
}

void ScryptLitecoin(const uint8_t* header, size_t header_len, uint8_t out[32]) {
  LitecoinOne(header, header_len, out, ScryptBestKernel());
}

}  // namespace pool
