// 16-lane scrypt ROMix in AVX-512 registers (vprold rotates), and 8 lanes in 256-bit registers with AVX-512VL (its
// rotates and 32 registers: ~1.35x the AVX2 kernel). Built with -mavx512f -mavx512vl (binding.gyp, x64 only):
// scrypt.cc calls it only after checking the CPU.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

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

void ScryptRoMix16Avx512(uint8_t* b, uint32_t* v) { zmm::RoMixLanes(b, v); }
void ScryptRoMix8Avx512(uint8_t* b, uint32_t* v) { ymm::RoMixLanes(b, v); }

}  // namespace pool
#endif
