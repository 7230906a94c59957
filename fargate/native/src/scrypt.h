// scrypt (RFC 7914) and Litecoin's fixed-parameter PoW instance of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pool {

// Memory a call may use for V (128 * r * N bytes). 1 GiB admits every RFC 7914 §12 vector.
constexpr uint64_t kScryptMaxMemory = uint64_t(1) << 30;

// Returns nullptr on success, otherwise a message naming the parameter that RFC 7914 §2 or the memory cap rejects.
const char* ScryptCheckParams(uint64_t n, uint64_t r, uint64_t p, uint64_t dk_len);

// General scrypt(P, S, N, r, p, dkLen). Parameters must have passed ScryptCheckParams.
// Returns false only if the working memory could not be allocated.
bool Scrypt(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, uint64_t n, uint32_t r,
            uint32_t p, uint8_t* out, size_t dk_len);

// Litecoin PoW: scrypt(header, header, N=1024, r=1, p=1, dkLen=32) using a per-thread scratch area, so hashing a share
// allocates nothing.
void ScryptLitecoin(const uint8_t* header, size_t header_len, uint8_t out[32]);

// The same for two headers at once, interleaved (two independent chains for the out-of-order core: ~1.5x the
// throughput of two ScryptLitecoin calls). Results are exactly ScryptLitecoin's.
void ScryptLitecoinPair(const uint8_t* h1, size_t len1, const uint8_t* h2, size_t len2, uint8_t out1[32],
                        uint8_t out2[32]);

// The multi-buffer kernels, narrowest first: kScalar is the one-hash code above (pairs, then a single); kX4 hashes 4 in
// 128-bit vectors (named "neon" on arm64, "sse2" on x86-64); kAvx2 8 in 256-bit and kAvx512 16 in 512-bit registers.
enum class ScryptKernel { kScalar, kX4, kAvx2, kAvx512 };
constexpr int kScryptKernelCount = 4;

// "scalar", "sse2" | "neon", "avx2", "avx512".
const char* ScryptKernelName(ScryptKernel kernel);
// Whether this build has the kernel and this CPU (and its OS) can run it.
bool ScryptKernelAvailable(ScryptKernel kernel);
// The widest available kernel: what ScryptLitecoinBatch uses unless told otherwise.
ScryptKernel ScryptBestKernel();

// Litecoin PoW of n headers: out + 32·i = ScryptLitecoin(headers[i]). Hashes them in the calls ScryptBatchPlan
// chooses among the lane groups the kernel (at most `widest`, which must be available) has and its one-hash code's
// pair and single: every result is exactly ScryptLitecoin's. Uses a per-thread table of up to 16 × 128 KiB, allocated once.
void ScryptLitecoinBatch(const uint8_t* const* headers, const size_t* lengths, size_t n, uint8_t* out,
                         ScryptKernel widest);

// The calls ScryptLitecoinBatch makes for n headers on `widest`, as their lane counts in order (16, 8, 4: lane
// groups; 2 and 1: the one-hash code's pair and single; the last call may pad lanes): the cheapest cover of n by this
// CPU's cost of each call, measured once per kernel on first use.
std::vector<size_t> ScryptBatchPlan(size_t n, ScryptKernel widest);
// Those measured costs: each call the kernel has, widest first, with its lanes and what one call takes here (ns).
struct ScryptCallCost {
  size_t lanes;
  double ns;
};
std::vector<ScryptCallCost> ScryptCallCosts(ScryptKernel widest);
// One call of the kernel's widest lane group (scalar: a pair) on exactly that many headers, whatever the plan would
// choose: for a driver that measures one kernel (bench/native/scrypt-kernels.cc; under valgrind the measured costs
// would make the plan avoid the lanes). Returns the lanes it hashed.
size_t ScryptLitecoinWidestCall(const uint8_t* const* headers, const size_t* lengths, uint8_t* out, ScryptKernel kernel);

}  // namespace pool
