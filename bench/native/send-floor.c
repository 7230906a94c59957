/* The floor of a fan-out on this machine, without Node: a null syscall, one send() of 600 bytes to each of n
 * accepted loopback sockets (which also runs the receiving end's TCP input, as the bench's veth does), and the same
 * sends through io_uring (IORING_OP_SEND, up to 4,096 per io_uring_enter). Best of `rounds` rounds, CPU time per
 * socket (getrusage). Linux only; n is bounded by the open-files limit (2n + a few descriptors).
 * Build and run: cc -O2 -o /tmp/send-floor bench/native/send-floor.c && /tmp/send-floor 5000 10 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
}
static double sys_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}
static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000;
  int rounds = argc > 2 ? atoi(argv[2]) : 10;
  // null syscall
  double c0 = cpu_us(), w0 = now_us();
  for (int i = 0; i < 1000000; i++) syscall(SYS_getppid);
  printf("null syscall: %.3f us cpu, %.3f us wall\n", (cpu_us() - c0) / 1e6, (now_us() - w0) / 1e6);

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
  bind(ls, (void *)&a, sizeof a);
  listen(ls, 4096);
  socklen_t al = sizeof a;
  getsockname(ls, (void *)&a, &al);
  int *srv = malloc(n * sizeof(int)), *cli = malloc(n * sizeof(int));
  for (int i = 0; i < n; i++) {
    cli[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(cli[i], (void *)&a, sizeof a) != 0) { perror("connect"); return 1; }
    srv[i] = accept(ls, NULL, NULL);
    int one = 1;
    setsockopt(srv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  char buf[600];
  memset(buf, 'x', sizeof buf);
  char drain[65536];
  double best_send = 1e9, best_sys = 0;
  for (int r = 0; r < rounds; r++) {
    double c = cpu_us(), s = sys_us();
    for (int i = 0; i < n; i++)
      if (send(srv[i], buf, sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof buf) { perror("send"); return 1; }
    double per = (cpu_us() - c) / n;
    if (per < best_send) { best_send = per; best_sys = (sys_us() - s) / n; }
    for (int i = 0; i < n; i++) recv(cli[i], drain, sizeof drain, MSG_DONTWAIT);
  }
  printf("send per socket: %.2f us cpu (sys %.2f), best of %d rounds of %d\n", best_send, best_sys, rounds, n);

  // io_uring
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  unsigned entries = 4096;
  int ring = syscall(__NR_io_uring_setup, entries, &p);
  if (ring < 0) { printf("io_uring_setup: %s\n", strerror(errno)); return 0; }
  size_t sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char *sq = mmap(0, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
  char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq : mmap(0, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
  if (p.features & IORING_FEAT_SINGLE_MMAP) {
    size_t m = sq_sz > cq_sz ? sq_sz : cq_sz;
    munmap(sq, sq_sz);
    sq = cq = mmap(0, m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
  }
  struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
  unsigned *sq_tail = (unsigned *)(sq + p.sq_off.tail), *sq_mask = (unsigned *)(sq + p.sq_off.ring_mask), *sq_array = (unsigned *)(sq + p.sq_off.array);
  unsigned *cq_head = (unsigned *)(cq + p.cq_off.head), *cq_tail = (unsigned *)(cq + p.cq_off.tail), *cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  double best_ring = 1e9, ring_sys = 0;
  for (int r = 0; r < rounds; r++) {
    double c = cpu_us(), s = sys_us();
    int done = 0;
    while (done < n) {
      int batch = n - done < (int)p.sq_entries ? n - done : (int)p.sq_entries;
      unsigned tail = *sq_tail;
      for (int i = 0; i < batch; i++) {
        unsigned idx = (tail + i) & *sq_mask;
        struct io_uring_sqe *e = &sqes[idx];
        memset(e, 0, sizeof *e);
        e->opcode = IORING_OP_SEND;
        e->fd = srv[done + i];
        e->addr = (unsigned long)buf;
        e->len = sizeof buf;
        e->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
        sq_array[idx] = idx;
      }
      __atomic_store_n(sq_tail, tail + batch, __ATOMIC_RELEASE);
      int got = syscall(__NR_io_uring_enter, ring, batch, batch, IORING_ENTER_GETEVENTS, NULL, 0);
      if (got < 0) { printf("enter: %s\n", strerror(errno)); return 1; }
      unsigned head = *cq_head;
      int seen = 0;
      while (seen < batch) {
        unsigned t = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
        while (head != t) {
          struct io_uring_cqe *q = &cqes[head & *cq_mask];
          if (q->res != (int)sizeof buf) { printf("ring send res %d\n", q->res); return 1; }
          head++;
          seen++;
        }
      }
      __atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
      done += batch;
    }
    double per = (cpu_us() - c) / n;
    if (per < best_ring) { best_ring = per; ring_sys = (sys_us() - s) / n; }
    for (int i = 0; i < n; i++) recv(cli[i], drain, sizeof drain, MSG_DONTWAIT);
  }
  printf("io_uring send per socket: %.2f us cpu (sys %.2f), batches of %u\n", best_ring, ring_sys, p.sq_entries);
  return 0;
}
