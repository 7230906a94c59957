// SHA-256 written from FIPS 180-4 §4.1.2 (functions), §4.2.2 (constants), §5.1.1 (padding), §6.2 (computation).
#include "sha256.h"

#include <cstring>

namespace pool {
namespace {

// §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// §5.3.3: first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline uint32_t Ch(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (~x & z); }
inline uint32_t Maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
inline uint32_t BigSigma0(uint32_t x) { return Rotr(x, 2) ^ Rotr(x, 13) ^ Rotr(x, 22); }
inline uint32_t BigSigma1(uint32_t x) { return Rotr(x, 6) ^ Rotr(x, 11) ^ Rotr(x, 25); }
inline uint32_t SmallSigma0(uint32_t x) { return Rotr(x, 7) ^ Rotr(x, 18) ^ (x >> 3); }
inline uint32_t SmallSigma1(uint32_t x) { return Rotr(x, 17) ^ Rotr(x, 19) ^ (x >> 10); }

// SHA-256 reads its message words big-endian (§3.1).
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline void StoreBe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// §6.2.2: one 512-bit block into the running state.
void Compress(uint32_t state[8], const uint8_t block[64]) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++) w[t] = LoadBe32(block + 4 * t);
  for (int t = 16; t < 64; t++) w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];

  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = h + BigSigma1(e) + Ch(e, f, g) + K[t] + w[t];
    uint32_t t2 = BigSigma0(a) + Maj(a, b, c);
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

}  // namespace

void Sha256::Init() {
  std::memcpy(state, H0, sizeof(state));
  total_bytes = 0;
  buffered = 0;
}

void Sha256::Update(const uint8_t* data, size_t len) {
  total_bytes += len;
  if (buffered > 0) {
    size_t take = 64 - buffered < len ? 64 - buffered : len;
    std::memcpy(buffer + buffered, data, take);
    buffered += take;
    data += take;
    len -= take;
    if (buffered < 64) return;
    Compress(state, buffer);
    buffered = 0;
  }
  for (; len >= 64; data += 64, len -= 64) Compress(state, data);
  if (len > 0) {
    std::memcpy(buffer, data, len);
    buffered = len;
  }
}

void Sha256::Finish(uint8_t out[32]) {
  // §5.1.1: append 0x80, zero-pad to 56 mod 64, then the message length in bits as a 64-bit big-endian integer.
  uint64_t bit_len = total_bytes * 8;
  buffer[buffered++] = 0x80;
  if (buffered > 56) {
    std::memset(buffer + buffered, 0, 64 - buffered);
    Compress(state, buffer);
    buffered = 0;
  }
  std::memset(buffer + buffered, 0, 56 - buffered);
  StoreBe32(buffer + 56, uint32_t(bit_len >> 32));
  StoreBe32(buffer + 60, uint32_t(bit_len));
  Compress(state, buffer);
  for (int i = 0; i < 8; i++) StoreBe32(out + 4 * i, state[i]);
}

void Sha256Digest(const uint8_t* data, size_t len, uint8_t out[32]) {
  Sha256 ctx;
  ctx.Init();
  ctx.Update(data, len);
  ctx.Finish(out);
}

void Sha256d(const uint8_t* data, size_t len, uint8_t out[32]) {
  uint8_t first[32];
  Sha256Digest(data, len, first);
  // The second pass always hashes exactly 32 bytes: one block whose padding is fixed, so build it directly.
  uint8_t block[64] = {0};
  std::memcpy(block, first, 32);
  block[32] = 0x80;
  block[62] = 0x01;  // length = 256 bits = 0x0100
  uint32_t state[8];
  std::memcpy(state, H0, sizeof(state));
  Compress(state, block);
  for (int i = 0; i < 8; i++) StoreBe32(out + 4 * i, state[i]);
}

void HmacSha256::Init(const uint8_t* key, size_t key_len) {
  // RFC 2104 §2: keys longer than the block size are hashed first; the result is zero-padded to 64 bytes.
  uint8_t k[64] = {0};
  if (key_len > 64) {
    Sha256Digest(key, key_len, k);
  } else if (key_len > 0) {
    std::memcpy(k, key, key_len);
  }
  uint8_t pad[64];
  for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
  inner.Init();
  inner.Update(pad, 64);
  for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
  outer.Init();
  outer.Update(pad, 64);
}

namespace {

// MAC = H((K ^ opad) || H((K ^ ipad) || message)), starting from the keyed states.
void HmacFinish(const HmacSha256& keyed, Sha256& inner, uint8_t out[32]) {
  uint8_t inner_digest[32];
  inner.Finish(inner_digest);
  Sha256 outer = keyed.outer;
  outer.Update(inner_digest, 32);
  outer.Finish(out);
}

}  // namespace

void Pbkdf2Sha256(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, uint64_t c,
                  uint8_t* out, size_t out_len) {
  HmacSha256 keyed;
  keyed.Init(password, password_len);
  // The salt is the same prefix of every U_1, so hash it into the inner state once.
  Sha256 salted = keyed.inner;
  salted.Update(salt, salt_len);

  for (uint32_t block_index = 1; out_len > 0; block_index++) {
    // RFC 8018 §5.2: U_1 = PRF(P, S || INT(i)), U_j = PRF(P, U_{j-1}), T_i = U_1 ^ ... ^ U_c.
    uint8_t int_i[4];
    StoreBe32(int_i, block_index);
    Sha256 inner = salted;
    inner.Update(int_i, 4);
    uint8_t u[32];
    HmacFinish(keyed, inner, u);
    uint8_t t[32];
    std::memcpy(t, u, 32);
    for (uint64_t j = 1; j < c; j++) {
      Sha256 next = keyed.inner;
      next.Update(u, 32);
      HmacFinish(keyed, next, u);
      for (int k = 0; k < 32; k++) t[k] ^= u[k];
    }
    size_t take = out_len < 32 ? out_len : 32;
    std::memcpy(out, t, take);
    out += take;
    out_len -= take;
  }
}

}  // namespace pool
