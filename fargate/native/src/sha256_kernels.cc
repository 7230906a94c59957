// The SIMD kernels are written from the instruction definitions (Intel SDM: SHA256RNDS2, SHA256MSG1, SHA256MSG2;
// Arm ARM: SHA256H, SHA256H2, SHA256SU0, SHA256SU1) over FIPS 180-4's rounds; each is checked against the scalar
// kernel and node:crypto by test/fargate/hashing/sha256-kernels.test.ts.
#include "sha256_kernels.h"

#include <atomic>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#define POOL_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#define POOL_SHA_ARM 1
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif
#endif
#endif

namespace pool {
namespace {

// §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
alignas(16) constexpr uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

#if POOL_SHA_X86
// SHA256RNDS2 takes its state as {A,B,E,F} and {C,D,G,H} (each highest lane first) and does two rounds with the two
// low message+constant words of its third operand; MSG1/MSG2 compute the σ0 and σ1 parts of the schedule.
__attribute__((target("sha,sse4.1"))) void CompressShaNi(uint32_t state[8], const uint8_t* data, size_t blocks) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));      // lanes a b c d (low to high)
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));  // lanes e f g h
  __m128i badc = _mm_shuffle_epi32(dcba, 0xb1);                                 // b a d c
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);                                 // h g f e
  __m128i abef = _mm_alignr_epi8(badc, efgh, 8);                                // f e b a
  __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xf0);                             // h g d c
  for (; blocks > 0; blocks--, data += 64) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; i++) {
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), byte_swap);
    }
    for (int g = 0; g < 16; g++) {
      __m128i& cur = w[g & 3];
      if (g >= 4) {
        // W[t..t+3] from W[t-16..t-13] (cur), W[t-12..] (next), W[t-8..] and W[t-4..] (prev).
        const __m128i& next = w[(g + 1) & 3];
        const __m128i& back8 = w[(g + 2) & 3];
        const __m128i& prev = w[(g + 3) & 3];
        __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(cur, next), _mm_alignr_epi8(prev, back8, 4));
        cur = _mm_sha256msg2_epu32(t, prev);
      }
      __m128i wk = _mm_add_epi32(cur, _mm_load_si128(reinterpret_cast<const __m128i*>(K + 4 * g)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1b);   // a b e f
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);   // g h c d
  dcba = _mm_blend_epi16(feba, dchg, 0xf0);       // a b c d
  hgfe = _mm_alignr_epi8(dchg, feba, 8);          // e f g h
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), hgfe);
}

bool CpuHasShaNi() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && (b & (1u << 29));
}
#endif

#if POOL_SHA_ARM
// SHA256H/SHA256H2 do four rounds on {A,B,C,D} and {E,F,G,H} with four message+constant words; SU0/SU1 the schedule.
#if defined(__clang__)
#define POOL_ARM_SHA2_TARGET __attribute__((target("sha2")))
#else
// GCC 12 names the SHA-2 instructions (with AES) "crypto"; its arm_neon.h gates the intrinsics on it.
#define POOL_ARM_SHA2_TARGET __attribute__((target("+crypto")))
#endif
POOL_ARM_SHA2_TARGET void CompressArmv8(uint32_t state[8], const uint8_t* data, size_t blocks) {
  uint32x4_t abcd = vld1q_u32(state);
  uint32x4_t efgh = vld1q_u32(state + 4);
  for (; blocks > 0; blocks--, data += 64) {
    const uint32x4_t abcd_in = abcd, efgh_in = efgh;
    uint32x4_t w[4];
    for (int i = 0; i < 4; i++) w[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 16 * i)));
    for (int g = 0; g < 16; g++) {
      uint32x4_t& cur = w[g & 3];
      if (g >= 4) cur = vsha256su1q_u32(vsha256su0q_u32(cur, w[(g + 1) & 3]), w[(g + 2) & 3], w[(g + 3) & 3]);
      const uint32x4_t wk = vaddq_u32(cur, vld1q_u32(K + 4 * g));
      const uint32x4_t abcd_before = abcd;
      abcd = vsha256hq_u32(abcd, efgh, wk);
      efgh = vsha256h2q_u32(efgh, abcd_before, wk);
    }
    abcd = vaddq_u32(abcd, abcd_in);
    efgh = vaddq_u32(efgh, efgh_in);
  }
  vst1q_u32(state, abcd);
  vst1q_u32(state + 4, efgh);
}

bool CpuHasArmSha2() {
#if defined(__APPLE__)
  return true;  // every Apple arm64 CPU has the SHA-2 instructions
#elif defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
#else
  return false;
#endif
}
#endif

Sha256Kernel kernels[3];
size_t kernel_count = 0;
std::atomic<const Sha256Kernel*> current{nullptr};

void Detect() {
  if (kernel_count > 0) return;
  size_t n = 0;
#if POOL_SHA_X86
  if (CpuHasShaNi()) kernels[n++] = {"sha-ni", CompressShaNi};
#endif
#if POOL_SHA_ARM
  if (CpuHasArmSha2()) kernels[n++] = {"armv8-sha2", CompressArmv8};
#endif
  kernels[n++] = {"scalar", Sha256CompressScalar};
  kernel_count = n;
}

// Detected before main (the addon's load): the kernel pointer is then only ever read, unless a test chooses one.
struct DetectAtLoad {
  DetectAtLoad() {
    Detect();
    current.store(&kernels[0]);
  }
} detect_at_load;

}  // namespace

void Sha256CompressScalar(uint32_t state[8], const uint8_t* data, size_t blocks) {
  for (; blocks > 0; blocks--, data += 64) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++) w[t] = LoadBe32(data + 4 * t);
    for (int t = 16; t < 64; t++) {
      const uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
      const uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
      const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

size_t Sha256AvailableKernels(const Sha256Kernel** out) {
  Detect();
  *out = kernels;
  return kernel_count;
}

const Sha256Kernel& Sha256CurrentKernel() {
  const Sha256Kernel* k = current.load(std::memory_order_relaxed);
  if (k == nullptr) {
    Detect();
    k = &kernels[0];
  }
  return *k;
}

bool Sha256UseKernel(const char* name) {
  Detect();
  for (size_t i = 0; i < kernel_count; i++) {
    if (std::strcmp(name, "auto") == 0 ? i == 0 : std::strcmp(name, kernels[i].name) == 0) {
      current.store(&kernels[i]);
      return true;
    }
  }
  return false;
}

}  // namespace pool
