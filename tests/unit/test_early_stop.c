/* Unit tests for analysis/early_stop.c: the look schedule and the alpha it
 * spends, the minimum evidence, the final look, the replay of a samples.csv
 * (steady start from its phase column, a look sees only the rows before
 * it), and the GC-sawtooth guard. */
#include "lg_test.h"

#include "../tools/curves.h"

#include <leakgate/early_stop.h>
#include <math.h>
#include <string.h>

/* A samples.csv in memory: 2 s warm-up + steady_s, rows every 0.1 s at
 * 2000 requests/s, anon = 64 MiB + slope * requests + AR(1) noise (sigma,
 * rho 0.5, seed 7) + a 16 MiB sawtooth of `period` requests when
 * period > 0. */
static char *make_csv(double steady_s, double slope, double period,
                      double sigma) {
  size_t rows = (size_t)((2 + steady_s) / 0.1 + 1.5), cap = rows * 96 + 128,
         len = 0, i;
  char *b = malloc(cap);
  double *e = malloc(rows * sizeof *e);
  lgc_rng g;
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_nonnull(e);
  lgc_seed(&g, 7);
  lgc_ar1(&g, sigma, 0.5, e, rows);
  len += (size_t)snprintf(b, cap,
                          "t_s,requests,rss_bytes,anon_bytes,pss_bytes,"
                          "cgroup_bytes,procs,fds,phase\n");
  for (i = 0; i < rows; i++) {
    double t = 0.1 * (double)i, x = floor(2000 * t);
    double y = LGC_B0 + slope * x + e[i] +
               (period > 0 ? 16 * LGC_MIB * fmod(x, period) / period : 0);
    len += (size_t)snprintf(b + len, cap - len,
                            "%.6f,%.0f,%.0f,%.0f,,%.0f,1,9,%s\n", t, x, y + 4e6,
                            y, y + 8e6, t < 2 ? "warmup" : "steady");
  }
  free(e);
  return b;
}

static int replay(const char *csv, double max_t, double min_x,
                  lg_early_stop *st, lg_analysis *a) {
  lg_series_opts so;
  lg_analysis_opts ao;
  lg_early_stop_opts eo;
  lg_error err;
  FILE *f = fmemopen((void *)csv, strlen(csv), "r");
  int rc;
  ck_assert_ptr_nonnull(f);
  memset(&so, 0, sizeof so);
  lg_analysis_opts_init(&ao);
  lg_early_stop_opts_init(&eo);
  eo.max_t = max_t;
  eo.min_x = min_x;
  rc = lg_early_stop_replay(f, "s.csv", &so, &ao, &eo, st, a, NULL, &err);
  ck_assert_msg(rc == 0, "%s", err.msg);
  fclose(f);
  return rc;
}

START_TEST(schedule_and_spending) {
  lg_early_stop_opts eo;
  lg_early_stop e;
  lg_early_stop_opts_init(&eo);
  ck_assert(isnan(eo.max_t));
  ck_assert_double_eq(eo.min_s, 2);
  ck_assert_double_eq(eo.min_x, 1000);
  eo.max_t = 62;
  lg_early_stop_init(&e, &eo);
  ck_assert(isnan(lg_early_stop_next_t(&e))); /* no steady start yet */
  lg_early_stop_steady(&e, 2, 4000);
  ck_assert_double_eq_tol(lg_early_stop_next_t(&e), 4, 1e-12);
  lg_early_stop_skip(&e);
  ck_assert_double_eq_tol(lg_early_stop_next_t(&e), 4.5, 1e-12);
  lg_early_stop_skip(&e);
  ck_assert_double_eq_tol(lg_early_stop_next_t(&e), 2 + 2 * 1.25 * 1.25, 1e-12);
}
END_TEST

START_TEST(leak_stops_at_the_first_look) {
  /* 64 B/request, four times the tolerance, exact as a native service's
   * anon counter is: decided at the first look (2 s of steady load), at a
   * per-bound confidence far above 0.99 (the alpha spent by a(t) = alpha
   * t^2 at t = 2/60). (With AR(1) noise, 16 points cannot give bounds that
   * strict: Sen's ranks run out, the bounds are infinite and later looks
   * decide - bench/early_stop measures how much later.) */
  char *csv = make_csv(60, 64, 0, 0);
  lg_early_stop st;
  lg_analysis a;
  double t = 2.0 / 60;
  replay(csv, 62, 1000, &st, &a);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert(a.early_stop && a.stopped_early);
  ck_assert_uint_eq(a.looks, 1);
  ck_assert_double_eq_tol(a.decided_after_s, 2, 1e-9);
  ck_assert_double_eq(a.decided_after_x, 3800); /* rows before t = 4 s */
  ck_assert_double_eq_tol(a.look_confidence, 1 - 0.01 * t * t, 1e-12);
  ck_assert_double_eq(lg_analysis_level(&a, 0.99), a.look_confidence);
  ck_assert_double_gt(a.slope_lo, 16);
  /* Only the steady rows were judged: the window starts after 2 s. */
  ck_assert_double_ge(a.warmup_x, 4000);
  free(csv);
}
END_TEST

START_TEST(undecided_run_spends_the_rest_at_the_end) {
  /* A leak exactly at the tolerance over a short steady phase: no look can
   * decide, the final look on all rows spends what is left (alpha minus
   * a(t) at the last scheduled look) and stays inconclusive. */
  char *csv = make_csv(6, 16, 0, 262144);
  lg_early_stop st;
  lg_analysis a;
  replay(csv, 8, 1000, &st, &a);
  ck_assert_int_eq(a.leak, LG_LEAK_INCONCLUSIVE);
  ck_assert(a.early_stop && !a.stopped_early);
  ck_assert(st.done && !st.decided);
  ck_assert(isnan(a.decided_after_s) && isnan(a.decided_after_x));
  ck_assert_uint_ge(a.looks, 3);
  ck_assert_double_eq(st.spent, 1);
  /* The last look's alpha is what the earlier ones left. */
  ck_assert_double_gt(a.look_confidence, 0.99);
  ck_assert_double_lt(a.look_confidence, 0.999);
  free(csv);
}
END_TEST

START_TEST(minimum_evidence_delays_the_first_look) {
  /* 9000 steady requests are 4.5 s at 2000 requests/s: the looks at 2, 2.5,
   * 3.1 and 3.9 s are skipped (spending nothing), the one at 4.9 s decides. */
  char *csv = make_csv(60, 64, 0, 0);
  lg_early_stop st;
  lg_analysis a;
  replay(csv, 62, 9000, &st, &a);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert_uint_eq(a.looks, 1);
  ck_assert_double_eq_tol(a.decided_after_s, 2 * pow(1.25, 4), 1e-9);
  free(csv);
}
END_TEST

START_TEST(sawtooth_needs_two_cycles_in_the_window) {
  /* A 16 MiB sawtooth of 4000 requests (2 s) and no leak: its first
   * drop comes in the warm-up; a look whose window holds fewer than three
   * drops sees a rising half-cycle and must not decide. The run decides
   * no_leak later, once the window spans the cycles. */
  char *csv = make_csv(60, 0, 4000, 16384);
  lg_early_stop st;
  lg_analysis a;
  replay(csv, 62, 1000, &st, &a);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert_double_ge(a.decided_after_s, 7.5);
  free(csv);
}
END_TEST

START_TEST(a_stall_is_not_a_sawtooth) {
  /* An exact 64 B/request leak whose load stalls twice (a tenth of a
   * second with a quarter of the requests, in the warm-up and early in the
   * steady phase): memory rose less there but never fell. Those smaller
   * steps are far below the median step (a regular leak's robust SD is
   * near 0), yet they are no GC drop: an early look decides. Counted as
   * drops, no look could (the sawtooth guard waited for three), as
   * e2e.early_stop's extended run waited 18 s instead of 2. */
  size_t rows = 621, cap = rows * 96 + 128, len = 0, i;
  char *csv = malloc(cap);
  lg_early_stop st;
  lg_analysis a;
  double x = 0;
  ck_assert_ptr_nonnull(csv);
  len += (size_t)snprintf(csv, cap,
                          "t_s,requests,rss_bytes,anon_bytes,pss_bytes,"
                          "cgroup_bytes,procs,fds,phase\n");
  for (i = 0; i < rows; i++) {
    double t = 0.1 * (double)i, y;
    if (i > 0)
      x += (i == 15 || i == 30) ? 50 : 200;
    y = LGC_B0 + 64 * x;
    len += (size_t)snprintf(csv + len, cap - len,
                            "%.6f,%.0f,%.0f,%.0f,,%.0f,1,9,%s\n", t, x, y + 4e6,
                            y, y + 8e6, t < 2 ? "warmup" : "steady");
  }
  replay(csv, 62, 1000, &st, &a);
  ck_assert_int_eq(a.leak, LG_LEAK_LEAK);
  ck_assert(a.stopped_early);
  /* The first look's window holds the second stall, which the level-shift
   * rule restarts after: the second look (2.5 s) decides. */
  ck_assert_uint_le(a.looks, 2);
  ck_assert_double_le(a.decided_after_s, 2.5 + 1e-9);
  free(csv);
}
END_TEST

START_TEST(look_errors) {
  lg_early_stop_opts eo;
  lg_early_stop e;
  lg_analysis_opts ao;
  lg_analysis a;
  lg_series *s = NULL;
  lg_error err;
  double x[30], y[30], t[30];
  int i;
  for (i = 0; i < 30; i++) {
    x[i] = 100.0 * i;
    t[i] = 0.1 * i;
    y[i] = 1e8;
  }
  ck_assert_int_eq(
      lg_series_from_arrays(x, y, t, 30, "anon_bytes", "requests", &s, &err),
      0);
  ck_assert_double_eq(s->steady_t, 0);
  ck_assert_double_eq_tol(s->t_end, 2.9, 1e-9);
  lg_analysis_opts_init(&ao);
  lg_early_stop_opts_init(&eo);
  /* No known end: only the final look can judge. */
  lg_early_stop_init(&e, &eo);
  ck_assert_int_eq(lg_early_stop_look(&e, s, &ao, false, &a, &err), 0);
  ck_assert_uint_eq(e.looks, 0);
  ck_assert_int_eq(lg_early_stop_look(&e, s, &ao, true, &a, &err), 1);
  ck_assert_int_eq(a.leak, LG_LEAK_NO_LEAK);
  ck_assert(!a.stopped_early && e.done);
  ck_assert(isnan(lg_early_stop_next_t(&e)));
  /* A final look with nothing left to spend is refused. */
  e.decided = false;
  ck_assert_int_eq(lg_early_stop_look(&e, s, &ao, true, &a, &err), LG_EUSAGE);
  lg_series_free(s);
}
END_TEST

int main(void) {
  Suite *s = suite_create("early_stop");
  TCase *tc = tcase_create("looks");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, schedule_and_spending);
  tcase_add_test(tc, leak_stops_at_the_first_look);
  tcase_add_test(tc, undecided_run_spends_the_rest_at_the_end);
  tcase_add_test(tc, minimum_evidence_delays_the_first_look);
  tcase_add_test(tc, sawtooth_needs_two_cycles_in_the_window);
  tcase_add_test(tc, a_stall_is_not_a_sawtooth);
  tcase_add_test(tc, look_errors);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
