/* Counts the instructions a program executes by single-stepping it with ptrace: the instruction count per scrypt hash
 * of the kernels valgrind cannot run (valgrind 3.19 has no AVX-512). Slow (a trap per instruction), exact, and like
 * callgrind's count unmoved by the machine's load. Linux only. Usage: count-steps <program> [args...]; prints the
 * count on stdout and fails if the program does. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: count-steps <program> [args...]\n");
    return 2;
  }
  pid_t child = fork();
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    execv(argv[1], argv + 1);
    perror("execv");
    _exit(127);
  }
  int status;
  waitpid(child, &status, 0); /* stopped at exec */
  unsigned long long steps = 0;
  while (WIFSTOPPED(status)) {
    if (ptrace(PTRACE_SINGLESTEP, child, NULL, NULL) != 0) {
      perror("ptrace");
      return 2;
    }
    waitpid(child, &status, 0);
    steps++;
  }
  printf("%llu\n", steps);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
