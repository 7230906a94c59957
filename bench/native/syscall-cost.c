// This machine's cost of one system call that does nothing (getppid, through syscall(2) so that no C library caches
// it): the kernel entry and exit every read and write of the share path pays before any work. A VM that runs its guest
// kernel with page-table isolation, or traps each entry to the host, pays far more here than bare metal (~0.1 µs).
// `rounds` rounds of `calls` calls; prints the best and the median round's nanoseconds a call:
//   <best ns> <median ns>
// Build and run: gcc -O2 -o /tmp/syscall-cost bench/native/syscall-cost.c && /tmp/syscall-cost 200000 7
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double nanos(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int ascending(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s calls rounds\n", argv[0]);
    return 2;
  }
  long calls = atol(argv[1]), rounds = atol(argv[2]);
  if (calls <= 0 || rounds <= 0 || rounds > 1000) return 2;
  double* per_call = malloc(sizeof(double) * rounds);
  for (long r = 0; r < rounds; r++) {
    double start = nanos();
    for (long i = 0; i < calls; i++) syscall(SYS_getppid);
    per_call[r] = (nanos() - start) / calls;
  }
  qsort(per_call, rounds, sizeof(double), ascending);
  printf("%.1f %.1f\n", per_call[0], per_call[rounds / 2]);
  return 0;
}
