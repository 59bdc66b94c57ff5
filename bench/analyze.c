/* bench/analyze.c - `leakgate analyze` cost on a long samples.csv
 * (target: 1,000,000 rows well under 3 s; memory flat in the row count).
 *
 * Generates samples.csv files of 100k and 1M rows (or the row counts given)
 * with a fixed seed: 1000 requests/s with jitter sampled every 100 ms, anon
 * bytes = 200 MiB + a 24 MiB warm-up + 3 B/request + AR(1) noise (2 MiB,
 * rho 0.9). Each measurement runs in a fresh child process so its peak RSS
 * (getrusage ru_maxrss via wait4) is its own. Measured in the same run:
 *   leakgate   lg_series_read (streaming, bounded) + lg_analyze;
 *   load-all   the naive peer: parse every row into growable arrays, then
 *              lg_series_from_arrays + lg_analyze (same verdict, memory
 *              grows with rows);
 *   read-only  fread of the file counting newlines (the I/O floor).
 * Usage: bench_analyze [ROWS...]   Files go to $TMPDIR (removed after).
 */
#include <leakgate/analysis.h>

#include "../harness/core/clock.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* xorshift64*, fixed seed */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return ((double)((rng * 2685821657736338717ull) >> 11) + 0.5) /
         9007199254740992.0;
}
static double normal(void) {
  double u = uniform(), v = uniform();
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static int generate(const char *path, long rows) {
  FILE *f = fopen(path, "w");
  double req = 0, e = 0, k = 2 * 1048576.0 * sqrt(1 - 0.81);
  long i;
  if (!f)
    return -1;
  fputs("t_s,requests,rss_bytes,anon_bytes,pss_bytes,cgroup_bytes,procs,fds,"
        "phase\n",
        f);
  for (i = 0; i < rows; i++) {
    double y;
    req += floor(100 * (0.8 + 0.4 * uniform()));
    e = 0.9 * e + k * normal();
    y = 200 * 1048576.0 + 24 * 1048576.0 * (1 - exp(-req / 2e6)) + 3 * req + e;
    fprintf(f, "%.1f,%.0f,%.0f,%.0f,,%.0f,1,%d,%s\n", i * 0.1, req, y + 9e6, y,
            y + 11e6, 20 + (int)(i % 3), i < rows / 5 ? "warmup" : "steady");
  }
  return fclose(f);
}

typedef struct result {
  double read_s, analyze_s;
  long peak_kib;
  int leak;
  double slope, lo, hi;
  size_t points;
  long lines;
} result;

/* Naive peer: every row into arrays (doubling, no cap), then analyse. */
static int load_all(const char *path, result *r) {
  FILE *f = fopen(path, "r");
  char line[512];
  size_t n = 0, cap = 0;
  double *x = NULL, *y = NULL, *t = NULL;
  lg_series *s = NULL;
  lg_analysis a;
  lg_error err;
  double t0 = lg__now_s();
  if (!f || !fgets(line, sizeof line, f))
    return -1;
  while (fgets(line, sizeof line, f)) {
    char *p = line;
    if (n == cap) {
      cap = cap ? cap * 2 : 1024;
      x = realloc(x, cap * sizeof *x);
      y = realloc(y, cap * sizeof *y);
      t = realloc(t, cap * sizeof *t);
      if (!x || !y || !t)
        return -1;
    }
    t[n] = strtod(p, &p);
    x[n] = strtod(p + 1, &p);
    strtod(p + 1, &p); /* rss */
    y[n] = strtod(p + 1, &p);
    n++;
  }
  fclose(f);
  if (lg_series_from_arrays(x, y, t, n, "anon_bytes", "requests", &s, &err) !=
      0)
    return -1;
  r->read_s = lg__now_s() - t0;
  t0 = lg__now_s();
  if (lg_analyze(s, NULL, &a, &err) != 0)
    return -1;
  r->analyze_s = lg__now_s() - t0;
  r->leak = a.leak;
  r->slope = a.slope;
  r->lo = a.slope_lo;
  r->hi = a.slope_hi;
  r->points = a.points;
  lg_series_free(s);
  free(x);
  free(y);
  free(t);
  return 0;
}

static int leakgate(const char *path, result *r) {
  lg_series *s = NULL;
  lg_analysis a;
  lg_error err;
  double t0 = lg__now_s();
  if (lg_series_read(path, NULL, &s, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  r->read_s = lg__now_s() - t0;
  t0 = lg__now_s();
  if (lg_analyze(s, NULL, &a, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  r->analyze_s = lg__now_s() - t0;
  r->leak = a.leak;
  r->slope = a.slope;
  r->lo = a.slope_lo;
  r->hi = a.slope_hi;
  r->points = a.points;
  lg_series_free(s);
  return 0;
}

static int read_only(const char *path, result *r) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "r");
  size_t got, i;
  double t0 = lg__now_s();
  if (!f)
    return -1;
  r->lines = 0;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0)
    for (i = 0; i < got; i++)
      r->lines += buf[i] == '\n';
  fclose(f);
  r->read_s = lg__now_s() - t0;
  r->analyze_s = 0;
  return 0;
}

/* Run fn in a child; its result comes back through a pipe, its peak RSS
 * from wait4. */
static int measure(int (*fn)(const char *, result *), const char *path,
                   result *r) {
  int fd[2], status;
  struct rusage ru;
  pid_t pid;
  if (pipe(fd) != 0)
    return -1;
  pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    result c;
    memset(&c, 0, sizeof c);
    close(fd[0]);
    if (fn(path, &c) != 0)
      _exit(1);
    if (write(fd[1], &c, sizeof c) != (ssize_t)sizeof c)
      _exit(1);
    _exit(0);
  }
  close(fd[1]);
  memset(r, 0, sizeof *r);
  if (read(fd[0], r, sizeof *r) != (ssize_t)sizeof *r) {
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return -1;
  }
  close(fd[0]);
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status))
    return -1;
  r->peak_kib = ru.ru_maxrss;
  return 0;
}

int main(int argc, char **argv) {
  static const long defaults[] = {100000, 1000000};
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  int nsizes = argc > 1 ? argc - 1 : 2, i;
  printf("%9s  %-9s %8s %8s %8s %9s  %s\n", "rows", "method", "read s", "fit s",
         "total s", "peak MiB", "verdict");
  for (i = 0; i < nsizes; i++) {
    long rows = argc > 1 ? strtol(argv[i + 1], NULL, 10) : defaults[i];
    char path[4096];
    result lgr, naive, io;
    double t0;
    if (rows < 1) {
      fprintf(stderr, "usage: bench_analyze [ROWS...] (each at least 1)\n");
      return 2;
    }
    snprintf(path, sizeof path, "%s/lg_bench_analyze_%d_%ld.csv", tmp,
             (int)getpid(), rows);
    t0 = lg__now_s();
    if (generate(path, rows) != 0) {
      perror(path);
      return 1;
    }
    fprintf(stderr, "generated %ld rows in %.2f s\n", rows, lg__now_s() - t0);
    if (measure(read_only, path, &io) || measure(leakgate, path, &lgr) ||
        measure(load_all, path, &naive)) {
      fprintf(stderr, "measurement failed\n");
      unlink(path);
      return 1;
    }
    unlink(path);
    printf("%9ld  %-9s %8.3f %8s %8.3f %9.1f  %ld lines\n", rows, "read-only",
           io.read_s, "-", io.read_s, io.peak_kib / 1024.0, io.lines);
    printf("%9ld  %-9s %8.3f %8.3f %8.3f %9.1f  %s, slope %.3f [%.3f, %.3f] "
           "B/req, %zu points\n",
           rows, "leakgate", lgr.read_s, lgr.analyze_s,
           lgr.read_s + lgr.analyze_s, lgr.peak_kib / 1024.0,
           lg_leak_name((lg_leak)lgr.leak), lgr.slope, lgr.lo, lgr.hi,
           lgr.points);
    printf("%9ld  %-9s %8.3f %8.3f %8.3f %9.1f  %s, slope %.3f [%.3f, %.3f] "
           "B/req\n",
           rows, "load-all", naive.read_s, naive.analyze_s,
           naive.read_s + naive.analyze_s, naive.peak_kib / 1024.0,
           lg_leak_name((lg_leak)naive.leak), naive.slope, naive.lo, naive.hi);
    printf(
        "%9ld  ratios: leakgate/read-only time %.2fx, leakgate/load-all time "
        "%.2fx, peak RSS %.2fx\n",
        rows, (lgr.read_s + lgr.analyze_s) / io.read_s,
        (lgr.read_s + lgr.analyze_s) / (naive.read_s + naive.analyze_s),
        (double)lgr.peak_kib / (double)naive.peak_kib);
    fflush(stdout);
  }
  return 0;
}
