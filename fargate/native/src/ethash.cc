// Ethash per the Ethereum yellow paper's appendix J and the reference algorithm's published description: FNV-1 style
// mixing (prime 0x01000193, xor after multiply), 64-byte cache rows, 256 parents per dataset item, 64 page accesses
// of 128 bytes per hashimoto. All words are little-endian; this file assumes a little-endian host (keccak.cc checks).
#include "ethash.h"

#include <cstring>

#include "keccak.h"

namespace pool::ethash {

namespace {

constexpr uint64_t kCacheInit = 1ULL << 24;
constexpr uint64_t kCacheGrowth = 1ULL << 17;
constexpr uint64_t kDatasetInit = 1ULL << 30;
constexpr uint64_t kDatasetGrowth = 1ULL << 23;
constexpr uint32_t kRowWords = 16;    // a cache row or a dataset item: 64 bytes
constexpr uint32_t kPageWords = 32;   // a hashimoto page: two dataset items
constexpr uint32_t kParents = 256;    // cache rows mixed into one dataset item
constexpr uint32_t kAccesses = 64;    // pages read by one hashimoto
constexpr uint32_t kCacheRounds = 3;  // RandMemoHash rounds
constexpr uint32_t kFnvPrime = 0x01000193;

inline uint32_t Fnv(uint32_t a, uint32_t b) { return (a * kFnvPrime) ^ b; }

bool IsPrime(uint64_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint64_t d = 3; d * d <= n; d += 2) {
    if (n % d == 0) return false;
  }
  return true;
}

// Largest size = init + growth·epoch − unit − 2·unit·k whose size/unit is prime.
uint64_t PrimeSize(uint64_t init, uint64_t growth, uint64_t unit, uint32_t epoch) {
  uint64_t size = init + growth * epoch - unit;
  while (!IsPrime(size / unit)) size -= 2 * unit;
  return size;
}

inline void Keccak512InPlace(uint32_t words[16]) {
  uint8_t* bytes = reinterpret_cast<uint8_t*>(words);
  Keccak512(bytes, 64, bytes);
}

// Dataset items idx[0..N) computed together: each parent load depends on the previous mix, so N independent chains let
// the memory system serve N cache misses at once (the share check is bound by those misses). The parent loop is
// unrolled by the row's 16 words so the word that picks the next parent has a constant index and stays in a register.
template <int N>
void Items(const uint32_t* cache, uint32_t rows, const uint32_t idx[N], uint32_t* const out[N]) {
  uint32_t mix[N][kRowWords];
  for (int c = 0; c < N; c++) {
    std::memcpy(mix[c], cache + uint64_t(idx[c] % rows) * kRowWords, 64);
    mix[c][0] ^= idx[c];
    Keccak512InPlace(mix[c]);
  }
  for (uint32_t p0 = 0; p0 < kParents; p0 += kRowWords) {
    for (uint32_t j = 0; j < kRowWords; j++) {
      const uint32_t* row[N];
      for (int c = 0; c < N; c++) row[c] = cache + uint64_t(Fnv(idx[c] ^ (p0 + j), mix[c][j]) % rows) * kRowWords;
      for (int c = 0; c < N; c++) {
        for (uint32_t w = 0; w < kRowWords; w++) mix[c][w] = Fnv(mix[c][w], row[c][w]);
      }
    }
  }
  for (int c = 0; c < N; c++) {
    Keccak512InPlace(mix[c]);
    std::memcpy(out[c], mix[c], 64);
  }
}

void ItemPair(const uint32_t* cache, uint32_t rows, uint32_t a, uint32_t b, uint32_t out_a[16],
              uint32_t out_b[16]) {
  const uint32_t idx[2] = {a, b};
  uint32_t* const out[2] = {out_a, out_b};
  Items<2>(cache, rows, idx, out);
}

// s = keccak512(header ‖ nonce LE), as 16 words.
void SeedHash(const uint8_t header[32], uint64_t nonce, uint32_t s[16]) {
  uint8_t input[40];
  std::memcpy(input, header, 32);
  for (int i = 0; i < 8; i++) input[32 + i] = uint8_t(nonce >> (8 * i));
  Keccak512(input, sizeof(input), reinterpret_cast<uint8_t*>(s));
}

void Finish(const uint32_t s[16], const uint32_t cmix[8], Hash* out) {
  uint8_t input[96];
  std::memcpy(input, s, 64);
  std::memcpy(input + 64, cmix, 32);
  std::memcpy(out->mix, cmix, 32);
  Keccak256(input, sizeof(input), out->result);
}

// The hashimoto loop; `load(page, words)` fills the 32 words of a page.
template <typename LoadPage>
void Hashimoto(uint64_t dataset_bytes, const uint8_t header[32], uint64_t nonce, LoadPage load, Hash* out) {
  const uint32_t pages = uint32_t(dataset_bytes / 128);
  uint32_t s[16];
  SeedHash(header, nonce, s);
  uint32_t mix[kPageWords];
  for (uint32_t w = 0; w < kPageWords; w++) mix[w] = s[w % kRowWords];
  uint32_t page[kPageWords];
  for (uint32_t k = 0; k < kAccesses; k++) {
    load(Fnv(k ^ s[0], mix[k % kPageWords]) % pages, page);
    for (uint32_t w = 0; w < kPageWords; w++) mix[w] = Fnv(mix[w], page[w]);
  }
  uint32_t cmix[8];
  for (uint32_t w = 0; w < 8; w++) {
    cmix[w] = Fnv(Fnv(Fnv(mix[4 * w], mix[4 * w + 1]), mix[4 * w + 2]), mix[4 * w + 3]);
  }
  Finish(s, cmix, out);
}

// Hashimoto light of K shares in lockstep: access k of every share, then their 2K dataset items as 2K interleaved
// chains. One share's accesses are serial (each page index depends on the previous page), so this is the only way to
// have more than two cache misses in flight.
template <int K>
void HashimotoLightLockstep(const uint32_t* cache, uint32_t rows, uint64_t dataset_bytes, const uint8_t* headers,
                            const uint64_t* nonces, Hash* out) {
  const uint32_t pages = uint32_t(dataset_bytes / 128);
  uint32_t s[K][16], mix[K][kPageWords], page[K][kPageWords];
  for (int h = 0; h < K; h++) {
    SeedHash(headers + 32 * h, nonces[h], s[h]);
    for (uint32_t w = 0; w < kPageWords; w++) mix[h][w] = s[h][w % kRowWords];
  }
  for (uint32_t k = 0; k < kAccesses; k++) {
    uint32_t idx[2 * K];
    uint32_t* items[2 * K];
    for (int h = 0; h < K; h++) {
      const uint32_t p = Fnv(k ^ s[h][0], mix[h][k % kPageWords]) % pages;
      idx[2 * h] = 2 * p, idx[2 * h + 1] = 2 * p + 1;
      items[2 * h] = page[h], items[2 * h + 1] = page[h] + kRowWords;
    }
    Items<2 * K>(cache, rows, idx, items);
    for (int h = 0; h < K; h++) {
      for (uint32_t w = 0; w < kPageWords; w++) mix[h][w] = Fnv(mix[h][w], page[h][w]);
    }
  }
  for (int h = 0; h < K; h++) {
    uint32_t cmix[8];
    for (uint32_t w = 0; w < 8; w++) {
      cmix[w] = Fnv(Fnv(Fnv(mix[h][4 * w], mix[h][4 * w + 1]), mix[h][4 * w + 2]), mix[h][4 * w + 3]);
    }
    Finish(s[h], cmix, out + h);
  }
}

}  // namespace

uint64_t CacheSize(uint32_t epoch) { return PrimeSize(kCacheInit, kCacheGrowth, 64, epoch); }

uint64_t DatasetSize(uint32_t epoch) { return PrimeSize(kDatasetInit, kDatasetGrowth, 128, epoch); }

void Seed(uint32_t seed_epoch, uint8_t out[32]) {
  std::memset(out, 0, 32);
  for (uint32_t i = 0; i < seed_epoch; i++) Keccak256(out, 32, out);
}

void BuildCache(const uint8_t seed[32], uint8_t* bytes, uint64_t cache_bytes) {
  const uint32_t rows = uint32_t(cache_bytes / 64);
  uint32_t* cache = reinterpret_cast<uint32_t*>(bytes);
  Keccak512(seed, 32, bytes);
  for (uint32_t i = 1; i < rows; i++) Keccak512(bytes + 64 * uint64_t(i - 1), 64, bytes + 64 * uint64_t(i));
  uint32_t mixed[kRowWords];
  for (uint32_t round = 0; round < kCacheRounds; round++) {
    for (uint32_t j = 0; j < rows; j++) {
      const uint32_t* src = cache + uint64_t(j == 0 ? rows - 1 : j - 1) * kRowWords;
      uint32_t* row = cache + uint64_t(j) * kRowWords;
      const uint32_t* other = cache + uint64_t(row[0] % rows) * kRowWords;
      for (uint32_t w = 0; w < kRowWords; w++) mixed[w] = src[w] ^ other[w];
      Keccak512(reinterpret_cast<const uint8_t*>(mixed), 64, reinterpret_cast<uint8_t*>(row));
    }
  }
}

void BuildDatasetRange(const uint8_t* cache_bytes_ptr, uint64_t cache_bytes, uint8_t* dataset, uint64_t start,
                       uint64_t end) {
  const uint32_t* cache = reinterpret_cast<const uint32_t*>(cache_bytes_ptr);
  const uint32_t rows = uint32_t(cache_bytes / 64);
  uint32_t* items = reinterpret_cast<uint32_t*>(dataset);
  uint64_t i = start;
  for (; i + 1 < end; i += 2) {
    ItemPair(cache, rows, uint32_t(i), uint32_t(i + 1), items + i * kRowWords, items + (i + 1) * kRowWords);
  }
  if (i < end) {
    uint32_t spare[kRowWords];
    ItemPair(cache, rows, uint32_t(i), uint32_t(i), items + i * kRowWords, spare);
  }
}

void HashimotoLight(const uint8_t* cache_bytes_ptr, uint64_t cache_bytes, uint64_t dataset_bytes,
                    const uint8_t header[32], uint64_t nonce, Hash* out) {
  const uint32_t* cache = reinterpret_cast<const uint32_t*>(cache_bytes_ptr);
  const uint32_t rows = uint32_t(cache_bytes / 64);
  auto load = [cache, rows](uint32_t page, uint32_t words[kPageWords]) {
    ItemPair(cache, rows, 2 * page, 2 * page + 1, words, words + kRowWords);
  };
  Hashimoto(dataset_bytes, header, nonce, load, out);
}

void HashimotoLightBatch(const uint8_t* cache_bytes_ptr, uint64_t cache_bytes, uint64_t dataset_bytes,
                         const uint8_t* headers, const uint64_t* nonces, size_t count, Hash* out) {
  const uint32_t* cache = reinterpret_cast<const uint32_t*>(cache_bytes_ptr);
  const uint32_t rows = uint32_t(cache_bytes / 64);
  size_t i = 0;
  for (; i + kLightBatch <= count; i += kLightBatch) {
    HashimotoLightLockstep<kLightBatch>(cache, rows, dataset_bytes, headers + 32 * i, nonces + i, out + i);
  }
  for (; i < count; i++) HashimotoLightLockstep<1>(cache, rows, dataset_bytes, headers + 32 * i, nonces + i, out + i);
}

void HashimotoFull(const uint8_t* dataset, uint64_t dataset_bytes, const uint8_t header[32], uint64_t nonce,
                   Hash* out) {
  const uint32_t* items = reinterpret_cast<const uint32_t*>(dataset);
  auto load = [items](uint32_t page, uint32_t words[kPageWords]) {
    std::memcpy(words, items + uint64_t(page) * kPageWords, 128);
  };
  Hashimoto(dataset_bytes, header, nonce, load, out);
}

void FinalHash(const uint8_t header[32], uint64_t nonce, const uint8_t mix[32], uint8_t out[32]) {
  uint32_t s[16], cmix[8];
  SeedHash(header, nonce, s);
  std::memcpy(cmix, mix, 32);
  Hash hash;
  Finish(s, cmix, &hash);
  std::memcpy(out, hash.result, 32);
}

bool SearchFull(const uint8_t* dataset, uint64_t dataset_bytes, const uint8_t header[32], uint64_t start, uint64_t count,
                const uint8_t target[32], uint64_t* found, Hash* out) {
  for (uint64_t n = 0; n < count; n++) {
    const uint64_t nonce = start + n;
    HashimotoFull(dataset, dataset_bytes, header, nonce, out);
    if (std::memcmp(out->result, target, 32) <= 0) {
      *found = nonce;
      return true;
    }
  }
  return false;
}

}  // namespace pool::ethash
