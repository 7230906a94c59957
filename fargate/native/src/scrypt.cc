// scrypt written from RFC 7914: Salsa20/8 core (§3), scryptBlockMix (§4), scryptROMix (§5), scrypt (§6).
// Blocks are handled as arrays of 32-bit words: RFC 7914 reads every 64-byte Salsa block as 16 little-endian words.
#include "scrypt.h"

#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>

#include "scrypt_lanes.h"
#include "sha256.h"

namespace pool {
namespace {

inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline void StoreLe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

// One 64-byte Salsa block, held in "diagonal" word order so that each of the four quarter-rounds of a Salsa round
// works on four independent words at once (one SIMD register per row of this table):
//   a = (x0, x5, x10, x15)   b = (x4, x9, x14, x3)   c = (x8, x13, x2, x7)   d = (x12, x1, x6, x11)
// XOR, copy and the final addition are word-wise, so ROMix keeps X and V in this order and only permutes on entry
// and exit. kSlot[k] is where RFC word k lives.
constexpr int kSlot[16] = {0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3};

struct alignas(16) Block {
  uint32_t w[16];
};

#if (defined(__GNUC__) || defined(__clang__)) && !defined(POOL_SCRYPT_PORTABLE)

// GCC/Clang vector extensions compile to SSE2 on x86-64 and NEON on arm64, both baseline for those targets.
typedef uint32_t Lane __attribute__((vector_size(16)));

#if defined(__clang__)
#define POOL_ROTATE_LANES(v, n) __builtin_shufflevector(v, v, (n) % 4, ((n) + 1) % 4, ((n) + 2) % 4, ((n) + 3) % 4)
#else
#define POOL_ROTATE_LANES(v, n) __builtin_shuffle(v, Lane{(n) % 4, ((n) + 1) % 4, ((n) + 2) % 4, ((n) + 3) % 4})
#endif

inline Lane Rotl(Lane x, int n) { return (x << n) | (x >> (32 - n)); }

inline Lane LoadLane(const Block& b, int row) {
  Lane v;
  std::memcpy(&v, b.w + 4 * row, sizeof(v));
  return v;
}
inline void StoreLane(Block& b, int row, Lane v) { std::memcpy(b.w + 4 * row, &v, sizeof(v)); }

// §3 Salsa20/8 core: out = x + 8 rounds(x), where x = in ^ mask (mask optional) is the BlockMix input X ^ B_i.
// The running X of BlockMix stays in registers between calls (a, b, c, d).
inline void Salsa208Xor(Lane& a, Lane& b, Lane& c, Lane& d, const Block& in) {
  a ^= LoadLane(in, 0);
  b ^= LoadLane(in, 1);
  c ^= LoadLane(in, 2);
  d ^= LoadLane(in, 3);
  const Lane a0 = a, b0 = b, c0 = c, d0 = d;
  for (int i = 0; i < 8; i += 2) {
    // Column round: quarter-rounds on (x0,x4,x8,x12), (x5,x9,x13,x1), (x10,x14,x2,x6), (x15,x3,x7,x11).
    b ^= Rotl(a + d, 7);
    c ^= Rotl(b + a, 9);
    d ^= Rotl(c + b, 13);
    a ^= Rotl(d + c, 18);
    // Row round: rotating b, c, d by 3, 2, 1 lanes lines up (x0,x1,x2,x3), (x5,x6,x7,x4), ... as the same pattern.
    b = POOL_ROTATE_LANES(b, 3);
    c = POOL_ROTATE_LANES(c, 2);
    d = POOL_ROTATE_LANES(d, 1);
    d ^= Rotl(a + b, 7);
    c ^= Rotl(d + a, 9);
    b ^= Rotl(c + d, 13);
    a ^= Rotl(b + c, 18);
    b = POOL_ROTATE_LANES(b, 1);
    c = POOL_ROTATE_LANES(c, 2);
    d = POOL_ROTATE_LANES(d, 3);
  }
  a += a0;
  b += b0;
  c += c0;
  d += d0;
}

// §4 scryptBlockMix over 2r blocks, optionally fused with the XOR of ROMix step 3 so T = X ^ V_j is never stored:
// out = BlockMix(in ^ mask). Y_i goes to slot i/2 (even i) or r + i/2 (odd i).
template <bool kMasked>
inline void BlockMix(const Block* in, const Block* mask, Block* out, size_t r) {
  const size_t last = 2 * r - 1;
  Lane a = LoadLane(in[last], 0), b = LoadLane(in[last], 1), c = LoadLane(in[last], 2), d = LoadLane(in[last], 3);
  if (kMasked) {
    a ^= LoadLane(mask[last], 0);
    b ^= LoadLane(mask[last], 1);
    c ^= LoadLane(mask[last], 2);
    d ^= LoadLane(mask[last], 3);
  }
  for (size_t i = 0; i < 2 * r; i++) {
    if (kMasked) {
      a ^= LoadLane(mask[i], 0);
      b ^= LoadLane(mask[i], 1);
      c ^= LoadLane(mask[i], 2);
      d ^= LoadLane(mask[i], 3);
    }
    Salsa208Xor(a, b, c, d, in[i]);
    Block& y = out[(i & 1) ? r + i / 2 : i / 2];
    StoreLane(y, 0, a);
    StoreLane(y, 1, b);
    StoreLane(y, 2, c);
    StoreLane(y, 3, d);
  }
}

// Two independent Salsa20/8 cores in the same statements: each quarter-round of one hash is a chain of dependent
// operations, and the other hash's chain fills the out-of-order core's idle ports (×1.48 per core measured).
inline void Salsa208Xor2(Lane& a, Lane& b, Lane& c, Lane& d, const Block& in, Lane& e, Lane& f, Lane& g, Lane& h,
                         const Block& in2) {
  a ^= LoadLane(in, 0);
  b ^= LoadLane(in, 1);
  c ^= LoadLane(in, 2);
  d ^= LoadLane(in, 3);
  e ^= LoadLane(in2, 0);
  f ^= LoadLane(in2, 1);
  g ^= LoadLane(in2, 2);
  h ^= LoadLane(in2, 3);
  const Lane a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h;
  for (int i = 0; i < 8; i += 2) {
    b ^= Rotl(a + d, 7);
    f ^= Rotl(e + h, 7);
    c ^= Rotl(b + a, 9);
    g ^= Rotl(f + e, 9);
    d ^= Rotl(c + b, 13);
    h ^= Rotl(g + f, 13);
    a ^= Rotl(d + c, 18);
    e ^= Rotl(h + g, 18);
    b = POOL_ROTATE_LANES(b, 3);
    c = POOL_ROTATE_LANES(c, 2);
    d = POOL_ROTATE_LANES(d, 1);
    f = POOL_ROTATE_LANES(f, 3);
    g = POOL_ROTATE_LANES(g, 2);
    h = POOL_ROTATE_LANES(h, 1);
    d ^= Rotl(a + b, 7);
    h ^= Rotl(e + f, 7);
    c ^= Rotl(d + a, 9);
    g ^= Rotl(h + e, 9);
    b ^= Rotl(c + d, 13);
    f ^= Rotl(g + h, 13);
    a ^= Rotl(b + c, 18);
    e ^= Rotl(f + g, 18);
    b = POOL_ROTATE_LANES(b, 1);
    c = POOL_ROTATE_LANES(c, 2);
    d = POOL_ROTATE_LANES(d, 3);
    f = POOL_ROTATE_LANES(f, 1);
    g = POOL_ROTATE_LANES(g, 2);
    h = POOL_ROTATE_LANES(h, 3);
  }
  a += a0;
  b += b0;
  c += c0;
  d += d0;
  e += e0;
  f += f0;
  g += g0;
  h += h0;
}

inline void StoreBlock(Block& y, Lane a, Lane b, Lane c, Lane d) {
  StoreLane(y, 0, a);
  StoreLane(y, 1, b);
  StoreLane(y, 2, c);
  StoreLane(y, 3, d);
}

// §4 scryptBlockMix for r = 1 on two hashes at once (x and y, 2 blocks each), optionally masked as BlockMix<true>.
template <bool kMasked>
inline void BlockMix2(const Block* x, const Block* mx, Block* ox, const Block* y, const Block* my, Block* oy) {
  Lane a = LoadLane(x[1], 0), b = LoadLane(x[1], 1), c = LoadLane(x[1], 2), d = LoadLane(x[1], 3);
  Lane e = LoadLane(y[1], 0), f = LoadLane(y[1], 1), g = LoadLane(y[1], 2), h = LoadLane(y[1], 3);
  Block in0 = x[0], in1 = x[1], jn0 = y[0], jn1 = y[1];
  if (kMasked) {
    for (int k = 0; k < 16; k++) {
      in0.w[k] ^= mx[0].w[k];
      in1.w[k] ^= mx[1].w[k];
      jn0.w[k] ^= my[0].w[k];
      jn1.w[k] ^= my[1].w[k];
    }
    a = LoadLane(in1, 0), b = LoadLane(in1, 1), c = LoadLane(in1, 2), d = LoadLane(in1, 3);
    e = LoadLane(jn1, 0), f = LoadLane(jn1, 1), g = LoadLane(jn1, 2), h = LoadLane(jn1, 3);
  }
  Salsa208Xor2(a, b, c, d, in0, e, f, g, h, jn0);
  StoreBlock(ox[0], a, b, c, d);
  StoreBlock(oy[0], e, f, g, h);
  Salsa208Xor2(a, b, c, d, in1, e, f, g, h, jn1);
  StoreBlock(ox[1], a, b, c, d);
  StoreBlock(oy[1], e, f, g, h);
}

#else  // Portable scalar fallback for compilers without vector extensions (e.g. MSVC); -DPOOL_SCRYPT_PORTABLE forces it.

inline uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// §3 Salsa20/8 core on a diagonal-order block, in place.
inline void Salsa208(Block& blk) {
  uint32_t x[16];
  for (int k = 0; k < 16; k++) x[k] = blk.w[kSlot[k]];
  for (int i = 0; i < 8; i += 2) {
    static constexpr int kQuarter[8][4] = {{0, 4, 8, 12},  {5, 9, 13, 1},   {10, 14, 2, 6},  {15, 3, 7, 11},
                                           {0, 1, 2, 3},   {5, 6, 7, 4},    {10, 11, 8, 9},  {15, 12, 13, 14}};
    for (const auto& q : kQuarter) {
      x[q[1]] ^= Rotl(x[q[0]] + x[q[3]], 7);
      x[q[2]] ^= Rotl(x[q[1]] + x[q[0]], 9);
      x[q[3]] ^= Rotl(x[q[2]] + x[q[1]], 13);
      x[q[0]] ^= Rotl(x[q[3]] + x[q[2]], 18);
    }
  }
  for (int k = 0; k < 16; k++) blk.w[kSlot[k]] += x[k];
}

template <bool kMasked>
inline void BlockMix(const Block* in, const Block* mask, Block* out, size_t r) {
  const size_t last = 2 * r - 1;
  Block x;
  for (int k = 0; k < 16; k++) x.w[k] = in[last].w[k] ^ (kMasked ? mask[last].w[k] : 0);
  for (size_t i = 0; i < 2 * r; i++) {
    for (int k = 0; k < 16; k++) x.w[k] ^= in[i].w[k] ^ (kMasked ? mask[i].w[k] : 0);
    Salsa208(x);
    out[(i & 1) ? r + i / 2 : i / 2] = x;
  }
}


template <bool kMasked>
inline void BlockMix2(const Block* x, const Block* mx, Block* ox, const Block* y, const Block* my, Block* oy) {
  BlockMix<kMasked>(x, mx, ox, 1);
  BlockMix<kMasked>(y, my, oy, 1);
}

#endif

// §5 scryptROMix on one 128r-byte block with V (N * 2r blocks) and two 2r-block temporaries.
inline void RoMix(uint8_t* bytes, uint64_t n, size_t r, Block* v, Block* x, Block* tmp) {
  const size_t blocks = 2 * r;
  for (size_t i = 0; i < blocks; i++) {
    for (int k = 0; k < 16; k++) x[i].w[kSlot[k]] = LoadLe32(bytes + 64 * i + 4 * k);
  }

  // Step 2: V_i = X, X = BlockMix(X).
  for (uint64_t i = 0; i < n; i++) {
    Block* vi = v + i * blocks;
    std::memcpy(vi, x, blocks * sizeof(Block));
    BlockMix<false>(vi, nullptr, x, r);
  }
  // Step 3: j = Integerify(X) mod N, X = BlockMix(X ^ V_j). Integerify is the last block's words 0 and 1 read as a
  // little-endian 64-bit integer; N is a power of two, so mod N is a mask.
  const Block& tail = x[blocks - 1];
  for (uint64_t i = 0; i < n; i++) {
    uint64_t j = (uint64_t(tail.w[kSlot[0]]) | (uint64_t(tail.w[kSlot[1]]) << 32)) & (n - 1);
    BlockMix<true>(x, v + j * blocks, tmp, r);
    std::memcpy(x, tmp, blocks * sizeof(Block));
  }

  for (size_t i = 0; i < blocks; i++) {
    for (int k = 0; k < 16; k++) StoreLe32(bytes + 64 * i + 4 * k, x[i].w[kSlot[k]]);
  }
}

// §5 scryptROMix for r = 1 on two blocks at once (x and y), each with its own V: the Litecoin pair hash.
inline void RoMix2(uint8_t* bx, uint8_t* by, uint64_t n, Block* vx, Block* vy, Block* x, Block* y, Block* tx,
                   Block* ty) {
  for (size_t i = 0; i < 2; i++) {
    for (int k = 0; k < 16; k++) {
      x[i].w[kSlot[k]] = LoadLe32(bx + 64 * i + 4 * k);
      y[i].w[kSlot[k]] = LoadLe32(by + 64 * i + 4 * k);
    }
  }
  for (uint64_t i = 0; i < n; i++) {
    std::memcpy(vx + 2 * i, x, 2 * sizeof(Block));
    std::memcpy(vy + 2 * i, y, 2 * sizeof(Block));
    BlockMix2<false>(vx + 2 * i, nullptr, x, vy + 2 * i, nullptr, y);
  }
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t jx = (uint64_t(x[1].w[kSlot[0]]) | (uint64_t(x[1].w[kSlot[1]]) << 32)) & (n - 1);
    const uint64_t jy = (uint64_t(y[1].w[kSlot[0]]) | (uint64_t(y[1].w[kSlot[1]]) << 32)) & (n - 1);
    BlockMix2<true>(x, vx + 2 * jx, tx, y, vy + 2 * jy, ty);
    std::memcpy(x, tx, 2 * sizeof(Block));
    std::memcpy(y, ty, 2 * sizeof(Block));
  }
  for (size_t i = 0; i < 2; i++) {
    for (int k = 0; k < 16; k++) {
      StoreLe32(bx + 64 * i + 4 * k, x[i].w[kSlot[k]]);
      StoreLe32(by + 64 * i + 4 * k, y[i].w[kSlot[k]]);
    }
  }
}

constexpr uint64_t kLitecoinN = 1024;

// Per-thread rather than process-wide: the Node main thread is single-threaded, but worker_threads that load this
// addon share its globals.
struct LitecoinScratch {
  Block v[kLitecoinN * 2];
  Block x[2];
  Block tmp[2];
};
thread_local std::unique_ptr<LitecoinScratch> litecoin_scratch;
thread_local std::unique_ptr<LitecoinScratch> litecoin_scratch2;  // the second hash of a pair

}  // namespace

const char* ScryptCheckParams(uint64_t n, uint64_t r, uint64_t p, uint64_t dk_len) {
  if (r < 1 || r > 0xffffffffu) return "r must be an integer >= 1";
  if (p < 1 || p > 0xffffffffu) return "p must be an integer >= 1";
  // §2: p <= ((2^32 - 1) * hLen) / MFLen, with hLen = 32 and MFLen = 128r.
  if (p > ((uint64_t(0xffffffff) * 32) / (128 * r))) return "p is too large for r (p <= (2^32-1)*32 / (128*r))";
  if (n < 2 || (n & (n - 1)) != 0) return "N must be a power of two greater than 1";
  // §2: N < 2^(128 * r / 8); 16r >= 64 already exceeds any N that passes the memory cap.
  if (16 * r < 64 && n >= (uint64_t(1) << (16 * r))) return "N must be less than 2^(16*r)";
  if (dk_len < 1 || dk_len > uint64_t(0xffffffff) * 32) return "dkLen must be an integer in 1..(2^32-1)*32";
  if (n > kScryptMaxMemory / (128 * r)) return "128 * r * N exceeds the 1 GiB memory cap";
  return nullptr;
}

bool Scrypt(const uint8_t* password, size_t password_len, const uint8_t* salt, size_t salt_len, uint64_t n, uint32_t r,
            uint32_t p, uint8_t* out, size_t dk_len) {
  const size_t block_bytes = 128 * size_t(r);
  const size_t blocks = 2 * size_t(r);
  std::unique_ptr<uint8_t[]> b(new (std::nothrow) uint8_t[block_bytes * p]);
  std::unique_ptr<Block[]> v(new (std::nothrow) Block[n * blocks]);
  std::unique_ptr<Block[]> x(new (std::nothrow) Block[2 * blocks]);
  if (!b || !v || !x) return false;
  // §6 steps 1–3: B = PBKDF2(P, S, 1, p * 128r); each block through ROMix; DK = PBKDF2(P, B, 1, dkLen).
  Pbkdf2Sha256(password, password_len, salt, salt_len, 1, b.get(), block_bytes * p);
  for (uint32_t i = 0; i < p; i++) RoMix(b.get() + i * block_bytes, n, r, v.get(), x.get(), x.get() + blocks);
  Pbkdf2Sha256(password, password_len, b.get(), block_bytes * p, 1, out, dk_len);
  return true;
}

void ScryptLitecoinPair(const uint8_t* h1, size_t len1, const uint8_t* h2, size_t len2, uint8_t out1[32],
                        uint8_t out2[32]) {
  if (!litecoin_scratch) litecoin_scratch.reset(new LitecoinScratch);
  if (!litecoin_scratch2) litecoin_scratch2.reset(new LitecoinScratch);
  LitecoinScratch& s1 = *litecoin_scratch;
  LitecoinScratch& s2 = *litecoin_scratch2;
  uint8_t b1[128], b2[128];
  Pbkdf2Sha256(h1, len1, h1, len1, 1, b1, sizeof(b1));
  Pbkdf2Sha256(h2, len2, h2, len2, 1, b2, sizeof(b2));
  RoMix2(b1, b2, kLitecoinN, s1.v, s2.v, s1.x, s2.x, s1.tmp, s2.tmp);
  Pbkdf2Sha256(h1, len1, b1, sizeof(b1), 1, out1, 32);
  Pbkdf2Sha256(h2, len2, b2, sizeof(b2), 1, out2, 32);
}

namespace {

// The lane kernels' table: lanes × 128 KiB (V of N = 1024 blocks of 128 bytes per lane), 64-byte aligned for the
// vector stores, per thread like the one-hash scratch.
struct LaneTable {
  uint32_t* words = nullptr;
  size_t lanes = 0;
  ~LaneTable() { Release(); }
  void Release() {
    if (words) ::operator delete(words, std::align_val_t(64));
    words = nullptr;
    lanes = 0;
  }
  uint32_t* For(size_t wanted) {
    if (lanes < wanted) {
      Release();
      words = static_cast<uint32_t*>(::operator new(wanted * kLitecoinN * 128, std::align_val_t(64)));
      lanes = wanted;
    }
    return words;
  }
};
thread_local LaneTable lane_table;

// A lane group: how many hashes one call of `romix` takes.
struct LaneGroup {
  size_t lanes;
  void (*romix)(uint8_t* b, uint32_t* v);
};

#if defined(POOL_SCRYPT_X86_LANES)
bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
bool CpuHasAvx512() {
  __builtin_cpu_init();
  // libgcc/compiler-rt also check that the OS saves the ZMM state (XCR0), so this is "usable", not just "present".
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#endif

// The lane groups a kernel hashes with, widest first (ScryptKernel::kScalar has none: pairs and singles only).
size_t LaneGroupsOf(ScryptKernel kernel, LaneGroup groups[3]) {
  size_t count = 0;
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) {
    groups[count++] = {16, ScryptRoMix16Avx512};
    groups[count++] = {8, ScryptRoMix8Avx512};
  }
  if (kernel == ScryptKernel::kAvx2) groups[count++] = {8, ScryptRoMix8Avx2};
#endif
#if defined(POOL_SCRYPT_LANES)
  if (kernel != ScryptKernel::kScalar) groups[count++] = {4, ScryptRoMix4};
#endif
  return count;
}

}  // namespace

const char* ScryptKernelName(ScryptKernel kernel) {
  switch (kernel) {
    case ScryptKernel::kAvx512:
      return "avx512";
    case ScryptKernel::kAvx2:
      return "avx2";
    case ScryptKernel::kX4:
#if defined(__aarch64__)
      return "neon";
#else
      return "sse2";
#endif
    case ScryptKernel::kScalar:
      break;
  }
  return "scalar";
}

bool ScryptKernelAvailable(ScryptKernel kernel) {
#if defined(POOL_SCRYPT_X86_LANES)
  if (kernel == ScryptKernel::kAvx512) return CpuHasAvx512();
  if (kernel == ScryptKernel::kAvx2) return CpuHasAvx2();
#endif
#if defined(POOL_SCRYPT_LANES)
  if (kernel == ScryptKernel::kX4) return true;
#endif
  return kernel == ScryptKernel::kScalar;
}

ScryptKernel ScryptBestKernel() {
  static const ScryptKernel best = [] {
    for (ScryptKernel k : {ScryptKernel::kAvx512, ScryptKernel::kAvx2, ScryptKernel::kX4}) {
      if (ScryptKernelAvailable(k)) return k;
    }
    return ScryptKernel::kScalar;
  }();
  return best;
}

void ScryptLitecoinBatch(const uint8_t* const* headers, const size_t* lengths, size_t n, uint8_t* out,
                         ScryptKernel widest) {
  LaneGroup groups[3];
  const size_t group_count = LaneGroupsOf(widest, groups);
  size_t i = 0;
  for (size_t g = 0; g < group_count; g++) {
    const LaneGroup& group = groups[g];
    if (n - i < group.lanes) continue;
    uint32_t* table = lane_table.For(group.lanes);
    uint8_t b[16 * 128];
    for (; n - i >= group.lanes; i += group.lanes) {
      // §6 step 1 per lane, ROMix in the lanes, step 3 per lane.
      for (size_t l = 0; l < group.lanes; l++) {
        Pbkdf2Sha256(headers[i + l], lengths[i + l], headers[i + l], lengths[i + l], 1, b + 128 * l, 128);
      }
      group.romix(b, table);
      for (size_t l = 0; l < group.lanes; l++) {
        Pbkdf2Sha256(headers[i + l], lengths[i + l], b + 128 * l, 128, 1, out + 32 * (i + l), 32);
      }
    }
  }
  for (; n - i >= 2; i += 2) {
    ScryptLitecoinPair(headers[i], lengths[i], headers[i + 1], lengths[i + 1], out + 32 * i, out + 32 * (i + 1));
  }
  if (i < n) ScryptLitecoin(headers[i], lengths[i], out + 32 * i);
}

void ScryptLitecoin(const uint8_t* header, size_t header_len, uint8_t out[32]) {
  if (!litecoin_scratch) litecoin_scratch.reset(new LitecoinScratch);  // 128 KiB, once per thread
  LitecoinScratch& s = *litecoin_scratch;
  uint8_t b[128];
  Pbkdf2Sha256(header, header_len, header, header_len, 1, b, sizeof(b));
  RoMix(b, kLitecoinN, 1, s.v, s.x, s.tmp);
  Pbkdf2Sha256(header, header_len, b, sizeof(b), 1, out, 32);
}

}  // namespace pool
