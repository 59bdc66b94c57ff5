/* test_baseline_compare.c - the regression gate: the research note's B1/B2
 * pairs on analysed AR(1) series, the slope-delta arithmetic, the history
 * band, Memcheck new/known/grown leaks, a leak on both sides, and missing or
 * incompatible baselines with both missing policies. */
#include "test_baseline_util.h"

#include <leakgate/scenario.h>
#include <leakgate/valgrind.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[600];

static void path_of(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
}

/* A baseline file holding main (and nothing else), loaded. */
static lg_baseline *baseline_of(lg_result *main_run, const char *name) {
  char p[700];
  path_of(p, sizeof p, name);
  unlink(p);
  bt_update(p, &main_run, 1, 20);
  return bt_load(p);
}

/* ---- B1/B2 (growth-statistics.md sections 5 and 10) -------------------- */

/* main 8 B/req vs PR 40 -> regression; vs PR 10 -> no regression; vs PR 24
 * (delta = tolerance 16) -> inconclusive. R = 200k requests, n = 200,
 * sigma 256 KiB, rho 0.5, 20 seeds each. The note's simulation got 200/200,
 * 200/200 and 198/200: the same rates are asserted with a margin for 20
 * fixed seeds (deterministic). */
START_TEST(test_b1_b2_pairs) {
  const double sigma = 262144, rho = 0.5;
  int reg40 = 0, noreg10 = 0, inc24 = 0, reg24 = 0, noreg24 = 0;
  uint64_t seed;
  bt_tmpdir("b1b2", dir, sizeof dir);
  for (seed = 1; seed <= 20; seed++) {
    lg_result *m = bt_analysed("svc", 8, sigma, rho, 200, seed * 7919);
    lg_baseline *b = baseline_of(m, "b.json");
    lg_result *p40 = bt_analysed("svc", 40, sigma, rho, 200, seed * 104729);
    lg_result *p10 = bt_analysed("svc", 10, sigma, rho, 200, seed * 1299709);
    lg_result *p24 = bt_analysed("svc", 24, sigma, rho, 200, seed * 15485863);
    bt_compare(p40, b, "b.json", false);
    bt_compare(p10, b, "b.json", false);
    bt_compare(p24, b, "b.json", false);
    if (getenv("BT_VERBOSE"))
      fprintf(stderr,
              "seed %2llu main %6.2f [%6.2f %6.2f] %-6s | 40: %6.2f [%6.2f "
              "%6.2f] %-6s d %6.2f [%6.2f %6.2f] | 10: d %6.2f [%6.2f %6.2f] "
              "| 24: d %6.2f [%6.2f %6.2f]\n",
              (unsigned long long)seed, m->analysis.slope, m->analysis.slope_lo,
              m->analysis.slope_hi, m->analysis.decided_by, p40->analysis.slope,
              p40->analysis.slope_lo, p40->analysis.slope_hi,
              p40->analysis.decided_by, p40->baseline.slope_delta,
              p40->baseline.delta_lo, p40->baseline.delta_hi,
              p10->baseline.slope_delta, p10->baseline.delta_lo,
              p10->baseline.delta_hi, p24->baseline.slope_delta,
              p24->baseline.delta_lo, p24->baseline.delta_hi);
    reg40 += p40->baseline.verdict == LG_BASELINE_REGRESSION;
    noreg10 += p10->baseline.verdict == LG_BASELINE_NO_REGRESSION;
    inc24 += p24->baseline.verdict == LG_BASELINE_INCONCLUSIVE;
    reg24 += p24->baseline.verdict == LG_BASELINE_REGRESSION;
    noreg24 += p24->baseline.verdict == LG_BASELINE_NO_REGRESSION;
    /* the delta is near the true 32 and its interval holds it */
    ck_assert_msg(fabs(p40->baseline.slope_delta - 32) < 12,
                  "seed %llu: delta %g", (unsigned long long)seed,
                  p40->baseline.slope_delta);
    ck_assert(p40->baseline.delta_lo < p40->baseline.slope_delta &&
              p40->baseline.slope_delta < p40->baseline.delta_hi);
    ck_assert(fabs(p10->baseline.baseline_slope - 8) < 6);
    /* a regression fails the run; no regression leaves it to the growth
     * check (10 B/req is under the tolerance) */
    if (p40->baseline.verdict == LG_BASELINE_REGRESSION) {
      ck_assert_int_eq(bt_check(p40, "baseline")->status, LG_CHECK_FAIL);
      ck_assert_int_eq(p40->exit_code, 1);
    }
    if (p10->baseline.verdict == LG_BASELINE_NO_REGRESSION)
      ck_assert_int_eq(bt_check(p10, "baseline")->status, LG_CHECK_PASS);
    lg_result_free(p40);
    lg_result_free(p10);
    lg_result_free(p24);
    lg_result_free(m);
    lg_baseline_free(b);
  }
  ck_assert_int_eq(reg40, 20);
  ck_assert_int_eq(noreg10, 20);
  ck_assert_msg(inc24 >= 18, "at the tolerance: %d/20 inconclusive", inc24);
  /* at the tolerance neither side may be claimed often */
  ck_assert_int_le(reg24, 1);
  ck_assert_int_le(noreg24, 1);
}
END_TEST

/* ---- the arithmetic ----------------------------------------------------- */

/* SE from each side's interval at its own level: main [6, 10] at 0.99,
 * PR [36, 44] at 0.99 -> SE_main = 4/(2 z), SE_PR = 8/(2 z), delta 32 +-
 * z * hypot. */
START_TEST(test_delta_arithmetic) {
  const double z = 2.3263478740408408; /* z_0.99 */
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 8, 6, 10, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_LEAK, 40, 36, 44, 100000);
  lg_baseline *b;
  double se = hypot(4 / (2 * z), 8 / (2 * z));
  bt_tmpdir("arith", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_REGRESSION);
  ck_assert_double_eq_tol(p->baseline.slope_delta, 32, 1e-9);
  ck_assert_double_eq_tol(p->baseline.delta_lo, 32 - z * se, 1e-6);
  ck_assert_double_eq_tol(p->baseline.delta_hi, 32 + z * se, 1e-6);
  ck_assert_double_eq_tol(p->baseline.baseline_slope, 8, 1e-9);
  ck_assert_double_eq_tol(p->baseline.tolerance, 16, 1e-9);
  ck_assert_int_eq(p->baseline.baseline_leak, LG_LEAK_NO_LEAK);
  ck_assert_str_eq(p->baseline.file, "b.json");
  ck_assert(!p->baseline.missing);
  ck_assert(isnan(p->baseline.history_limit)); /* one run: no band */
  lg_result_free(p);

  /* an explicit tolerance replaces the analysis one: 32 - 3.9 > 25 fails,
   * 32 + 3.9 < 40 passes */
  {
    lg_compare_opts o;
    lg_error err;
    p = bt_result("svc", LG_LEAK_LEAK, 40, 36, 44, 100000);
    lg_compare_opts_init(&o);
    o.tolerance = 40;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), 0);
    ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NO_REGRESSION);
    o.tolerance = 30;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), 0);
    ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_INCONCLUSIVE);
    lg_result_finish(p);
    ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_INCONCLUSIVE);
    /* a confidence from the options changes the width, not the delta */
    o.tolerance = 25;
    o.confidence = 0.9;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), 0);
    ck_assert_double_eq_tol(p->baseline.delta_lo, 32 - 1.2815515655446004 * se,
                            1e-6);
    /* bad options */
    o.confidence = 1.5;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), LG_EUSAGE);
    o.confidence = NAN;
    o.tolerance = -1;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), LG_EUSAGE);
    o.tolerance = NAN;
    o.leak_growth_tolerance = INFINITY;
    ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), LG_EUSAGE);
    lg_result_free(p);
  }

  /* a PR whose bounds are infinite (too few points) cannot be judged */
  p = bt_result("svc", LG_LEAK_INCONCLUSIVE, 50, -INFINITY, INFINITY, 100);
  bt_compare(p, b, "b.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_INCONCLUSIVE);
  ck_assert(!isfinite(p->baseline.delta_lo) && !isfinite(p->baseline.delta_hi));
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* Each side's SE uses its own level: a main run analysed at 0.95 has a
 * narrower interval for the same SE. */
START_TEST(test_each_side_own_level) {
  const double z99 = 2.3263478740408408, z95 = 1.6448536269514722;
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 8, 6, 10, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_LEAK, 40, 36, 44, 100000);
  lg_baseline *b;
  double se;
  m->confidence = 0.95;
  bt_tmpdir("level", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", false);
  se = hypot(4 / (2 * z95), 8 / (2 * z99));
  ck_assert_double_eq_tol(p->baseline.delta_lo, 32 - z99 * se, 1e-6);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* ---- history band ------------------------------------------------------- */

/* Ten main runs near 8 B/req, the latest one noisy (wide interval): a PR at
 * 30 B/req is inconclusive by the interval but above median + tolerance and
 * the band, so a regression; a PR at 20 is not. */
START_TEST(test_history_band) {
  static const double hist[] = {8.0, 7.6, 8.4, 8.1, 7.9, 8.3, 7.7, 8.2, 8.0};
  lg_result *runs[10], *p;
  lg_baseline *b;
  char path[700];
  double med = 8.0, mad, limit;
  size_t i;
  bt_tmpdir("band", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  unlink(path);
  for (i = 0; i < 9; i++)
    runs[i] = bt_result("svc", LG_LEAK_NO_LEAK, hist[i], hist[i] - 1,
                        hist[i] + 1, 100000);
  runs[9] = bt_result("svc", LG_LEAK_INCONCLUSIVE, 8.0, -30, 46, 100000);
  /* four runs: no band yet */
  bt_update(path, runs, 4, 20);
  b = bt_load(path);
  p = bt_result("svc", LG_LEAK_LEAK, 30, 28, 32, 100000);
  bt_compare(p, b, path, false);
  ck_assert(isnan(p->baseline.history_limit));
  lg_baseline_free(b);
  /* ten runs: the band decides */
  bt_update(path, runs + 4, 6, 20);
  b = bt_load(path);
  ck_assert_uint_eq(lg_baseline_history_len(b, "svc"), 10);
  bt_compare(p, b, path, false);
  /* |deviations| from the median 8.0: 0 .4 .4 .1 .1 .3 .3 .2 0 0 -> MAD
   * 0.15 */
  mad = 0.15;
  limit = p->baseline.history_limit;
  ck_assert_double_eq_tol(limit, med + 3 * 1.4826 * mad, 1e-9);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_REGRESSION);
  ck_assert_ptr_nonnull(p->baseline.note);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "history band of 10"));
  ck_assert_int_eq(p->exit_code, 1);
  lg_result_free(p);
  /* 20 B/req: above the band but not the tolerance above the median */
  p = bt_result("svc", LG_LEAK_LEAK, 20, 18, 22, 100000);
  bt_compare(p, b, path, false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_INCONCLUSIVE);
  lg_result_free(p);
  lg_baseline_free(b);
  for (i = 0; i < 10; i++)
    lg_result_free(runs[i]);
}
END_TEST

/* The band value itself: median + 3 * 1.4826 * MAD. */
START_TEST(test_history_band_value) {
  static const double hist[] = {10, 12, 14, 16, 18, 100};
  lg_result *runs[6], *p;
  lg_baseline *b;
  char path[700];
  size_t i;
  bt_tmpdir("bandv", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  unlink(path);
  for (i = 0; i < 6; i++)
    runs[i] = bt_result("svc", LG_LEAK_LEAK, hist[i], hist[i] - 50,
                        hist[i] + 50, 100000);
  bt_update(path, runs, 6, 20);
  b = bt_load(path);
  p = bt_result("svc", LG_LEAK_LEAK, 20, 19, 21, 100000);
  bt_compare(p, b, path, false);
  /* median 15; |dev| = 5 3 1 1 3 85 -> MAD 3 */
  ck_assert_double_eq_tol(p->baseline.history_limit, 15 + 3 * 1.4826 * 3, 1e-9);
  lg_result_free(p);
  lg_baseline_free(b);
  for (i = 0; i < 6; i++)
    lg_result_free(runs[i]);
}
END_TEST

/* Main moved: history near 8, latest main at 30 with a tight interval. A PR
 * at 31 is no regression against main (the band only notes it). */
START_TEST(test_history_main_moved) {
  lg_result *runs[6], *p;
  lg_baseline *b;
  char path[700];
  size_t i;
  bt_tmpdir("moved", dir, sizeof dir);
  path_of(path, sizeof path, "b.json");
  unlink(path);
  for (i = 0; i < 5; i++)
    runs[i] =
        bt_result("svc", LG_LEAK_NO_LEAK, 8 + 0.1 * (double)i, 7, 9.5, 100000);
  runs[5] = bt_result("svc", LG_LEAK_LEAK, 30, 29, 31, 100000);
  bt_update(path, runs, 6, 20);
  b = bt_load(path);
  p = bt_result("svc", LG_LEAK_LEAK, 31, 30, 32, 100000);
  bt_compare(p, b, path, false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NO_REGRESSION);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "main moved"));
  /* main leaks too: the growth leak is known, the run passes */
  ck_assert_int_eq(p->baseline.baseline_leak, LG_LEAK_LEAK);
  ck_assert_int_eq(bt_check(p, "growth")->status, LG_CHECK_PASS);
  ck_assert_int_eq(p->exit_code, 0);
  lg_result_free(p);
  lg_baseline_free(b);
  for (i = 0; i < 6; i++)
    lg_result_free(runs[i]);
}
END_TEST

/* ---- a leak on both sides ---------------------------------------------- */

START_TEST(test_leak_on_both_sides) {
  lg_result *m = bt_result("svc", LG_LEAK_LEAK, 64, 62, 66, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_LEAK, 65, 63, 67, 100000);
  lg_result *clean = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_baseline *b;
  bt_tmpdir("both", dir, sizeof dir);
  /* without a baseline the growth check fails */
  ck_assert_int_eq(p->exit_code, 1);
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NO_REGRESSION);
  ck_assert_int_eq(bt_check(p, "growth")->status, LG_CHECK_PASS);
  ck_assert_ptr_nonnull(strstr(bt_check(p, "growth")->message, "known leak"));
  ck_assert_int_eq(p->verdict, LG_VERDICT_PASS);
  ck_assert_int_eq(p->exit_code, 0);
  lg_baseline_free(b);
  lg_result_free(p);
  /* main clean, PR leaking: regression, and the growth check fails too */
  b = baseline_of(clean, "clean.json");
  p = bt_result("svc", LG_LEAK_LEAK, 65, 63, 67, 100000);
  bt_compare(p, b, "clean.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_REGRESSION);
  ck_assert_int_eq(bt_check(p, "growth")->status, LG_CHECK_FAIL);
  ck_assert_int_eq(p->exit_code, 1);
  lg_baseline_free(b);
  lg_result_free(p);
  lg_result_free(m);
  lg_result_free(clean);
}
END_TEST

/* ---- Memcheck ----------------------------------------------------------- */

static void add_leak(lg_result *r, const char *kind, double bytes,
                     const char *fp, const char *fn) {
  lg_leak_record *l = lg_result_add_leak(&r->memcheck, kind, bytes, 1, fp);
  ck_assert_ptr_nonnull(l);
  ck_assert_int_eq(
      lg_leak_add_frame(l, "malloc", "vg_replace_malloc.c", 1, NULL), 0);
  ck_assert_int_eq(lg_leak_add_frame(l, fn, "svc.c", 42, NULL), 0);
}

static void memcheck_ran(lg_result *r) {
  double dl = 0, il = 0;
  size_t i;
  r->memcheck.enabled = r->memcheck.ran = true;
  r->memcheck.errors = 0;
  for (i = 0; i < r->memcheck.n_leaks; i++) {
    if (strcmp(r->memcheck.leaks[i].kind, "definite") == 0)
      dl += r->memcheck.leaks[i].bytes;
    if (strcmp(r->memcheck.leaks[i].kind, "indirect") == 0)
      il += r->memcheck.leaks[i].bytes;
  }
  r->memcheck.definitely_lost_bytes = dl;
  r->memcheck.indirectly_lost_bytes = il;
  r->memcheck.possibly_lost_bytes = 0;
  lg_result_finish(r);
}

START_TEST(test_memcheck_new_known_grown) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_baseline *b;
  bt_tmpdir("memcheck", dir, sizeof dir);
  add_leak(m, "definite", 1000, "aaaa000000000001", "cache_put");
  add_leak(m, "indirect", 200, "bbbb000000000002", "node_new");
  add_leak(m, "reachable", 64, "dddd000000000004", "init");
  memcheck_ran(m);
  b = baseline_of(m, "b.json");

  add_leak(p, "definite", 1100, "aaaa000000000001", "cache_put");  /* +10% */
  add_leak(p, "indirect", 400, "bbbb000000000002", "node_new");    /* x2 */
  add_leak(p, "definite", 32, "cccc000000000003", "parse_header"); /* new */
  add_leak(p, "reachable", 64, "eeee000000000005", "other");       /* ungated */
  memcheck_ran(p);
  ck_assert_int_eq(bt_check(p, "memcheck")->status, LG_CHECK_FAIL);
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_new_leaks, 1);
  ck_assert_str_eq(p->baseline.new_leaks[0], "cccc000000000003");
  ck_assert_uint_eq(p->baseline.n_known_leaks, 1);
  ck_assert_str_eq(p->baseline.known_leaks[0], "aaaa000000000001");
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 1);
  ck_assert_str_eq(p->baseline.grown_leaks[0], "bbbb000000000002");
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "node_new"));
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(bt_check(p, "baseline")->message, "1 new leak"));
  ck_assert_ptr_nonnull(
      strstr(bt_check(p, "baseline")->message, "1 known leak grew"));
  ck_assert_int_eq(p->exit_code, 1);
  lg_result_free(p);

  /* only known leaks: the memcheck check does not count them, the run
   * passes */
  p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  add_leak(p, "definite", 1000, "aaaa000000000001", "cache_put");
  add_leak(p, "indirect", 210, "bbbb000000000002", "node_new");
  memcheck_ran(p);
  ck_assert_int_eq(p->exit_code, 1); /* alone: 1210 bytes over budget 0 */
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_new_leaks, 0);
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 0);
  ck_assert_uint_eq(p->baseline.n_known_leaks, 2);
  ck_assert_int_eq(bt_check(p, "memcheck")->status, LG_CHECK_PASS);
  ck_assert_ptr_nonnull(
      strstr(bt_check(p, "memcheck")->message, "known from the baseline"));
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_PASS);
  ck_assert_int_eq(p->exit_code, 0);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* A growing heap site with a one-frame stack (function in src/svc.c). */
static void add_heap_site(lg_result *r, const char *fn, double rate,
                          double lo, double hi) {
  lg_frame f = {(char *)fn, (char *)"/src/svc.c", NULL, 10};
  char fp[LG_FINGERPRINT_SIZE];
  lg_heap_site *s;
  lg_stack_fingerprint(&f, 1, fp, sizeof fp);
  r->heap_profile.ran = true;
  r->heap_profile.enabled = true;
  r->heap_profile.x = r->heap_profile.x ? r->heap_profile.x : strdup("requests");
  s = lg_result_add_heap_site(&r->heap_profile, fn, "/src/svc.c", 10, fp, rate,
                              lo, hi);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(lg_heap_site_add_frame(s, fn, "/src/svc.c", 10, NULL), 0);
  lg_result_finish(r);
}

/* Heap-profile sites against main's: the same site at the same rate is
 * known, one much faster has grown (baseline check fails), one main did
 * not have is new (heap_profile check fails); a stack main's Memcheck
 * reported is known across tiers. */
START_TEST(test_heap_sites) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_baseline *b;
  lg_frame f = {(char *)"from_memcheck", (char *)"/src/svc.c", NULL, 3};
  char fp[LG_FINGERPRINT_SIZE];
  size_t i;
  bt_tmpdir("heap", dir, sizeof dir);
  add_heap_site(m, "known_site", 80, 70, 90);
  add_heap_site(m, "faster_site", 40, 35, 45);
  /* main's Memcheck saw a definite leak at from_memcheck */
  lg_leak_fingerprint("definite", &f, 1, fp, sizeof fp);
  add_leak(m, "definite", 1000, fp, "from_memcheck");
  memcheck_ran(m);
  b = baseline_of(m, "b.json");

  add_heap_site(p, "known_site", 82, 72, 92);
  add_heap_site(p, "faster_site", 400, 360, 440);
  add_heap_site(p, "new_site", 64, 50, 78);
  add_heap_site(p, "from_memcheck", 16.5, 16.1, 17);
  ck_assert_int_eq(bt_check(p, "heap_profile")->status, LG_CHECK_FAIL);
  bt_compare(p, b, "b.json", false);
  for (i = 0; i < p->heap_profile.n_sites; i++) {
    const lg_heap_site *s = &p->heap_profile.growing_sites[i];
    bool want = strcmp(s->function, "known_site") == 0 ||
                strcmp(s->function, "from_memcheck") == 0;
    ck_assert_msg(s->known == want, "%s: known %d", s->function, s->known);
  }
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 1);
  ck_assert_str_eq(p->baseline.grown_leaks[0],
                   p->heap_profile.growing_sites[1].fingerprint);
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "faster_site"));
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "2 growing sites known"));
  ck_assert_int_eq(bt_check(p, "heap_profile")->status, LG_CHECK_FAIL);
  lg_result_free(p);

  /* only known sites: the heap_profile check passes */
  p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  add_heap_site(p, "known_site", 78, 68, 88);
  add_heap_site(p, "faster_site", 41, 36, 46);
  bt_compare(p, b, "b.json", false);
  ck_assert(p->heap_profile.growing_sites[0].known);
  ck_assert(p->heap_profile.growing_sites[1].known);
  ck_assert_int_eq(bt_check(p, "heap_profile")->status, LG_CHECK_PASS);
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_PASS);
  ck_assert_int_eq(p->exit_code, 0);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* The allowance scales with the run's requests (never down) and the
 * explicit tolerance replaces the 25% default. */
START_TEST(test_memcheck_growth_scaling) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_result *p;
  lg_baseline *b;
  lg_compare_opts o;
  lg_error err;
  bt_tmpdir("scale", dir, sizeof dir);
  add_leak(m, "definite", 1000, "aaaa000000000001", "per_request");
  memcheck_ran(m);
  b = baseline_of(m, "b.json");
  /* twice the requests, 1.9x the bytes: known */
  p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 200000);
  add_leak(p, "definite", 1900, "aaaa000000000001", "per_request");
  memcheck_ran(p);
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_known_leaks, 1);
  lg_result_free(p);
  /* half the requests, the same bytes: still known (no scaling down) */
  p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 50000);
  add_leak(p, "definite", 1000, "aaaa000000000001", "per_request");
  memcheck_ran(p);
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_known_leaks, 1);
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 0);
  /* an explicit tolerance of 0 bytes: 1001 grew */
  p->memcheck.leaks[0].bytes = 1001;
  lg_compare_opts_init(&o);
  o.leak_growth_tolerance = 0;
  ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), 0);
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 1);
  o.leak_growth_tolerance = 1;
  ck_assert_int_eq(lg_baseline_compare(p, b, "b.json", &o, &err), 0);
  ck_assert_uint_eq(p->baseline.n_grown_leaks, 0);
  ck_assert_uint_eq(p->baseline.n_known_leaks, 1);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* Records of one fingerprint are summed on both sides; possible leaks count
 * only when fail_on gates them. */
START_TEST(test_memcheck_sum_and_gating) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_result *p;
  lg_baseline *b;
  bt_tmpdir("sum", dir, sizeof dir);
  add_leak(m, "definite", 500, "aaaa000000000001", "f");
  add_leak(m, "definite", 500, "aaaa000000000001", "f");
  memcheck_ran(m);
  b = baseline_of(m, "b.json");
  p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  add_leak(p, "definite", 1200, "aaaa000000000001", "f");
  add_leak(p, "possible", 100, "ffff000000000006", "g");
  memcheck_ran(p);
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_known_leaks, 1); /* 1200 <= 1000 * 1.25 */
  ck_assert_uint_eq(p->baseline.n_new_leaks, 0);   /* possible: not gated */
  p->memcheck.fail_on |= LG_FAIL_POSSIBLE;
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_new_leaks, 1);
  ck_assert_str_eq(p->baseline.new_leaks[0], "ffff000000000006");
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* A baseline without a Memcheck run cannot tell new from known. */
START_TEST(test_memcheck_baseline_without_memcheck) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 0, -1, 1, 100000);
  lg_baseline *b;
  bt_tmpdir("nomc", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  add_leak(p, "definite", 64, "aaaa000000000001", "f");
  memcheck_ran(p);
  bt_compare(p, b, "b.json", false);
  ck_assert_uint_eq(p->baseline.n_new_leaks + p->baseline.n_known_leaks, 0);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "no Memcheck run"));
  ck_assert_int_eq(bt_check(p, "memcheck")->status, LG_CHECK_FAIL);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* ---- missing and incompatible ------------------------------------------ */

START_TEST(test_missing_file_policies) {
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  bt_compare(p, NULL, "nope/baseline.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NONE);
  ck_assert(p->baseline.missing);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "no baseline file "
                                                 "nope/baseline.json"));
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "baseline.missing: pass"));
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_SKIPPED);
  ck_assert_int_eq(p->exit_code, 0);
  bt_compare(p, NULL, "nope/baseline.json", true);
  ck_assert(p->baseline.missing_fails);
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_FAIL);
  ck_assert_ptr_nonnull(
      strstr(bt_check(p, "baseline")->message, "baseline.missing: fail"));
  ck_assert_int_eq(p->exit_code, 1);
  lg_result_free(p);
}
END_TEST

START_TEST(test_missing_entry_and_metric) {
  lg_result *m = bt_result("other", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  lg_baseline *b;
  bt_tmpdir("entry", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NONE);
  ck_assert(p->baseline.missing);
  ck_assert_ptr_nonnull(strstr(p->baseline.note,
                               "no entry for scenario 'svc' (it has 1: "
                               "'other')"));
  ck_assert_int_eq(p->exit_code, 0);
  bt_compare(p, b, "b.json", true);
  ck_assert_int_eq(p->exit_code, 1);
  lg_result_free(p);
  lg_baseline_free(b);

  /* many scenarios: the note lists five and says there are more */
  {
    lg_result *many[7];
    char path[700], want[128];
    size_t i;
    path_of(path, sizeof path, "many.json");
    unlink(path);
    for (i = 0; i < 7; i++) {
      char nm[16];
      snprintf(nm, sizeof nm, "s%zu", i);
      many[i] = bt_result(nm, LG_LEAK_NO_LEAK, 1, 0, 2, 1000);
    }
    bt_update(path, many, 7, 20);
    b = bt_load(path);
    p = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
    bt_compare(p, b, "many.json", false);
    snprintf(want, sizeof want,
             "(it has 7: 's0', 's1', 's2', 's3', 's4', ...)");
    ck_assert_msg(strstr(p->baseline.note, want) != NULL, "%s",
                  p->baseline.note);
    lg_result_free(p);
    lg_baseline_free(b);
    for (i = 0; i < 7; i++)
      lg_result_free(many[i]);
  }

  /* the same scenario on another metric is not comparable */
  p = bt_result("other", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  snprintf(p->analysis.metric, sizeof p->analysis.metric, "rss_bytes");
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NONE);
  ck_assert(p->baseline.missing);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "anon_bytes per requests, "
                                                 "this run rss_bytes"));
  lg_result_free(p);
  lg_baseline_free(b);
  lg_result_free(m);
}
END_TEST

START_TEST(test_other_version) {
  char path[600];
  lg_baseline *b;
  lg_result *p = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  b = bt_load(
      lg_test_src("tests/data/baseline/version2.json", path, sizeof path));
  bt_compare(p, b, path, false);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NONE);
  ck_assert(p->baseline.missing);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "baseline_version 2"));
  ck_assert_int_eq(p->exit_code, 0);
  bt_compare(p, b, path, true);
  ck_assert_int_eq(p->exit_code, 1);
  lg_result_free(p);
  lg_baseline_free(b);
}
END_TEST

/* A run without a growth analysis (the growth check already errors) gets
 * verdict none but is not "missing": the policy does not apply. */
START_TEST(test_run_without_analysis) {
  lg_result *m = bt_result("svc", LG_LEAK_NO_LEAK, 1, 0, 2, 100000);
  lg_result *p = lg_result_new();
  lg_baseline *b;
  bt_tmpdir("noan", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  p->scenario_name = strdup("svc");
  bt_compare(p, b, "b.json", true);
  ck_assert_int_eq(p->baseline.verdict, LG_BASELINE_NONE);
  ck_assert(!p->baseline.missing);
  ck_assert_ptr_nonnull(strstr(p->baseline.note, "no growth slope"));
  ck_assert_int_eq(bt_check(p, "baseline")->status, LG_CHECK_SKIPPED);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* The comparison survives result.json: the new fields round-trip and a
 * re-finished result keeps its verdict. */
START_TEST(test_result_json_roundtrip) {
  lg_result *m = bt_result("svc", LG_LEAK_LEAK, 64, 62, 66, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_LEAK, 65, 63, 67, 100000), *q = NULL;
  lg_baseline *b;
  char *text = NULL;
  size_t len;
  lg_error err;
  bt_tmpdir("rt", dir, sizeof dir);
  add_leak(m, "definite", 100, "aaaa000000000001", "f");
  add_leak(m, "definite", 100, "bbbb000000000002", "g");
  memcheck_ran(m);
  add_leak(p, "definite", 100, "aaaa000000000001", "f");
  add_leak(p, "definite", 900, "bbbb000000000002", "g");
  memcheck_ran(p);
  b = baseline_of(m, "b.json");
  bt_compare(p, b, "b.json", true);
  ck_assert_int_eq(lg_result_to_json(p, &text, &len, &err), 0);
  ck_assert_int_eq(lg_result_from_json("p.json", text, len, &q, &err), 0);
  ck_assert_uint_eq(q->baseline.n_grown_leaks, 1);
  ck_assert_str_eq(q->baseline.grown_leaks[0], "bbbb000000000002");
  ck_assert_uint_eq(q->baseline.n_known_leaks, 1);
  ck_assert_int_eq(q->baseline.baseline_leak, LG_LEAK_LEAK);
  ck_assert(q->baseline.missing_fails && !q->baseline.missing);
  lg_result_finish(q);
  ck_assert_int_eq(q->exit_code, p->exit_code);
  ck_assert_int_eq(bt_check(q, "growth")->status, LG_CHECK_PASS);
  ck_assert_int_eq(bt_check(q, "baseline")->status, LG_CHECK_FAIL);
  free(text);
  lg_result_free(q);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

/* A saved result that failed for a leak main also has: compared later, the
 * stale growth reason is replaced, a reason a module added is kept. */
START_TEST(test_saved_result_reasons) {
  lg_result *m = bt_result("svc", LG_LEAK_LEAK, 64, 62, 66, 100000);
  lg_result *p = bt_result("svc", LG_LEAK_LEAK, 65, 63, 67, 100000), *q = NULL;
  lg_baseline *b;
  char *text = NULL;
  size_t len, i;
  lg_error err;
  bt_tmpdir("reasons", dir, sizeof dir);
  b = baseline_of(m, "b.json");
  ck_assert_int_eq(lg_result_add_reason(p, "fd count grew by 3"), 0);
  lg_result_finish(p);
  ck_assert_uint_eq(p->n_reasons, 2);
  ck_assert_int_eq(strncmp(p->reasons[0], "growth: ", 8), 0);
  ck_assert_int_eq(lg_result_to_json(p, &text, &len, &err), 0);
  ck_assert_int_eq(lg_result_from_json("p.json", text, len, &q, &err), 0);
  bt_compare(q, b, "b.json", false);
  ck_assert_int_eq(q->exit_code, 0);
  for (i = 0; i < q->n_reasons; i++)
    ck_assert_msg(strncmp(q->reasons[i], "growth: ", 8) != 0, "stale: %s",
                  q->reasons[i]);
  ck_assert_uint_eq(q->n_reasons, 1);
  ck_assert_str_eq(q->reasons[0], "fd count grew by 3");
  free(text);
  lg_result_free(q);
  lg_result_free(p);
  lg_result_free(m);
  lg_baseline_free(b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("baseline_compare");
  TCase *t = tcase_create("slope");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, test_b1_b2_pairs);
  tcase_add_test(t, test_delta_arithmetic);
  tcase_add_test(t, test_each_side_own_level);
  tcase_add_test(t, test_history_band);
  tcase_add_test(t, test_history_band_value);
  tcase_add_test(t, test_history_main_moved);
  tcase_add_test(t, test_leak_on_both_sides);
  suite_add_tcase(s, t);
  t = tcase_create("memcheck");
  tcase_add_test(t, test_memcheck_new_known_grown);
  tcase_add_test(t, test_memcheck_growth_scaling);
  tcase_add_test(t, test_memcheck_sum_and_gating);
  tcase_add_test(t, test_memcheck_baseline_without_memcheck);
  suite_add_tcase(s, t);
  t = tcase_create("missing");
  tcase_add_test(t, test_missing_file_policies);
  tcase_add_test(t, test_missing_entry_and_metric);
  tcase_add_test(t, test_other_version);
  tcase_add_test(t, test_run_without_analysis);
  tcase_add_test(t, test_result_json_roundtrip);
  tcase_add_test(t, test_saved_result_reasons);
  tcase_add_test(t, test_heap_sites);
  suite_add_tcase(s, t);
  return lg_test_run(s);
}
