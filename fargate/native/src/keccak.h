// Keccak-f[1600] and the two legacy Keccak hashes ethash is defined with (Keccak-256, Keccak-512: the submission's
// padding byte 0x01, not FIPS 202 SHA-3's 0x06, so node:crypto's sha3-* give different digests).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pool {

// The 24-round permutation on 25 little-endian 64-bit lanes.
void KeccakF1600(uint64_t state[25]);

void Keccak256(const uint8_t* data, size_t len, uint8_t out[32]);
void Keccak512(const uint8_t* data, size_t len, uint8_t out[64]);

}  // namespace pool
