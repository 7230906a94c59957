// Keccak-f[1600] as the Keccak reference specifies it (theta, rho, pi, chi, iota over 24 rounds), written with the lanes
// in local variables so the compiler keeps them in registers; the sponge absorbs whole lanes (little-endian hosts).
#include "keccak.h"

#include <cstring>

namespace pool {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the sponge reads lanes as little-endian words");

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

inline uint64_t Rotl(uint64_t x, unsigned n) { return (x << n) | (x >> ((64 - n) & 63)); }

// Absorbs `len` bytes into a sponge of `rate` bytes (one call: every ethash input is a single message) and squeezes
// `out_len` ≤ rate bytes.
void Sponge(const uint8_t* data, size_t len, size_t rate, uint8_t* out, size_t out_len) {
  uint64_t state[25] = {};
  const size_t rate_lanes = rate / 8;
  while (len >= rate) {
    for (size_t i = 0; i < rate_lanes; i++) {
      uint64_t lane;
      std::memcpy(&lane, data + 8 * i, 8);
      state[i] ^= lane;
    }
    KeccakF1600(state);
    data += rate;
    len -= rate;
  }
  uint8_t last[200] = {};
  std::memcpy(last, data, len);
  last[len] ^= 0x01;  // Keccak's pad10*1 with the original domain byte
  last[rate - 1] ^= 0x80;
  for (size_t i = 0; i < rate_lanes; i++) {
    uint64_t lane;
    std::memcpy(&lane, last + 8 * i, 8);
    state[i] ^= lane;
  }
  KeccakF1600(state);
  std::memcpy(out, state, out_len);
}

}  // namespace

void KeccakF1600(uint64_t s[25]) {
  // Lane (x, y) is s[x + 5y].
  uint64_t a00 = s[0], a01 = s[1], a02 = s[2], a03 = s[3], a04 = s[4];
  uint64_t a05 = s[5], a06 = s[6], a07 = s[7], a08 = s[8], a09 = s[9];
  uint64_t a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14];
  uint64_t a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19];
  uint64_t a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  for (int round = 0; round < 24; round++) {
    // theta: each lane gets the parities of the two neighbouring columns.
    const uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    const uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    const uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    const uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    const uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    const uint64_t d0 = c4 ^ Rotl(c1, 1);
    const uint64_t d1 = c0 ^ Rotl(c2, 1);
    const uint64_t d2 = c1 ^ Rotl(c3, 1);
    const uint64_t d3 = c2 ^ Rotl(c4, 1);
    const uint64_t d4 = c3 ^ Rotl(c0, 1);
    // rho and pi together: B[y, 2x+3y] = rot(A[x, y] ^ D[x], r[x, y]); b<x><y> names the destination lane.
    const uint64_t b00 = a00 ^ d0;
    const uint64_t b10 = Rotl(a06 ^ d1, 44);
    const uint64_t b20 = Rotl(a12 ^ d2, 43);
    const uint64_t b30 = Rotl(a18 ^ d3, 21);
    const uint64_t b40 = Rotl(a24 ^ d4, 14);
    const uint64_t b01 = Rotl(a03 ^ d3, 28);
    const uint64_t b11 = Rotl(a09 ^ d4, 20);
    const uint64_t b21 = Rotl(a10 ^ d0, 3);
    const uint64_t b31 = Rotl(a16 ^ d1, 45);
    const uint64_t b41 = Rotl(a22 ^ d2, 61);
    const uint64_t b02 = Rotl(a01 ^ d1, 1);
    const uint64_t b12 = Rotl(a07 ^ d2, 6);
    const uint64_t b22 = Rotl(a13 ^ d3, 25);
    const uint64_t b32 = Rotl(a19 ^ d4, 8);
    const uint64_t b42 = Rotl(a20 ^ d0, 18);
    const uint64_t b03 = Rotl(a04 ^ d4, 27);
    const uint64_t b13 = Rotl(a05 ^ d0, 36);
    const uint64_t b23 = Rotl(a11 ^ d1, 10);
    const uint64_t b33 = Rotl(a17 ^ d2, 15);
    const uint64_t b43 = Rotl(a23 ^ d3, 56);
    const uint64_t b04 = Rotl(a02 ^ d2, 62);
    const uint64_t b14 = Rotl(a08 ^ d3, 55);
    const uint64_t b24 = Rotl(a14 ^ d4, 39);
    const uint64_t b34 = Rotl(a15 ^ d0, 41);
    const uint64_t b44 = Rotl(a21 ^ d1, 2);
    // chi along each row, iota on lane (0, 0).
    a00 = b00 ^ (~b10 & b20) ^ kRoundConstants[round];
    a01 = b10 ^ (~b20 & b30);
    a02 = b20 ^ (~b30 & b40);
    a03 = b30 ^ (~b40 & b00);
    a04 = b40 ^ (~b00 & b10);
    a05 = b01 ^ (~b11 & b21);
    a06 = b11 ^ (~b21 & b31);
    a07 = b21 ^ (~b31 & b41);
    a08 = b31 ^ (~b41 & b01);
    a09 = b41 ^ (~b01 & b11);
    a10 = b02 ^ (~b12 & b22);
    a11 = b12 ^ (~b22 & b32);
    a12 = b22 ^ (~b32 & b42);
    a13 = b32 ^ (~b42 & b02);
    a14 = b42 ^ (~b02 & b12);
    a15 = b03 ^ (~b13 & b23);
    a16 = b13 ^ (~b23 & b33);
    a17 = b23 ^ (~b33 & b43);
    a18 = b33 ^ (~b43 & b03);
    a19 = b43 ^ (~b03 & b13);
    a20 = b04 ^ (~b14 & b24);
    a21 = b14 ^ (~b24 & b34);
    a22 = b24 ^ (~b34 & b44);
    a23 = b34 ^ (~b44 & b04);
    a24 = b44 ^ (~b04 & b14);
  }
  s[0] = a00, s[1] = a01, s[2] = a02, s[3] = a03, s[4] = a04;
  s[5] = a05, s[6] = a06, s[7] = a07, s[8] = a08, s[9] = a09;
  s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14;
  s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19;
  s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

void Keccak256(const uint8_t* data, size_t len, uint8_t out[32]) { Sponge(data, len, 136, out, 32); }

void Keccak512(const uint8_t* data, size_t len, uint8_t out[64]) { Sponge(data, len, 72, out, 64); }

}  // namespace pool
