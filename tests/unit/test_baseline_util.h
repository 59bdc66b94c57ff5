/* test_baseline_util.h - helpers shared by the baseline unit tests:
 * hand-built results, results analysed from synthetic AR(1) series, and
 * scratch paths under the build tree. */
#ifndef TEST_BASELINE_UTIL_H
#define TEST_BASELINE_UTIL_H

#include "lg_test.h"

#include <leakgate/analysis.h>
#include <leakgate/baseline.h>
#include <leakgate/result.h>
#include <leakgate/series.h>

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scratch directory build/tests/out/baseline-TAG-PID (created). */
static inline void bt_tmpdir(const char *tag, char *out, size_t cap) {
  char b[512];
  lg_test_bin("tests/out", b, sizeof b);
  mkdir(b, 0755);
  snprintf(out, cap, "%s/baseline-%s-%ld", b, tag, (long)getpid());
  mkdir(out, 0755);
}

/* A finished result of scenario name with this growth analysis (bounds at
 * one-sided level 0.99, tolerance 16 B/req, anon_bytes per request). */
static inline lg_result *bt_result(const char *name, lg_leak leak, double slope,
                                   double lo, double hi, int64_t requests) {
  lg_result *r = lg_result_new();
  ck_assert_ptr_nonnull(r);
  r->scenario_name = name ? strdup(name) : NULL;
  r->has_analysis = true;
  snprintf(r->analysis.metric, sizeof r->analysis.metric, "anon_bytes");
  snprintf(r->analysis.x, sizeof r->analysis.x, "requests");
  r->analysis.leak = leak;
  r->analysis.slope = slope;
  r->analysis.slope_lo = lo;
  r->analysis.slope_hi = hi;
  r->analysis.tolerance = 16;
  r->analysis.samples_used = 150;
  r->confidence = 0.99;
  r->load.driver = strdup("http");
  r->load.requests = requests;
  r->load.errors = 0;
  r->load.duration_s = 10;
  lg_result_finish(r);
  return r;
}

/* splitmix64: a tiny seeded generator, so every series is reproducible. */
static inline uint64_t bt_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline double bt_uniform(uint64_t *s) {
  return ((double)(bt_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

static inline double bt_gauss(uint64_t *s) {
  double u = bt_uniform(s), v = bt_uniform(s);
  return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* The research note's baseline cases (growth-statistics.md section 10):
 * y = 64 MiB + slope * x + AR(1) noise (marginal sigma, rho), x = 1000 i
 * for i = 1..n, analysed with the default pipeline (tolerance 16 B/req,
 * confidence 0.99). Returns a finished result of scenario name. */
static inline lg_result *bt_analysed(const char *name, double slope,
                                     double sigma, double rho, size_t n,
                                     uint64_t seed) {
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), e = 0;
  double innov = sigma * sqrt(1 - rho * rho);
  lg_series *s = NULL;
  lg_analysis_opts ao;
  lg_error err;
  lg_result *r = lg_result_new();
  size_t i;
  ck_assert(x && y && r);
  e = sigma * bt_gauss(&seed); /* start in the stationary distribution */
  for (i = 0; i < n; i++) {
    if (i)
      e = rho * e + innov * bt_gauss(&seed);
    x[i] = 1000.0 * (double)(i + 1);
    y[i] = 67108864.0 + slope * x[i] + e;
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, NULL, n, "anon_bytes", "requests", &s, &err),
      0);
  lg_analysis_opts_init(&ao);
  ck_assert_msg(lg_analyze(s, &ao, &r->analysis, &err) == 0, "%s", err.msg);
  lg_series_free(s);
  free(x);
  free(y);
  r->has_analysis = true;
  r->confidence = ao.confidence;
  r->scenario_name = strdup(name);
  r->load.driver = strdup("http");
  r->load.requests = (int64_t)(1000 * n);
  r->load.errors = 0;
  lg_result_finish(r);
  return r;
}

/* Write path from these results (keep runs of history). */
static inline void bt_update(const char *path, lg_result *const *rs, size_t n,
                             size_t keep) {
  lg_error err;
  ck_assert_msg(lg_baseline_update(path, (const lg_result *const *)rs, n, keep,
                                   &err) == 0,
                "update %s: %s", path, err.msg);
}

/* Load path (which must load). */
static inline lg_baseline *bt_load(const char *path) {
  lg_baseline *b = NULL;
  lg_error err;
  ck_assert_msg(lg_baseline_load(path, &b, &err) == 0, "load %s: %s", path,
                err.msg);
  return b;
}

/* Compare r with b using default options (plus missing_fails), then
 * finish r. */
static inline void bt_compare(lg_result *r, const lg_baseline *b,
                              const char *file, bool missing_fails) {
  lg_compare_opts o;
  lg_error err;
  lg_compare_opts_init(&o);
  o.missing_fails = missing_fails;
  ck_assert_msg(lg_baseline_compare(r, b, file, &o, &err) == 0, "%s", err.msg);
  lg_result_finish(r);
}

static inline const lg_check *bt_check(const lg_result *r, const char *name) {
  const lg_check *c = lg_result_check(r, name);
  ck_assert_msg(c != NULL, "no check %s", name);
  return c;
}

#endif
