/* bench/heap_unwind_cost.c - what one stack costs the heap sampler to
 * unwind (docs/heap-profile.md "Choosing the profiler"): glibc's
 * backtrace(), which the sampler uses, against libunwind's unw_backtrace()
 * (when the bench is built with libunwind), on a 16-frame stack, after a
 * warm-up call (both cache what they parse). Prints ns per stack, the best
 * of ROUNDS (default 5) rounds of 200,000 stacks each, so a busy neighbour
 * inflates no figure. Usage: bench_heap_unwind_cost [ROUNDS]
 */
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef LG_HAVE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

static int mode;
static volatile int sink;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noinline)) static int leaf(void) {
  void *pc[64];
  int n;
#ifdef LG_HAVE_LIBUNWIND
  n = mode ? unw_backtrace(pc, 64) : backtrace(pc, 64);
#else
  n = backtrace(pc, 64);
#endif
  sink += n;
  return n;
}

/* k frames of recursion above the unwinding leaf (noipa: the compiler
 * must not turn the recursion into a loop) */
__attribute__((noinline, noipa)) static int deep(int k) {
  int n = k ? deep(k - 1) : leaf();
  __asm__ volatile("" : "+r"(n));
  return n;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5, m, modes = 1, r, i;
#ifdef LG_HAVE_LIBUNWIND
  modes = 2;
#endif
  for (m = 0; m < modes; m++) {
    double best = 1e9;
    int frames = 0;
    mode = m;
    deep(10); /* warm-up: the unwinders load and cache their tables */
    for (r = 0; r < rounds; r++) {
      double t0 = now_s(), t;
      for (i = 0; i < 200000; i++)
        frames = deep(10);
      t = (now_s() - t0) / 200000 * 1e9;
      best = t < best ? t : best;
    }
    printf("%-14s %6.0f ns per stack of %d frames\n",
           m ? "unw_backtrace" : "backtrace", best, frames);
  }
  return 0;
}
