/* Unit tests for lg_analyze (analysis/analyze.c, analysis/project.c): the
 * verdict on the committed corpus files (tests/data/curves/expected.txt),
 * time-to-limit arithmetic, seconds axis, inconclusive reporting, option
 * and input checks, and determinism. */
#include "lg_test.h"

#include <leakgate/analysis.h>
#include <math.h>
#include <string.h>

/* An exact line y = a + b x over n points, x = step * i, t = x / rate. */
static lg_series *line(size_t n, double a, double b, double step, double rate) {
  static double x[5000], y[5000], t[5000];
  lg_series *s = NULL;
  lg_error e;
  size_t i;
  for (i = 0; i < n; i++) {
    x[i] = step * (double)i;
    y[i] = a + b * x[i];
    t[i] = x[i] / rate;
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, t, n, "anon_bytes", "requests", &s, &e), 0);
  return s;
}

START_TEST(corpus_files) {
  /* Each committed curve (seed 1) against its expected verdict; the file
   * lists "name verdict aggregate". */
  char path[4096], name[128], verdict[32], agg[16];
  FILE *f = fopen(
      lg_test_src("tests/data/curves/expected.txt", path, sizeof path), "r");
  int cases = 0;
  ck_assert_ptr_nonnull(f);
  while (fscanf(f, "%127s %31s %15s", name, verdict, agg) == 3) {
    char rel[256];
    lg_series *s = NULL;
    lg_analysis a;
    lg_analysis_opts o;
    lg_error e;
    if (name[0] == '#') {
      int c;
      while ((c = fgetc(f)) != '\n' && c != EOF)
        ;
      continue;
    }
    snprintf(rel, sizeof rel, "tests/data/curves/%s.csv", name);
    ck_assert_msg(
        lg_series_read(lg_test_src(rel, path, sizeof path), NULL, &s, &e) == 0,
        "%s: %s", name, e.msg);
    lg_analysis_opts_init(&o);
    ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
    ck_assert_msg(strcmp(lg_leak_name(a.leak), verdict) == 0,
                  "%s: got %s (%s), want %s", name, lg_leak_name(a.leak),
                  a.reason, verdict);
    ck_assert_str_eq(a.aggregate, agg);
    ck_assert_str_eq(a.metric, "anon_bytes");
    ck_assert_str_eq(a.x, "requests");
    ck_assert(a.reason[0] != '\0');
    ck_assert_uint_eq(a.n_models, 8);
    ck_assert_double_eq_tol(a.x_rate, 1000, 1e-6);
    lg_series_free(s);
    cases++;
  }
  fclose(f);
  ck_assert_int_eq(cases, 16);
}
END_TEST

START_TEST(time_to_limit_arithmetic) {
  /* y = 100 MiB + 1000 B/req, 300 points every 100 requests, 500 req/s.
   * Exact data: every pairwise slope is 1000, so slope = lo = hi = 1000,
   * the floor is the line at the last x (100 MiB + 1000 * 29900) and the
   * transient is 0. Limit 1 GiB: (2^30 - 2^20*100 - 29,900,000) / (1000 *
   * 500) seconds. */
  lg_series *s = line(300, 100.0 * 1048576, 1000, 100, 500);
  lg_analysis a;
  lg_analysis_opts o;
  lg_error e;
  double floor = 100.0 * 1048576 + 1000.0 * 29900;
  double want = (1073741824.0 - floor) / (1000.0 * 500);
  lg_analysis_opts_init(&o);
  o.memory_limit = 1073741824.0;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert_str_eq(a.decided_by, "recent");
  ck_assert_double_eq_tol(a.slope, 1000, 1e-9);
  ck_assert_double_eq_tol(a.slope_lo, 1000, 1e-9);
  ck_assert_double_eq_tol(a.slope_hi, 1000, 1e-9);
  ck_assert_double_eq_tol(a.x_rate, 500, 1e-9);
  ck_assert_double_eq_tol(a.slope_per_second, 500000, 1e-6);
  ck_assert_double_eq_tol(a.floor_bytes, floor, 1e-3);
  ck_assert_double_eq_tol(a.transient_bytes, 0, 1e-3);
  ck_assert_double_eq_tol(a.time_to_limit_s, want, 1e-6);
  ck_assert_double_eq_tol(a.time_to_limit_min_s, want, 1e-6);
  ck_assert_double_eq_tol(a.intercept, 100.0 * 1048576, 1e-3);
  ck_assert_str_eq(a.model, "linear");
  ck_assert(isnan(a.x_needed));

  /* A given rate overrides the measured one. */
  o.x_rate = 2000;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_double_eq_tol(a.time_to_limit_s, want / 4, 1e-6);
  /* Already over the limit: 0 seconds left. */
  o.memory_limit = 64.0 * 1048576;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_double_eq(a.time_to_limit_s, 0);
  /* No limit: no projection. */
  o.memory_limit = NAN;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert(isnan(a.time_to_limit_s) && isnan(a.time_to_limit_min_s));
  lg_series_free(s);

  /* Shrinking memory never reaches the limit. */
  s = line(300, 500.0 * 1048576, -10, 100, 500);
  o.memory_limit = 1073741824.0;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert(isnan(a.time_to_limit_s));
  ck_assert(isnan(a.time_to_limit_min_s));
  lg_series_free(s);
}
END_TEST

START_TEST(transient_amplitude) {
  /* A flat floor with a 1 MiB spike every 10th point in the recent
   * segment: the transient is the spike height, the floor stays flat. */
  static double x[300], y[300], t[300];
  lg_series *s = NULL;
  lg_analysis a;
  lg_analysis_opts o;
  lg_error e;
  int i;
  for (i = 0; i < 300; i++) {
    x[i] = 100.0 * i;
    t[i] = i;
    y[i] = 1e8 + (i % 10 == 3 ? 1048576 : 0);
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, t, 300, "rss_bytes", "requests", &s, &e), 0);
  lg_analysis_opts_init(&o);
  o.memory_limit = 1e8 + 11 * 1048576.0;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert_double_eq_tol(a.floor_bytes, 1e8, 1);
  ck_assert_double_eq_tol(a.transient_bytes, 1048576, 1);
  ck_assert_double_eq(a.slope, 0);
  ck_assert(isnan(a.time_to_limit_s)); /* slope 0: never */
  lg_series_free(s);
}
END_TEST

/* A noise-free series: its standard error is 0, but the smallest slope it
 * could show is one quantum over the window, not 0 (issue 16: "MDS 0
 * B/req" on a flat series). Flat anon pages: a page over the window's
 * 32 000 requests; a line stepping 300 B a point: 300 B over it. */
START_TEST(mds_never_below_resolution) {
  lg_series *s = line(41, 4096000, 0, 1000, 1000);
  lg_analysis a;
  lg_error e;
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert_double_eq_tol(a.mds, 4096.0 / 32000, 0.01);
  lg_series_free(s);
  s = line(41, 4096000, 0.3, 1000, 1000);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_double_eq_tol(a.mds, 300.0 / 32000, 0.002);
  lg_series_free(s);
}
END_TEST

START_TEST(seconds_axis) {
  static double x[100], y[100];
  lg_series *s = NULL;
  lg_analysis a;
  lg_error e;
  int i;
  for (i = 0; i < 100; i++) {
    x[i] = 0.5 * i;
    y[i] = 2e7 + 4096.0 * i;
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, NULL, 100, "rss_bytes", "seconds", &s, &e),
      0);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_str_eq(a.x, "seconds");
  ck_assert_double_eq(a.x_rate, 1);
  ck_assert_double_eq_tol(a.slope, 8192, 1e-6);
  ck_assert_double_eq_tol(a.slope_per_second, 8192, 1e-6);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert_ptr_nonnull(strstr(a.reason, "B/s"));
  lg_series_free(s);
}
END_TEST

START_TEST(inconclusive_reports_what_would_decide) {
  /* The committed too-short noisy run: inconclusive, with an MDS above the
   * tolerance and a run longer than this one that would decide. */
  char path[4096];
  lg_series *s = NULL;
  lg_analysis a;
  lg_error e;
  ck_assert_int_eq(
      lg_series_read(lg_test_src("tests/data/curves/t08_short_noisy.csv", path,
                                 sizeof path),
                     NULL, &s, &e),
      0);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert_str_eq(a.decided_by, "none");
  ck_assert_double_gt(a.mds, a.tolerance);
  ck_assert_double_ge(a.x_needed, 1.5 * 199000);
  ck_assert(isfinite(a.x_needed));
  ck_assert_double_le(a.slope_lo, a.tolerance);
  ck_assert_double_ge(a.slope_hi, a.tolerance);
  ck_assert_ptr_nonnull(strstr(a.reason, "would decide"));
  ck_assert_double_gt(a.rho, 0.2);
  ck_assert_double_gt(a.sigma, 2e6);
  lg_series_free(s);
}
END_TEST

START_TEST(too_little_after_warmup) {
  lg_series *s = line(40, 1e8, 100, 1000, 1000);
  lg_analysis a;
  lg_analysis_opts o;
  lg_error e;
  lg_analysis_opts_init(&o);
  o.warmup_fraction = 0.9; /* leaves 4 points */
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert_ptr_nonnull(strstr(a.reason, "only 4 points remain"));
  ck_assert(isnan(a.slope));
  lg_series_free(s);
}
END_TEST

START_TEST(bad_input_and_options) {
  lg_series *s = line(40, 1e8, 100, 1000, 1000);
  lg_analysis a;
  lg_analysis_opts o;
  lg_error e;
  lg_analysis_opts_init(&o);
  ck_assert_double_eq(o.tolerance, 16);
  ck_assert_double_eq(o.confidence, 0.99);
  ck_assert_double_eq(o.warmup_fraction, 0.2);
  ck_assert(isnan(o.memory_limit) && isnan(o.x_rate) && !o.strict);
  o.confidence = 1;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EUSAGE);
  o.confidence = 0.99;
  o.tolerance = -1;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EUSAGE);
  o.tolerance = 16;
  o.warmup_fraction = 0.95;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EUSAGE);
  lg_analysis_opts_init(&o);
  /* Hand-made series the reader would have refused. */
  s->n = 19;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "only 19 points"));
  s->n = 40;
  s->x[10] = s->x[9] - 1;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EINPUT);
  ck_assert_ptr_nonnull(strstr(e.msg, "x decreases at point 10"));
  s->x[10] = s->x[9];
  s->y[5] = NAN;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), LG_EINPUT);
  ck_assert_int_eq(a.leak, LG_LEAK_UNKNOWN);
  ck_assert_str_eq(lg_leak_name(LG_LEAK_UNKNOWN), "unknown");
  ck_assert_str_eq(lg_leak_name(LG_LEAK_LEAK), "leak");
  ck_assert_str_eq(lg_leak_name(LG_LEAK_NO_LEAK), "no_leak");
  ck_assert_str_eq(lg_leak_name(LG_LEAK_INCONCLUSIVE), "inconclusive");
  lg_series_free(s);
}
END_TEST

START_TEST(level_shift_restart) {
  char path[4096];
  lg_series *s = NULL;
  lg_analysis a;
  lg_error e;
  ck_assert_int_eq(lg_series_read(lg_test_src("tests/data/curves/t04_step.csv",
                                              path, sizeof path),
                                  NULL, &s, &e),
                   0);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_double_eq(a.level_shift_x, 60000);
  ck_assert_double_eq(a.warmup_x, 60000);
  ck_assert_uint_eq(a.samples_used, 141);
  ck_assert_double_gt(a.warmup_bytes, 7 * 1048576.0); /* the 8 MiB step */
  ck_assert_str_eq(a.model, "step");
  ck_assert_double_eq_tol(a.asymptote_bytes, 72 * 1048576.0, 0.2 * 1048576);
  lg_series_free(s);
}
END_TEST

START_TEST(large_series_pooled_deterministic) {
  /* 4000 points are pooled to at most LG_ANALYSIS_MAX_POINTS; the same
   * input gives the same bytes out. */
  lg_series *s = line(4000, 1e8, 3, 50, 100);
  lg_analysis a, b;
  lg_error e;
  size_t i;
  for (i = 0; i < s->n; i++)
    s->y[i] += (double)((i * 7919) % 1000) * 1000; /* deterministic noise */
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_int_eq(lg_analyze(s, NULL, &b, &e), 0);
  ck_assert_uint_le(a.points, LG_ANALYSIS_MAX_POINTS);
  ck_assert_uint_ge(a.points, LG_ANALYSIS_MAX_POINTS / 2);
  ck_assert(memcmp(&a, &b, sizeof a) == 0);
  ck_assert_double_eq_tol(a.window_slope, 3, 0.5);
  lg_series_free(s);
}
END_TEST

START_TEST(sparse_page_staircase_is_flat) {
  /* A near-flat run quantised to 4 KiB pages: two page steps over 20k
   * requests (about 0.4 B/request). The residuals are a step, so their
   * lag-1 correlation is ~1 by construction; it must not be taken as AR(1)
   * noise (which made the bounds infinite and the run inconclusive). */
  double x[100], y[100], t[100];
  lg_series *s = NULL;
  lg_analysis a;
  lg_error e;
  size_t i;
  for (i = 0; i < 100; i++) {
    x[i] = 200.0 * (double)i;
    t[i] = 0.05 * (double)i;
    y[i] = 139264 + (x[i] >= 9400 ? 4096 : 0) + (x[i] >= 17400 ? 4096 : 0);
  }
  ck_assert_int_eq(lg_series_from_arrays(x, y, t, 100, "anon_bytes",
                                         "requests", &s, &e), 0);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert(isfinite(a.slope_hi));
  ck_assert_double_lt(a.slope_hi, 16);
  lg_series_free(s);
}
END_TEST

START_TEST(heap_granule_step_is_rounding) {
  /* Massif's heap at request-aligned snapshots: exactly 72 B/request, with
   * one 16-byte allocator step (two 8-byte granules) partway. Residuals
   * within two granules are rounding, not AR(1) noise: the verdict must be
   * the leak with finite bounds, not an unbounded inconclusive. */
  double x[24], y[24];
  lg_series *s = NULL;
  lg_analysis a;
  lg_error e;
  size_t i;
  for (i = 0; i < 24; i++) {
    x[i] = 83.0 * (double)(i + 1);
    y[i] = 534592 + 5976.0 * (double)i + (i >= 16 ? 16 : 0);
  }
  ck_assert_int_eq(lg_series_from_arrays(x, y, NULL, 24, "heap_bytes",
                                         "requests", &s, &e), 0);
  ck_assert_int_eq(lg_analyze(s, NULL, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert(isfinite(a.slope_lo) && isfinite(a.slope_hi));
  ck_assert_double_eq_tol(a.slope, 72, 0.5);
  lg_series_free(s);
}
END_TEST

START_TEST(staircase_traces) {
  /* Real Go services (tests/data/staircase/README.md): anon grows as a
   * staircase. Each trace against its expected verdict; a leak keeps its
   * whole window (the steps keep coming) and its slope is within 0.5-6x of
   * the payload; the bounded cache still restarts after its one-off fill. */
  char path[4096], name[128], verdict[32];
  double payload;
  FILE *f = fopen(
      lg_test_src("tests/data/staircase/expected.txt", path, sizeof path), "r");
  int cases = 0;
  ck_assert_ptr_nonnull(f);
  while (fscanf(f, "%127s", name) == 1) {
    char rel[256];
    lg_series *s = NULL;
    lg_analysis a;
    lg_analysis_opts o;
    lg_error e;
    if (name[0] == '#') {
      int c;
      while ((c = fgetc(f)) != '\n' && c != EOF)
        ;
      continue;
    }
    ck_assert_int_eq(fscanf(f, "%31s %lf", verdict, &payload), 2);
    snprintf(rel, sizeof rel, "tests/data/staircase/%s.csv", name);
    ck_assert_msg(
        lg_series_read(lg_test_src(rel, path, sizeof path), NULL, &s, &e) == 0,
        "%s: %s", name, e.msg);
    lg_analysis_opts_init(&o);
    o.memory_limit = 1073741824.0;
    ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
    ck_assert_msg(strcmp(lg_leak_name(a.leak), verdict) == 0,
                  "%s: got %s (%s), want %s", name, lg_leak_name(a.leak),
                  a.reason, verdict);
    if (payload > 0) {
      ck_assert_uint_ge(a.staircase_steps, 3);
      ck_assert(isnan(a.level_shift_x));
      ck_assert_double_ge(a.slope, 0.5 * payload);
      ck_assert_double_le(a.slope, 6 * payload);
      ck_assert_double_gt(a.slope_lo, a.tolerance);
    }
    if (strcmp(name, "go_cache") == 0) {
      ck_assert_uint_eq(a.staircase_steps, 0);
      ck_assert(isfinite(a.level_shift_x));
    }
    lg_series_free(s);
    cases++;
  }
  fclose(f);
  ck_assert_int_eq(cases, 5);
}
END_TEST

/* The committed noisy short run (T8, seed 1: 20 B/req, sigma 4 MiB),
 * analysed once without a limit for its floor and transient. */
static lg_series *t08(lg_analysis *a) {
  char path[4096];
  lg_series *s = NULL;
  lg_error e;
  ck_assert_int_eq(
      lg_series_read(lg_test_src("tests/data/curves/t08_short_noisy.csv", path,
                                 sizeof path),
                     NULL, &s, &e),
      0);
  ck_assert_int_eq(lg_analyze(s, NULL, a, &e), 0);
  ck_assert_int_eq(a->leak, LG_LEAK_INCONCLUSIVE);
  return s;
}

START_TEST(limit_within_run_is_not_more_requests) {
  /* T8 is inconclusive and asks for a longer run. With a memory limit so
   * close that the projection (at the slope) falls within the run's own
   * 199 s, a longer run would hit the limit first: still inconclusive
   * (the slope's lower bound is below 0), but no "N requests would
   * decide". */
  lg_analysis a, b;
  lg_analysis_opts o;
  lg_error e;
  lg_series *s = t08(&a);
  double head;
  ck_assert(isfinite(a.x_needed));
  ck_assert_double_lt(a.slope_lo, 0);
  ck_assert_double_gt(a.slope, 0);
  head = a.slope * a.x_rate * 100; /* 100 s at the slope */
  lg_analysis_opts_init(&o);
  o.memory_limit = a.floor_bytes + a.transient_bytes + head;
  ck_assert_int_eq(lg_analyze(s, &o, &b, &e), 0);
  ck_assert_double_eq_tol(b.time_to_limit_s, 100, 1e-6);
  ck_assert_int_eq(b.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert_str_eq(b.decided_by, "none");
  ck_assert(isnan(b.x_needed));
  ck_assert_ptr_null(strstr(b.reason, "would decide"));
  ck_assert_ptr_nonnull(strstr(b.reason, "hit the limit first"));
  /* 300 s away: more than the run lasted, so more requests still help. */
  o.memory_limit = a.floor_bytes + a.transient_bytes + 3 * head;
  ck_assert_int_eq(lg_analyze(s, &o, &b, &e), 0);
  ck_assert_int_eq(b.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert(isfinite(b.x_needed));
  ck_assert_ptr_nonnull(strstr(b.reason, "would decide"));
  lg_series_free(s);
}
END_TEST

START_TEST(limit_within_run_at_lower_bound_is_leak) {
  /* Growth below the tolerance can still fail the run: y = 64 MiB + 8
   * B/req + a 256 KiB wiggle over 200k requests at 1000 req/s
   * (inconclusive against a tolerance of 9 B/req, lower bound above 0).
   * With the limit so close that even the lower bound reaches it within
   * the run's own length: leak, decided by the limit. */
  static double x[200], y[200], t[200];
  lg_series *s = NULL;
  lg_analysis a, b;
  lg_analysis_opts o;
  lg_error e;
  int i;
  for (i = 0; i < 200; i++) {
    x[i] = 1000.0 * (i + 1);
    t[i] = x[i] / 1000;
    y[i] = 64 * 1048576.0 + 8 * x[i] + 262144 * sin(i * 0.7) +
           131072 * cos(i * 2.3);
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, t, 200, "anon_bytes", "requests", &s, &e), 0);
  lg_analysis_opts_init(&o);
  o.tolerance = 9;
  ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
  ck_assert_int_eq(a.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert_double_gt(a.slope_lo, 0);
  /* 50 s at the lower bound; the run lasted 199 s. */
  o.memory_limit =
      a.floor_bytes + a.transient_bytes + a.slope_lo * a.x_rate * 50;
  ck_assert_int_eq(lg_analyze(s, &o, &b, &e), 0);
  ck_assert_int_eq(b.leak, LG_LEAK_LEAK);
  ck_assert_str_eq(b.decided_by, "limit");
  ck_assert(isnan(b.x_needed));
  ck_assert_double_eq_tol(b.slope, a.slope, 1e-9);
  ck_assert_ptr_nonnull(strstr(b.reason, "reaches the memory limit in 50"));
  lg_series_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("analysis");
  TCase *tc = tcase_create("pipeline");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, corpus_files);
  tcase_add_test(tc, time_to_limit_arithmetic);
  tcase_add_test(tc, transient_amplitude);
  tcase_add_test(tc, seconds_axis);
  tcase_add_test(tc, mds_never_below_resolution);
  tcase_add_test(tc, inconclusive_reports_what_would_decide);
  tcase_add_test(tc, too_little_after_warmup);
  tcase_add_test(tc, bad_input_and_options);
  tcase_add_test(tc, level_shift_restart);
  tcase_add_test(tc, large_series_pooled_deterministic);
  tcase_add_test(tc, sparse_page_staircase_is_flat);
  tcase_add_test(tc, heap_granule_step_is_rounding);
  tcase_add_test(tc, staircase_traces);
  tcase_add_test(tc, limit_within_run_is_not_more_requests);
  tcase_add_test(tc, limit_within_run_at_lower_bound_is_leak);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
