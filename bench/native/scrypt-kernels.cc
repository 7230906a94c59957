// A small driver over the addon's scrypt sources (no Node), for what a JavaScript bench cannot give:
//   scrypt-kernels check               every available kernel against the one-hash ScryptLitecoin, batches of 1..40,
//                                      and Litecoin block 29255's published hash in every lane; exit 1 on a mismatch
//   scrypt-kernels rate <kernel> <s>   hashes per second of thread CPU time, batches of the kernel's lanes
//   scrypt-kernels count <kernel> <n>  n hashes and nothing else: run under valgrind --tool=callgrind for the
//                                      instructions per hash (bench/scrypt-kernels.ts subtracts a run of 0)
// SCRYPT_SHA256_KERNEL=<name> chooses PBKDF2's SHA-256 kernel (sha256_kernels.h; default: the fastest available).
// Built by bench/scrypt-kernels.ts with the per-file flags of fargate/native/binding.gyp; also cross-compiled for
// arm64 and run under qemu-user where present (the NEON lanes on an x86 machine).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "scrypt.h"
#include "sha256_kernels.h"

using pool::ScryptKernel;

namespace {

const size_t kLanes[] = {2, 4, 8, 16};  // per ScryptKernel: scalar pairs, x4, avx2, avx512

bool ParseKernel(const char* name, ScryptKernel* out) {
  for (int k = 0; k < pool::kScryptKernelCount; k++) {
    if (std::strcmp(name, pool::ScryptKernelName(ScryptKernel(k))) == 0 && pool::ScryptKernelAvailable(ScryptKernel(k))) {
      *out = ScryptKernel(k);
      return true;
    }
  }
  std::fprintf(stderr, "kernel %s is not available here\n", name);
  return false;
}

double ThreadSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// count headers of 80 bytes, distinct (the nonce bytes vary as a miner's would).
struct Headers {
  std::vector<uint8_t> bytes;
  std::vector<const uint8_t*> pointers;
  std::vector<size_t> lengths;
  explicit Headers(size_t count) : bytes(80 * count), pointers(count), lengths(count, 80) {
    uint32_t x = 0x12345678;
    for (auto& b : bytes) b = uint8_t((x = x * 1103515245 + 12345) >> 24);
    for (size_t i = 0; i < count; i++) pointers[i] = bytes.data() + 80 * i;
  }
};

int Check() {
  // Litecoin mainnet block 29255 (the Litecoin wiki's "Scrypt" page) and its scrypt hash, both in internal byte order.
  static const char kHeader[] =
      "01000000f615f7ce3b4fc6b8f61e8f89aedb1d0852507650533a9e3b10b9bbcc30639f279fcaa86746e1ef52d3edb3c4ad8259920d509bd07"
      "3605c9bf1d59983752a6b06b817bb4ea78e011d012d59d4";
  static const char kHash[] = "d9eb8663ffec241c2fb118adb7de97a82c803b6ff46d57667935c81001000000";
  Headers h(40);
  std::vector<uint8_t> want(40 * 32), got(40 * 32);
  for (size_t i = 0; i < 40; i++) pool::ScryptLitecoin(h.pointers[i], 80, want.data() + 32 * i);
  uint8_t block[80];
  for (int i = 0; i < 80; i++) std::sscanf(kHeader + 2 * i, "%2hhx", &block[i]);
  uint8_t block_hash[32];
  for (int i = 0; i < 32; i++) std::sscanf(kHash + 2 * i, "%2hhx", &block_hash[i]);
  int failures = 0;
  // The one-hash code itself (a lone share's hash, the reference below) against the published hash.
  uint8_t one[32];
  pool::ScryptLitecoin(block, 80, one);
  if (std::memcmp(one, block_hash, 32) != 0) {
    std::printf("one-hash: block 29255 hashes wrong\n");
    failures++;
  }
  for (int k = 0; k < pool::kScryptKernelCount; k++) {
    if (!pool::ScryptKernelAvailable(ScryptKernel(k))) continue;
    const char* name = pool::ScryptKernelName(ScryptKernel(k));
    for (size_t n = 1; n <= 40; n++) {
      std::memset(got.data(), 0, got.size());
      pool::ScryptLitecoinBatch(h.pointers.data(), h.lengths.data(), n, got.data(), ScryptKernel(k));
      if (std::memcmp(got.data(), want.data(), 32 * n) != 0) {
        std::printf("%s: a batch of %zu differs from ScryptLitecoin\n", name, n);
        failures++;
      }
    }
    for (size_t lane = 0; lane < kLanes[k]; lane++) {
      std::vector<const uint8_t*> pointers(h.pointers.begin(), h.pointers.begin() + kLanes[k]);
      pointers[lane] = block;
      pool::ScryptLitecoinBatch(pointers.data(), h.lengths.data(), kLanes[k], got.data(), ScryptKernel(k));
      if (std::memcmp(got.data() + 32 * lane, block_hash, 32) != 0) {
        std::printf("%s: block 29255 in lane %zu hashes wrong\n", name, lane);
        failures++;
      }
    }
    std::printf("%s: %s\n", name, failures ? "FAILED" : "every batch size 1..40 and block 29255 in every lane match");
  }
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* sha = std::getenv("SCRYPT_SHA256_KERNEL")) {
    if (!pool::Sha256UseKernel(sha)) {
      std::fprintf(stderr, "SHA-256 kernel %s is not available here\n", sha);
      return 2;
    }
  }
  const char* mode = argc > 1 ? argv[1] : "check";
  if (std::strcmp(mode, "check") == 0) return Check();
  ScryptKernel kernel;
  if (argc < 4 || !ParseKernel(argv[2], &kernel)) {
    std::fprintf(stderr, "usage: scrypt-kernels check | rate <kernel> <seconds> | count <kernel> <hashes>\n");
    return 2;
  }
  const size_t lanes = kLanes[int(kernel)];
  Headers h(lanes);
  // One call of the kernel's lanes each time (ScryptLitecoinBatch would follow its plan, which under valgrind's
  // measured costs avoids the lanes).
  std::vector<uint8_t> out(32 * lanes);
  const auto call = [&] { pool::ScryptLitecoinWidestCall(h.pointers.data(), h.lengths.data(), out.data(), kernel); };
  if (std::strcmp(mode, "count") == 0) {
    const long hashes = std::atol(argv[3]);
    for (long done = 0; done < hashes; done += long(lanes)) call();
    return 0;
  }
  const double seconds = std::atof(argv[3]);
  call();  // table allocated
  long hashes = 0;
  const double start = ThreadSeconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    call();
    hashes += long(lanes);
    elapsed = ThreadSeconds() - start;
  }
  std::printf("%.0f\n", double(hashes) / elapsed);
  return 0;
}
