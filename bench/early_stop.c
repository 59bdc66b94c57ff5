/* bench/early_stop.c - early stop (sequential looks, leakgate/early_stop.h)
 * against the fixed-length run it replaces, on a synthetic corpus with fixed
 * seeds (issue 18).
 *
 * Each series is one run: a 5 s warm-up phase and a 60 s steady phase,
 * sampled every 100 ms, 2000 requests/s, anon = 64 MiB + the case + AR(1)
 * noise (marginal sigma 256 KiB, rho 0.5, the accuracy corpus's noise);
 * tolerance 16 B/request, default confidence 0.99. Cases:
 *   clean        nothing
 *   sawtooth     GC sawtooth: 16 MiB rising over 2000 requests (1 s), then
 *                a drop
 *   cache        bounded cache: 24 MiB filling with a 1 s time constant
 *                (full within the warm-up phase, as #12's 5000 x 256 B)
 *   leak 1x/2x/4x  16, 32 and 64 B/request
 * Both methods see the same series:
 *   fixed       lg_analyze on the whole run (what leakgate does without
 *               early stop): decided at 60 s of steady load, or never.
 *   early stop  lg_early_stop_look on the rows before each look (series
 *               built with lg_series_from_arrays, the steady start at the
 *               warm-up phase's end), the last look on all rows.
 * Printed per case and method: false-leak rate (benign cases: judged leak),
 * missed-leak rate (leak cases: not judged leak) with the share passed
 * (no_leak) beside it, inconclusive share, and the median and 95th
 * percentile of the steady seconds at the decision (undecided runs count
 * as the full 60 s). At 1x the tolerance both "leak" and "no_leak" are
 * wrong answers by the test's own definition (H0: slope <= tolerance); its
 * "passed" column is the false-pass rate the confidence bounds.
 * Usage: bench_early_stop [SERIES_PER_CASE]   (default 1000)
 */
#include <leakgate/early_stop.h>

#include "../harness/core/clock.h"
#include "../tests/tools/curves.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARM_S 5.0
#define STEADY_S 60.0
#define DT 0.1
#define RATE 2000.0
#define ROWS 651 /* (WARM_S + STEADY_S) / DT + 1 */

enum { C_CLEAN, C_SAW, C_CACHE, C_L1, C_L2, C_L4, N_CASES };
static const char *const case_names[N_CASES] = {
    "clean", "GC sawtooth", "bounded cache", "leak 1x", "leak 2x", "leak 4x"};
static const double leak_factor[N_CASES] = {0, 0, 0, 1, 2, 4};

typedef struct outcome {
  lg_leak leak;
  double decided_s; /* steady seconds at the decision; STEADY_S if none */
} outcome;

static void make_series(int c, uint64_t seed, double *x, double *y, double *t) {
  static double e[ROWS];
  lgc_rng g;
  size_t i;
  lgc_seed(&g, seed * 7919ull + (uint64_t)c * 104729ull + 3);
  lgc_ar1(&g, 256 * 1024.0, 0.5, e, ROWS);
  for (i = 0; i < ROWS; i++) {
    double v = 0;
    t[i] = DT * (double)i;
    x[i] = floor(RATE * t[i]);
    switch (c) {
    case C_SAW:
      v = 16 * LGC_MIB * (fmod(x[i], 2000) / 2000);
      break;
    case C_CACHE:
      v = 24 * LGC_MIB * (1 - exp(-t[i] / 1.0));
      break;
    default:
      v = leak_factor[c] * LGC_TOLERANCE * x[i];
      break;
    }
    y[i] = LGC_B0 + v + e[i];
  }
}

static void opts(lg_analysis_opts *ao) {
  lg_analysis_opts_init(ao);
  ao->tolerance = LGC_TOLERANCE;
}

static outcome fixed_length(const double *x, const double *y, const double *t) {
  lg_series *s = NULL;
  lg_analysis a;
  lg_analysis_opts ao;
  lg_error err;
  outcome r = {LG_LEAK_UNKNOWN, STEADY_S};
  opts(&ao);
  if (lg_series_from_arrays(x, y, t, ROWS, "anon_bytes", "requests", &s,
                            &err) != 0 ||
      lg_analyze(s, &ao, &a, &err) != 0) {
    fprintf(stderr, "fixed: %s\n", err.msg);
    exit(1);
  }
  r.leak = a.leak;
  lg_series_free(s);
  return r;
}

/* Rows before the look at t_look, as a series with the steady start set. */
static int prefix(const double *x, const double *y, const double *t,
                  double t_look, lg_series **s, lg_error *err) {
  size_t n = 0, w = 0;
  int rc;
  while (n < ROWS && t[n] < t_look)
    n++;
  if ((rc = lg_series_from_arrays(x, y, t, n, "anon_bytes", "requests", s,
                                  err)) != 0)
    return rc;
  while (w < n && t[w] < WARM_S)
    w++; /* the first row of the steady phase */
  (*s)->steady_t = t[w < n ? w : n - 1];
  (*s)->steady_x = x[w < n ? w : n - 1];
  return 0;
}

static outcome early(const double *x, const double *y, const double *t,
                     size_t *looks) {
  lg_early_stop_opts eo;
  lg_early_stop e;
  lg_analysis a;
  lg_analysis_opts ao;
  lg_error err;
  lg_series *s = NULL;
  outcome r = {LG_LEAK_UNKNOWN, STEADY_S};
  size_t w = 0;
  int rc;
  opts(&ao);
  lg_early_stop_opts_init(&eo);
  eo.max_t = WARM_S + STEADY_S;
  lg_early_stop_init(&e, &eo);
  while (w < ROWS && t[w] < WARM_S)
    w++;
  lg_early_stop_steady(&e, t[w], x[w]);
  for (;;) {
    double next = lg_early_stop_next_t(&e);
    if (!(next <= t[ROWS - 1]))
      break;
    if (prefix(x, y, t, next, &s, &err) != 0) {
      lg_early_stop_skip(&e);
      continue;
    }
    rc = lg_early_stop_look(&e, s, &ao, false, &a, &err);
    lg_series_free(s);
    if (rc < 0) {
      fprintf(stderr, "look: %s\n", err.msg);
      exit(1);
    }
    if (rc == 1 || e.done)
      break;
  }
  if (!e.decided && !e.done) {
    if (prefix(x, y, t, INFINITY, &s, &err) != 0 ||
        lg_early_stop_look(&e, s, &ao, true, &a, &err) < 0) {
      fprintf(stderr, "final look: %s\n", err.msg);
      exit(1);
    }
    lg_series_free(s);
  }
  r.leak = a.leak;
  if (e.decided)
    r.decided_s = e.decided_s;
  *looks += e.looks;
  return r;
}

static int cmp(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

/* The q quantile of v[0..n) (sorts v; nearest rank). */
static double quantile(double *v, size_t n, double q) {
  size_t k = (size_t)ceil(q * (double)n);
  qsort(v, n, sizeof *v, cmp);
  return v[k > 0 ? k - 1 : 0];
}

static void row(const char *name, const char *method, int c, outcome *o,
                size_t n, double *scratch) {
  size_t i, lk = 0, nl = 0, inc = 0;
  for (i = 0; i < n; i++) {
    lk += o[i].leak == LG_LEAK_LEAK;
    nl += o[i].leak == LG_LEAK_NO_LEAK;
    inc += o[i].leak == LG_LEAK_INCONCLUSIVE;
    scratch[i] = o[i].decided_s;
  }
  printf("| %-13s | %-10s | ", name, method);
  if (leak_factor[c] > 0)
    printf("%14s | %6.1f%% (%5.1f%% passed) | ", "-",
           100.0 * (double)(n - lk) / (double)n,
           100.0 * (double)nl / (double)n);
  else
    printf("%13.1f%% | %26s | ", 100.0 * (double)lk / (double)n, "-");
  printf("%6.1f%% | %6.1f s | %6.1f s |\n", 100.0 * (double)inc / (double)n,
         quantile(scratch, n, 0.5), quantile(scratch, n, 0.95));
}

int main(int argc, char **argv) {
  static double x[ROWS], y[ROWS], t[ROWS];
  long per = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
  size_t n, i, looks = 0;
  outcome *fx, *es;
  double *scratch, t0 = lg__now_s();
  int c;
  if (per < 1 || per > 1000000) {
    fprintf(stderr, "usage: bench_early_stop [SERIES_PER_CASE]\n");
    return 2;
  }
  n = (size_t)per;
  fx = calloc(n, sizeof *fx);
  es = calloc(n, sizeof *es);
  scratch = calloc(n, sizeof *scratch);
  if (!fx || !es || !scratch)
    return 1;
  printf("early stop vs fixed length: %zu series per case, 5 s warm-up + "
         "60 s steady, 100 ms samples, %g req/s,\nsigma 256 KiB rho 0.5, "
         "tolerance 16 B/req, confidence 0.99; decision time in seconds of "
         "steady load\n\n",
         n, RATE);
  printf("| case          | method     | false-leak rate | missed-leak rate  "
         "         | inconc. | median   | p95      |\n");
  printf("|---|---|---|---|---|---|---|\n");
  for (c = 0; c < N_CASES; c++) {
    for (i = 0; i < n; i++) {
      make_series(c, (uint64_t)i + 1, x, y, t);
      fx[i] = fixed_length(x, y, t);
      es[i] = early(x, y, t, &looks);
    }
    row(case_names[c], "fixed", c, fx, n, scratch);
    row(case_names[c], "early stop", c, es, n, scratch);
    fflush(stdout);
  }
  printf("\n%.1f looks per early-stopped run on average; %.1f s in all\n",
         (double)looks / (double)(n * N_CASES), lg__now_s() - t0);
  free(fx);
  free(es);
  free(scratch);
  return 0;
}
