// 8-lane scrypt ROMix in AVX2 registers. Built with -mavx2 (binding.gyp, x64 only): scrypt.cc calls it only after
// checking the CPU.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "scrypt_lanes.h"

#if defined(POOL_SCRYPT_X86_LANES)
namespace pool {
namespace {

typedef uint32_t V __attribute__((vector_size(32)));
#include "scrypt_lanes.inc"

}  // namespace

void ScryptRoMix8Avx2(uint8_t* b, uint32_t* v) { RoMixLanes(b, v); }

}  // namespace pool
#endif
