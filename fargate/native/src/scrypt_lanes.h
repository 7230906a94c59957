// Multi-buffer Litecoin scrypt ROMix kernels (scrypt_lanes.inc), one per instruction set; scrypt.cc chooses among
// them at run time (ScryptLitecoinBatch).
#pragma once

#include <cstdint>

// GCC/Clang vector extensions: the lane kernels need them (MSVC builds keep the one-hash code only).
#if (defined(__GNUC__) || defined(__clang__)) && !defined(POOL_SCRYPT_PORTABLE)
#define POOL_SCRYPT_LANES 1
#if defined(__x86_64__)
#define POOL_SCRYPT_X86_LANES 1  // scrypt_avx2.cc and scrypt_avx512.cc are built (binding.gyp, x64 only)
#endif
#endif

namespace pool {

// Each replaces lane l's 128-byte B at b + 128·l (B as PBKDF2 produced it) with scryptROMix(B, N = 1024, r = 1).
// v is the kernel's table: lanes × 128 KiB, aligned to 64 bytes.
#if defined(POOL_SCRYPT_LANES)
// 4 lanes in 128-bit vectors: SSE2 on x86-64, NEON on arm64 (both baseline for those targets).
void ScryptRoMix4(uint8_t* b, uint32_t* v);
#endif
#if defined(POOL_SCRYPT_X86_LANES)
// 8 lanes in 256-bit AVX2 registers (call only where the CPU has AVX2).
void ScryptRoMix8Avx2(uint8_t* b, uint32_t* v);
// 16 lanes in 512-bit registers, and 8 in 256-bit ones with AVX-512VL's rotates (call only with AVX-512F and VL).
void ScryptRoMix16Avx512(uint8_t* b, uint32_t* v);
void ScryptRoMix8Avx512(uint8_t* b, uint32_t* v);
// The one-hash code (scrypt_one.inc) with AVX-512VL's rotates on 128-bit vectors: ROMix of one 128-byte B, or of
// two at once. `scratch` is one hash's V, X and temporary: (2 · 1024 + 4) blocks of 64 bytes, 16-byte aligned.
void ScryptRoMixOneAvx512(uint8_t* b, uint32_t* scratch);
void ScryptRoMixPairAvx512(uint8_t* b1, uint8_t* b2, uint32_t* scratch1, uint32_t* scratch2);
#endif

}  // namespace pool
