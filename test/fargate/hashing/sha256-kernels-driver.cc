// Checks every available kernel against the scalar one on random inputs of random lengths, through Sha256Digest.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include "sha256.h"
#include "sha256_kernels.h"
int main() {
  const pool::Sha256Kernel* ks; size_t n = pool::Sha256AvailableKernels(&ks);
  for (size_t i = 0; i < n; i++) printf("kernel %s\n", ks[i].name);
  srand(7); unsigned char buf[1000]; int bad = 0;
  for (int iter = 0; iter < 2000; iter++) {
    size_t len = rand() % 1000; for (size_t j = 0; j < len; j++) buf[j] = rand();
    unsigned char ref[32], got[32];
    pool::Sha256UseKernel("scalar"); pool::Sha256d(buf, len, ref);
    for (size_t k = 0; k < n; k++) { pool::Sha256UseKernel(ks[k].name); pool::Sha256d(buf, len, got); if (memcmp(ref, got, 32)) bad++; }
  }
  unsigned char abc[32]; pool::Sha256UseKernel("auto"); pool::Sha256Digest((const unsigned char*)"abc", 3, abc);
  printf("sha256(abc) %02x%02x%02x%02x... mismatches %d\n", abc[0], abc[1], abc[2], abc[3], bad);
  return bad != 0;
}
