// SHA-256 written from FIPS 180-4 §4.1.2 (functions), §4.2.2 (constants), §5.1.1 (padding), §6.2 (computation).
#include "sha256.h"

#include "sha256_kernels.h"

#include <cstring>

namespace pool {
namespace {

// §5.3.3: first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

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

// §6.2.2 through the kernel chosen for this CPU (sha256_kernels.cc).
inline void Compress(uint32_t state[8], const uint8_t* blocks, size_t count) {
  Sha256CurrentKernel().compress(state, blocks, count);
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
    Compress(state, buffer, 1);
    buffered = 0;
  }
  if (len >= 64) {
    Compress(state, data, len / 64);
    data += len & ~size_t(63);
    len &= 63;
  }
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
    Compress(state, buffer, 1);
    buffered = 0;
  }
  std::memset(buffer + buffered, 0, 56 - buffered);
  StoreBe32(buffer + 56, uint32_t(bit_len >> 32));
  StoreBe32(buffer + 60, uint32_t(bit_len));
  Compress(state, buffer, 1);
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
  Compress(state, block, 1);
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
