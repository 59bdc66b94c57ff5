/* Accuracy of lg_analyze over the synthetic corpus of issue 4 (curves T1-T11
 * of tests/tools/curves.h, 200 seeds each) and calibration of the slope
 * bounds when the true slope sits exactly on the tolerance.
 *
 * Acceptance (issue 4 / note section 10), for the default rule and for
 * strict: benign curves judged leak <= 1%; clear leaks found >= 95%; the
 * too-short noisy run passed (no_leak) <= 5%; the late leak passed <= 5%.
 * The table is printed so docs/analysis.md can quote it. */
#include "lg_test.h"

#include "../tools/curves.h"

#include <leakgate/analysis.h>
#include <string.h>

#define SEEDS 200
#define CAL_SEEDS 500

typedef struct tally {
  int leak, no_leak, inconclusive;
} tally;

static tally run_curve(int c, int strict) {
  static double x[LGC_MAX_POINTS], y[LGC_MAX_POINTS], t[LGC_MAX_POINTS];
  tally k = {0, 0, 0};
  int seed;
  for (seed = 1; seed <= SEEDS; seed++) {
    size_t n = lgc_generate(c, (uint64_t)seed, x, y, t);
    lg_series *s = NULL;
    lg_analysis a;
    lg_analysis_opts o;
    lg_error e;
    ck_assert_int_eq(
        lg_series_from_arrays(x, y, t, n, "anon_bytes", "requests", &s, &e), 0);
    lg_analysis_opts_init(&o);
    o.tolerance = LGC_TOLERANCE;
    o.strict = strict;
    ck_assert_int_eq(lg_analyze(s, &o, &a, &e), 0);
    switch (a.leak) {
    case LG_LEAK_LEAK:
      k.leak++;
      break;
    case LG_LEAK_NO_LEAK:
      k.no_leak++;
      break;
    case LG_LEAK_INCONCLUSIVE:
      k.inconclusive++;
      break;
    default:
      ck_abort_msg("%s seed %d: no verdict", lgc_curves[c].id, seed);
    }
    lg_series_free(s);
  }
  return k;
}

static void check_mode(int strict) {
  int c;
  printf("\n%s rule, %d seeds per curve, tolerance 16 B/req:\n",
         strict ? "strict" : "default", SEEDS);
  printf("%-4s %-36s %6s %8s %13s  %s\n", "id", "curve", "leak", "no_leak",
         "inconclusive", "criterion");
  for (c = 0; c < LGC_N_CURVES; c++) {
    const lgc_curve *cv = &lgc_curves[c];
    tally k = run_curve(c, strict);
    const char *crit = cv->cls == LGC_BENIGN ? "leak <= 1%"
                       : cv->cls == LGC_LEAK ? "leak >= 95%"
                                             : "no_leak <= 5%";
    printf("%-4s %-36s %5.1f%% %7.1f%% %12.1f%%  %s\n", cv->id, cv->desc,
           100.0 * k.leak / SEEDS, 100.0 * k.no_leak / SEEDS,
           100.0 * k.inconclusive / SEEDS, crit);
    switch (cv->cls) {
    case LGC_BENIGN:
      ck_assert_msg(k.leak * 100 <= SEEDS, "%s: %d leaks", cv->id, k.leak);
      break;
    case LGC_LEAK:
      ck_assert_msg(k.leak * 100 >= 95 * SEEDS, "%s: only %d leaks", cv->id,
                    k.leak);
      break;
    case LGC_NOPASS:
    case LGC_LATE:
      ck_assert_msg(k.no_leak * 100 <= 5 * SEEDS, "%s: %d passed", cv->id,
                    k.no_leak);
      break;
    }
  }
  fflush(stdout);
}

START_TEST(corpus_default) {
  check_mode(0);
}
END_TEST

START_TEST(corpus_strict) {
  check_mode(1);
}
END_TEST

START_TEST(bounds_calibrated_at_tolerance) {
  /* True slope exactly 16 B/req, sigma 4 MiB, n = 200 over 200k requests:
   * each one-sided 99% bound may exclude it about 1% of the time. The AR(1)
   * inflation must hold that as rho grows (plain Sen fails 20% at 0.8). */
  static const double rhos[] = {0, 0.5, 0.8};
  static double x[200], y[200], t[200], e[200];
  size_t r;
  printf("\ncalibration at slope = tolerance, %d seeds:\n", CAL_SEEDS);
  for (r = 0; r < 3; r++) {
    int wl = 0, wh = 0, sl = 0, sh = 0, lk = 0, nl = 0, seed, i;
    for (seed = 1; seed <= CAL_SEEDS; seed++) {
      lgc_rng g;
      lg_series *s = NULL;
      lg_analysis a;
      lg_error err;
      lgc_seed(&g, (uint64_t)seed * 7777 + r);
      lgc_ar1(&g, 4 * LGC_MIB, rhos[r], e, 200);
      for (i = 0; i < 200; i++) {
        x[i] = (i + 1) * 1000.0;
        t[i] = x[i] / LGC_RATE;
        y[i] = LGC_B0 + LGC_TOLERANCE * x[i] + e[i];
      }
      ck_assert_int_eq(lg_series_from_arrays(x, y, t, 200, "anon_bytes",
                                             "requests", &s, &err),
                       0);
      ck_assert_int_eq(lg_analyze(s, NULL, &a, &err), 0);
      wl += a.window_lo > LGC_TOLERANCE;
      wh += a.window_hi < LGC_TOLERANCE;
      sl += a.recent_lo > LGC_TOLERANCE;
      sh += a.recent_hi < LGC_TOLERANCE;
      lk += a.leak == LG_LEAK_LEAK;
      nl += a.leak == LG_LEAK_NO_LEAK;
      lg_series_free(s);
    }
    printf("rho %.1f: window lower bound above %.1f%%, upper below %.1f%%; "
           "recent %.1f%% / %.1f%%; verdict leak %.1f%%, no_leak %.1f%%\n",
           rhos[r], 100.0 * wl / CAL_SEEDS, 100.0 * wh / CAL_SEEDS,
           100.0 * sl / CAL_SEEDS, 100.0 * sh / CAL_SEEDS,
           100.0 * lk / CAL_SEEDS, 100.0 * nl / CAL_SEEDS);
    ck_assert_int_le(wl * 100, 3 * CAL_SEEDS);
    ck_assert_int_le(wh * 100, 3 * CAL_SEEDS);
    ck_assert_int_le(sl * 100, 4 * CAL_SEEDS);
    ck_assert_int_le(sh * 100, 4 * CAL_SEEDS);
    ck_assert_int_le(lk * 100, 4 * CAL_SEEDS);
    ck_assert_int_le(nl * 100, 4 * CAL_SEEDS);
  }
  fflush(stdout);
}
END_TEST

int main(void) {
  Suite *s = suite_create("analysis_accuracy");
  TCase *tc = tcase_create("corpus");
  tcase_set_timeout(tc, 240); /* about 15 s normally; ASan is slower */
  tcase_add_test(tc, corpus_default);
  tcase_add_test(tc, corpus_strict);
  tcase_add_test(tc, bounds_calibrated_at_tolerance);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
