// 4-lane scrypt ROMix in 128-bit vectors, compiled without extra flags: SSE2 on x86-64, NEON on arm64.
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#include <cstddef>
#include <cstdint>

#include "scrypt_lanes.h"

#if defined(POOL_SCRYPT_LANES)
namespace pool {
namespace {

typedef uint32_t V __attribute__((vector_size(16)));
#include "scrypt_lanes.inc"

}  // namespace

void ScryptRoMix4(uint8_t* b, uint32_t* v) { RoMixLanes(b, v); }

}  // namespace pool
#endif
