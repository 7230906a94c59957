// SHA-256 (FIPS 180-4) and the HMAC/PBKDF2 constructions scrypt is built on.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pool {

// Incremental SHA-256: init → update* → finish.
struct Sha256 {
  uint32_t state[8];
  uint8_t buffer[64];
  uint64_t total_bytes;
  size_t buffered;

  void Init();
  void Update(const uint8_t* data, size_t len);
  void Finish(uint8_t out[32]);
};

void Sha256Digest(const uint8_t* data, size_t len, uint8_t out[32]);

// SHA-256(SHA-256(data)): Bitcoin's block/transaction hash.
void Sha256d(const uint8_t* data, size_t len, uint8_t out[32]);

// HMAC-SHA256 (RFC 2104) keyed once, so repeated MACs under the same key skip re-hashing the padded key blocks.
struct HmacSha256 {
  Sha256 inner;
  Sha256 outer;

  void Init(const uint8_t* key, size_t key_len);
};

// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with iteration count c.
void Pbkdf2Sha256(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, uint64_t c,
                  uint8_t* out, size_t out_len);

}  // namespace pool
