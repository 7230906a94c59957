// 16-lane scrypt ROMix in AVX-512 registers (vprold rotates), and 8 lanes in 256-bit registers with AVX-512VL (its
// rotates and 32 registers: ~1.35x the AVX2 kernel); the one-hash code (a lone share, a pair) with the same rotates
// on 128-bit vectors. Built with -mavx512f -mavx512vl (binding.gyp, x64 only): scrypt.cc calls it only after checking
// the CPU.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "scrypt_lanes.h"

#if defined(POOL_SCRYPT_X86_LANES)
namespace pool {
namespace zmm {
namespace {

typedef uint32_t V __attribute__((vector_size(64)));
#include "scrypt_lanes.inc"

}  // namespace
}  // namespace zmm

namespace ymm {
namespace {

typedef uint32_t V __attribute__((vector_size(32)));
#include "scrypt_lanes.inc"

}  // namespace
}  // namespace ymm

namespace xmm {
namespace {

#include "scrypt_one.inc"

constexpr uint64_t kN = 1024;

}  // namespace
}  // namespace xmm

void ScryptRoMix16Avx512(uint8_t* b, uint32_t* v) { zmm::RoMixLanes(b, v); }
void ScryptRoMix8Avx512(uint8_t* b, uint32_t* v) { ymm::RoMixLanes(b, v); }

// scratch as scrypt.cc's LitecoinScratch lays it out: V (2N blocks), X (2), the temporary (2).
void ScryptRoMixOneAvx512(uint8_t* b, uint32_t* scratch) {
  auto* s = reinterpret_cast<xmm::Block*>(scratch);
  xmm::RoMix(b, xmm::kN, 1, s, s + 2 * xmm::kN, s + 2 * xmm::kN + 2);
}
void ScryptRoMixPairAvx512(uint8_t* b1, uint8_t* b2, uint32_t* scratch1, uint32_t* scratch2) {
  auto* x = reinterpret_cast<xmm::Block*>(scratch1);
  auto* y = reinterpret_cast<xmm::Block*>(scratch2);
  const uint64_t n = xmm::kN;
  xmm::RoMix2(b1, b2, n, x, y, x + 2 * n, y + 2 * n, x + 2 * n + 2, y + 2 * n + 2);
}

}  // namespace pool
#endif
