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
size_t LaneGroupsOf(ScryptKernel kernel, LaneGroup groups[3]) {
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

// One way to hash up to `lanes` headers in one call: a lane group of the kernel, or its one-hash code for a pair or a
// single header. Fewer headers than lanes are padded with copies of the last one (their hashes are dropped).
struct ScryptCall {
  size_t lanes;
  const LaneGroup* group;  // nullptr: the one-hash code (lanes 2: a pair, 1: a single)
};

// The calls a kernel has, widest first: its lane groups, then a pair and a single.
size_t CallsOf(const LaneGroup* groups, size_t group_count, ScryptCall calls[5]) {
  size_t count = 0;
  for (size_t g = 0; g < group_count; g++) calls[count++] = {groups[g].lanes, &groups[g]};
  calls[count++] = {2, nullptr};
  calls[count++] = {1, nullptr};
  return count;
}

// Hashes `count` (1..call.lanes) headers in one call, padding the rest of its lanes.
void RunCall(const ScryptCall& call, const uint8_t* const* headers, const size_t* lengths, size_t count, uint8_t* out,
             ScryptKernel kernel) {
  uint8_t dropped[16 * 32];
  const auto header = [&](size_t l) { return headers[l < count ? l : count - 1]; };
  const auto length = [&](size_t l) { return lengths[l < count ? l : count - 1]; };
  const auto into = [&](size_t l) { return l < count ? out + 32 * l : dropped + 32 * l; };
  if (call.group == nullptr) {
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
  call.group->romix(b, table);
  for (size_t l = 0; l < call.lanes; l++) Pbkdf2Sha256(header(l), length(l), b + 128 * l, 128, 1, into(l), 32);
}

// What each call of a kernel costs on this CPU (ns, the best of five after a warm-up), measured once per kernel on
// first use: a 16-lane call costs more than an 8-lane one, and by how much differs between CPUs (AVX-512 is split in
// two on some), so the plan below is made from this machine's figures, not from the lane counts. The best of five: a
// run the VM preempted reads high, and a call measured too dear would be avoided for the life of the process.
struct CallCosts {
  double ns[5] = {};
};
CallCosts MeasureCosts(ScryptKernel kernel) {
  LaneGroup groups[3];
  const size_t group_count = LaneGroupsOf(kernel, groups);
  ScryptCall calls[5];
  const size_t call_count = CallsOf(groups, group_count, calls);
  uint8_t header[80] = {};
  const uint8_t* headers[16];
  size_t lengths[16];
  for (size_t l = 0; l < 16; l++) {
    headers[l] = header;
    lengths[l] = sizeof(header);
  }
  uint8_t out[16 * 32];
  CallCosts costs;
  for (size_t c = 0; c < call_count; c++) {
    double best = 0;
    for (int run = 0; run < 6; run++) {
      const auto start = std::chrono::steady_clock::now();
      RunCall(calls[c], headers, lengths, calls[c].lanes, out, kernel);
      const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
      if (run == 1 || (run > 1 && ns < best)) best = ns;  // run 0 warms the table and the caches
    }
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

}  // namespace

// The cheapest sequence of calls that hashes n headers, by this CPU's measured cost of each call: the greedy widest-
// first cover left a turn's remainder to narrow calls (15 headers: 8 + 4 + a pair + a single, ~2.5× the cost of one
// 16-lane call with one lane padded). best[k] = min over calls of cost + best[k − lanes], from k = 0 up.
std::vector<size_t> ScryptBatchPlan(size_t n, ScryptKernel widest, std::vector<double>* call_costs) {
  LaneGroup groups[3];
  const size_t group_count = LaneGroupsOf(widest, groups);
  ScryptCall calls[5];
  const size_t call_count = CallsOf(groups, group_count, calls);
  const CallCosts& costs = CostsOf(widest);
  if (call_costs) call_costs->assign(costs.ns, costs.ns + call_count);
  std::vector<double> best(n + 1, 0);
  std::vector<uint8_t> choice(n + 1, 0);
  for (size_t k = 1; k <= n; k++) {
    best[k] = -1;
    for (size_t c = 0; c < call_count; c++) {
      const double cost = costs.ns[c] + best[k > calls[c].lanes ? k - calls[c].lanes : 0];
      if (best[k] < 0 || cost < best[k]) {
        best[k] = cost;
        choice[k] = static_cast<uint8_t>(c);
      }
    }
  }
  std::vector<size_t> plan;
  for (size_t k = n; k > 0; k -= std::min(k, calls[choice[k]].lanes)) plan.push_back(calls[choice[k]].lanes);
  return plan;
}

size_t ScryptLitecoinWidestCall(const uint8_t* const* headers, const size_t* lengths, uint8_t* out, ScryptKernel kernel) {
  LaneGroup groups[3];
  ScryptCall calls[5];
  CallsOf(groups, LaneGroupsOf(kernel, groups), calls);
  RunCall(calls[0], headers, lengths, calls[0].lanes, out, kernel);
  return calls[0].lanes;
}

std::vector<size_t> ScryptCallLanes(ScryptKernel widest) {
  LaneGroup groups[3];
  ScryptCall calls[5];
  const size_t call_count = CallsOf(groups, LaneGroupsOf(widest, groups), calls);
  std::vector<size_t> lanes(call_count);
  for (size_t c = 0; c < call_count; c++) lanes[c] = calls[c].lanes;
  return lanes;
}

void ScryptLitecoinBatch(const uint8_t* const* headers, const size_t* lengths, size_t n, uint8_t* out,
                         ScryptKernel widest) {
  if (n == 0) return;
  LaneGroup groups[3];
  const size_t group_count = LaneGroupsOf(widest, groups);
  ScryptCall calls[5];
  const size_t call_count = CallsOf(groups, group_count, calls);
  size_t i = 0;
  for (size_t lanes : ScryptBatchPlan(n, widest, nullptr)) {
    size_t c = 0;
    while (c + 1 < call_count && calls[c].lanes != lanes) c++;
    const size_t count = std::min(lanes, n - i);
    RunCall(calls[c], headers + i, lengths + i, count, out + 32 * i, widest);
    i += count;
  }
}

void ScryptLitecoin(const uint8_t* header, size_t header_len, uint8_t out[32]) {
  LitecoinOne(header, header_len, out, ScryptBestKernel());
}

}  // namespace pool
