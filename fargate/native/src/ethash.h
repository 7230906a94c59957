// Ethash, as Ethereum Classic's etchash uses it: sizes, seeds, the light cache, dataset items and hashimoto. Etchash
// (ECIP-1099) changes only which seed and sizes an epoch takes; that choice is the caller's (see
// fargate/src/hashing/etchash.ts), so every function here takes the seed or the sizes explicitly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pool::ethash {

// Epoch-indexed sizes are computed up to this epoch (the tables of core-geth and go-etchash stop at 2048 epochs); the
// dataset is then ~18 GB, the cache ~285 MB.
constexpr uint32_t kMaxEpoch = 2047;

// Bytes of the light cache / full dataset of an epoch: the largest size below init + growth·epoch whose row count is
// prime (64-byte rows for the cache, 128-byte pages for the dataset).
uint64_t CacheSize(uint32_t epoch);
uint64_t DatasetSize(uint32_t epoch);

// Keccak-256 applied seed_epoch times to 32 zero bytes.
void Seed(uint32_t seed_epoch, uint8_t out[32]);

// Fills cache[0 .. cache_bytes) (a multiple of 64, 4-byte aligned) from the seed: sequential Keccak-512, then three
// rounds of RandMemoHash.
void BuildCache(const uint8_t seed[32], uint8_t* cache, uint64_t cache_bytes);

// Writes dataset items [start, end) (64 bytes each) at dataset + 64·index.
void BuildDatasetRange(const uint8_t* cache, uint64_t cache_bytes, uint8_t* dataset, uint64_t start, uint64_t end);

struct Hash {
  uint8_t mix[32];     // the mix digest (mixHash)
  uint8_t result[32];  // the final hash, compared big-endian against the target
};

// The share check: dataset items computed from the cache on demand (128 of them).
void HashimotoLight(const uint8_t* cache, uint64_t cache_bytes, uint64_t dataset_bytes, const uint8_t header[32],
                    uint64_t nonce, Hash* out);

// Shares checked together: a light check is bound by memory latency (16,384 dependent cache loads in two chains), and
// kLightBatch shares in lockstep keep 2·kLightBatch loads in flight. headers holds count·32 bytes, out count hashes.
constexpr int kLightBatch = 4;
void HashimotoLightBatch(const uint8_t* cache, uint64_t cache_bytes, uint64_t dataset_bytes, const uint8_t* headers,
                         const uint64_t* nonces, size_t count, Hash* out);

// The same over a prebuilt dataset (a miner's view; `dataset_bytes` a multiple of 128).
void HashimotoFull(const uint8_t* dataset, uint64_t dataset_bytes, const uint8_t header[32], uint64_t nonce, Hash* out);

// keccak256(keccak512(header ‖ nonce LE) ‖ mix): the final hash *if* the mix is genuine. Two Keccak calls, so a share
// with a submitted mix can be checked against its target before the costly hashimoto confirms the mix.
void FinalHash(const uint8_t header[32], uint64_t nonce, const uint8_t mix[32], uint8_t out[32]);

// Searches nonces start, start+1, … (count of them) over a full dataset for a result ≤ target (32 bytes big-endian).
// Returns true and fills *found / *out on the first hit.
bool SearchFull(const uint8_t* dataset, uint64_t dataset_bytes, const uint8_t header[32], uint64_t start, uint64_t count,
                const uint8_t target[32], uint64_t* found, Hash* out);

}  // namespace pool::ethash
