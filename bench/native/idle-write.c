// This machine's cost of one small write on a loopback TCP socket after the process slept: the floor under the block
// submit bench's "created → written" stage, whose server sleeps between blocks (bench/submit.ts). A forked reader
// waits in read() on the other end, as the fake daemon waits in its event loop. For each idle time given, `rounds`
// writes of `bytes` bytes, each after sleeping that long; prints one line per idle time:
//   <idle µs> <p50 µs> <p99 µs>
// Build and run: gcc -O2 -o /tmp/idle-write bench/native/idle-write.c && /tmp/idle-write 600 200 25000 100
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double micros(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int ascending(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s bytes rounds idle-us [idle-us ...]\n", argv[0]);
    return 2;
  }
  int bytes = atoi(argv[1]), rounds = atoi(argv[2]);
  if (bytes <= 0 || bytes > 65536 || rounds <= 0) return 2;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in at = {0};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof at;
  if (bind(listener, (struct sockaddr*)&at, sizeof at) || listen(listener, 1) ||
      getsockname(listener, (struct sockaddr*)&at, &size)) {
    perror("listen");
    return 1;
  }
  pid_t reader = fork();
  if (reader == 0) {
    int peer = accept(listener, 0, 0);
    char sink[65536];
    while (read(peer, sink, sizeof sink) > 0) {
    }
    return 0;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (connect(s, (struct sockaddr*)&at, sizeof at) || setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)) {
    perror("connect");
    return 1;
  }
  char* payload = malloc(bytes);
  double* took = malloc(sizeof(double) * rounds);
  memset(payload, 'a', bytes);
  for (int arg = 3; arg < argc; arg++) {
    int idle = atoi(argv[arg]);
    for (int i = 0; i < rounds; i++) {
      if (idle > 0) usleep(idle);
      double start = micros();
      if (write(s, payload, bytes) != bytes) {
        perror("write");
        return 1;
      }
      took[i] = micros() - start;
    }
    qsort(took, rounds, sizeof(double), ascending);
    printf("%d %.1f %.1f\n", idle, took[rounds / 2], took[(rounds * 99) / 100]);
    fflush(stdout);
  }
  close(s);
  waitpid(reader, 0, 0);
  return 0;
}
