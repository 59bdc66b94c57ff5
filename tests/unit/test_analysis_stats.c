/* Unit tests for analysis/stats.c and analysis/models.c against values
 * computed by hand (worked in the comments) and known constants. */
#include "lg_test.h"

#include "analysis/stats.h"
#include "../tools/curves.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(normal_quantiles) {
  /* Reference values: Abramowitz and Stegun table 26.5 / R qnorm. */
  ck_assert_double_eq_tol(lg__stat_norm_ppf(0.5), 0, 1e-15);
  ck_assert_double_eq_tol(lg__stat_norm_ppf(0.9), 1.2815515655446004, 1e-12);
  ck_assert_double_eq_tol(lg__stat_norm_ppf(0.975), 1.959963984540054, 1e-12);
  ck_assert_double_eq_tol(lg__stat_norm_ppf(0.99), 2.3263478740408408, 1e-12);
  ck_assert_double_eq_tol(lg__stat_norm_ppf(0.01), -2.3263478740408408, 1e-12);
  ck_assert_double_eq_tol(lg__stat_norm_ppf(1e-10), -6.361340902404056, 1e-9);
  ck_assert(isinf(lg__stat_norm_ppf(1)));
  ck_assert(isnan(lg__stat_norm_ppf(2)));
}
END_TEST

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

START_TEST(selection_matches_sort) {
  /* Random arrays, arrays of few distinct values (ties), sorted and
   * reversed input: every rank equals the sorted array's. */
  static double v[3001], w[3001], sorted[3001];
  lgc_rng g;
  size_t n, k, kind;
  lgc_seed(&g, 42);
  for (kind = 0; kind < 4; kind++) {
    for (n = 1; n <= 3001; n += 750) {
      for (k = 0; k < n; k++) {
        double u = lgc_uniform(&g);
        v[k] = kind == 0   ? u
               : kind == 1 ? floor(u * 3)
               : kind == 2 ? (double)k
                           : (double)(n - k);
      }
      memcpy(sorted, v, n * sizeof *v);
      qsort(sorted, n, sizeof *v, cmp_d);
      for (k = 0; k < n; k += 1 + n / 17) {
        memcpy(w, v, n * sizeof *v);
        ck_assert_double_eq(lg__select(w, n, k), sorted[k]);
      }
      memcpy(w, v, n * sizeof *v);
      ck_assert_double_eq(lg__median(w, n),
                          n % 2 ? sorted[n / 2]
                                : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    }
  }
}
END_TEST

START_TEST(theil_sen_by_hand) {
  /* x = 1..5, y = 1 3 2 5 4. The ten pairwise slopes, sorted:
   *   -1 -1 1/3 1/2 3/4 1 1 4/3 2 3
   * median (3/4 + 1)/2 = 0.875; intercept median(y - 0.875 x) =
   * median(0.125 1.25 -0.625 1.5 -0.375) = 0.125.
   * Var S = 5*4*15/18 = 16.667 (no ties). At one-sided 0.9, rho 0:
   * C = 1.28155 * 4.08248 = 5.2319; lower rank round((10 - C)/2) - 1 = 1
   * -> -1; upper rank round((10 + C)/2) = 8 -> 2 (0-based). scipy's
   * theilslopes(y, x, 0.8) gives the same bounds. */
  static const double x[] = {1, 2, 3, 4, 5}, y[] = {1, 3, 2, 5, 4};
  char work[1024];
  lg_sen f;
  ck_assert_uint_ge(sizeof work, lg__stat_theil_sen_work(5));
  lg__stat_theil_sen(x, y, 5, 0.9, 0, work, &f);
  ck_assert_uint_eq(f.pairs, 10);
  ck_assert_double_eq_tol(f.slope, 0.875, 1e-15);
  ck_assert_double_eq_tol(f.intercept, 0.125, 1e-15);
  ck_assert_double_eq_tol(f.var_s, 300.0 / 18, 1e-12);
  ck_assert_double_eq(f.lo, -1);
  ck_assert_double_eq(f.hi, 2);
  ck_assert_double_eq(f.rho, 0);
  /* At 0.99 the ranks fall outside 0..9: five points cannot give a 99%
   * bound, and the bounds say so instead of clamping. */
  lg__stat_theil_sen(x, y, 5, 0.99, 0, work, &f);
  ck_assert(isinf(f.lo) && f.lo < 0);
  ck_assert(isinf(f.hi) && f.hi > 0);
  /* rho 0.5 triples Var S: C = 1.28155 * sqrt(50) = 9.062, the lower rank
   * round(0.469) - 1 = -1 -> unbounded, the upper round(9.53) = 10 -> too. */
  lg__stat_theil_sen(x, y, 5, 0.9, 0.5, work, &f);
  ck_assert(isinf(f.lo) && isinf(f.hi));
  ck_assert_double_eq(f.rho, 0.5);
}
END_TEST

START_TEST(theil_sen_ties) {
  /* Ties in y: 1 1 2 2 2 3 has groups of 2 and 3:
   * Var S = (6*5*17 - 2*1*9 - 3*2*11)/18 = 426/18.
   * Ties in x: x = 1 1 2 3 4 5 drops the equal-x pair (14 pairs) and
   * subtracts 2*1*9 for the x group too. */
  static const double x1[] = {1, 2, 3, 4, 5, 6}, y1[] = {1, 1, 2, 2, 2, 3};
  static const double x2[] = {1, 1, 2, 3, 4, 5}, y2[] = {1, 2, 3, 4, 5, 6};
  char work[1024];
  lg_sen f;
  lg__stat_theil_sen(x1, y1, 6, 0.9, 0, work, &f);
  ck_assert_double_eq_tol(f.var_s, 426.0 / 18, 1e-12);
  ck_assert_uint_eq(f.pairs, 15);
  lg__stat_theil_sen(x2, y2, 6, 0.9, 0, work, &f);
  ck_assert_uint_eq(f.pairs, 14);
  ck_assert_double_eq_tol(f.var_s, (510.0 - 18) / 18, 1e-12);
  /* A flat, page-quantised series: every slope is 0, so are the bounds. */
  {
    double x[40], y[40];
    static char w2[64 * 1024];
    int i;
    for (i = 0; i < 40; i++) {
      x[i] = i * 100.0;
      y[i] = 4096.0 * 1000;
    }
    lg__stat_theil_sen(x, y, 40, 0.99, -1, w2, &f);
    ck_assert_double_eq(f.slope, 0);
    ck_assert_double_eq(f.lo, 0);
    ck_assert_double_eq(f.hi, 0);
  }
}
END_TEST

START_TEST(theil_sen_robust_to_spikes) {
  /* y = 7 x exactly, with 20% of the points spiked: the slope stays 7. */
  double x[100], y[100];
  static char work[64 * 1024];
  lg_sen f;
  int i;
  for (i = 0; i < 100; i++) {
    x[i] = i;
    y[i] = 7.0 * i + (i % 5 == 2 ? 1e6 : 0);
  }
  lg__stat_theil_sen(x, y, 100, 0.99, -1, work, &f);
  ck_assert_double_eq_tol(f.slope, 7, 1e-9);
  ck_assert_double_le(f.lo, 7);
  ck_assert_double_ge(f.hi, 7);
}
END_TEST

START_TEST(ar1_rho) {
  /* 1 2 3 4 5: deviations -2 -1 0 1 2, sum of lag products 4, of squares
   * 10 -> 0.4; bias correction (1 + 1.2)/5 = 0.44 -> 0.84. */
  static const double up[] = {1, 2, 3, 4, 5};
  /* Alternating: -0.9 - 0.17 < 0, clipped to 0. */
  static const double alt[] = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1};
  static double e[20000];
  lgc_rng g;
  ck_assert_double_eq_tol(lg__stat_ar1_rho(up, 5), 0.84, 1e-12);
  ck_assert_double_eq(lg__stat_ar1_rho(alt, 10), 0);
  ck_assert_double_eq(lg__stat_ar1_rho(up, 2), 0);
  /* A long AR(1) series recovers its rho; 0.99 is clipped to 0.95. */
  lgc_seed(&g, 7);
  lgc_ar1(&g, 1000, 0.5, e, 20000);
  ck_assert_double_eq_tol(lg__stat_ar1_rho(e, 20000), 0.5, 0.03);
  lgc_ar1(&g, 1000, 0.99, e, 20000);
  ck_assert_double_eq(lg__stat_ar1_rho(e, 20000), 0.95);
}
END_TEST

START_TEST(level_shifts) {
  double x[200], y[200], work[600];
  lgc_rng g;
  int i;
  lgc_seed(&g, 3);
  for (i = 0; i < 200; i++) {
    x[i] = 1000.0 * i;
    y[i] = 1e8 + 1000 * lgc_normal(&g);
  }
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 200, 6, 0.4, work), 0);
  /* A step at point 60 (30%): restart there. */
  for (i = 60; i < 200; i++)
    y[i] += 50000;
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 200, 6, 0.4, work), 60);
  /* A second step at 150 leaves only 25%: the restart stays at 60. */
  for (i = 150; i < 200; i++)
    y[i] += 50000;
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 200, 6, 0.4, work), 60);
  /* A spike is not a shift. */
  for (i = 60; i < 200; i++)
    y[i] -= i >= 150 ? 100000 : 50000;
  y[90] += 80000;
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 200, 6, 0.4, work), 0);
  /* Quantised ratchet: most differences exactly 0 (MAD 0), one jump. */
  for (i = 0; i < 200; i++)
    y[i] = 4096.0 * (i < 70 ? 100 : 103);
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 200, 6, 0.4, work), 70);
  ck_assert_uint_eq(lg__stat_level_shift(x, y, 9, 6, 0.4, work), 0);
}
END_TEST

START_TEST(staircase_shifts) {
  /* Steps of 50000 at points 20, 50, 90, 130 and 170 over 1000-sized noise:
   * the restart candidate is the step at 90 (the last that leaves 40%), and
   * two more steps up come after it, adding 100000. */
  double x[200], y[200], work[600];
  lg_shifts sh;
  lgc_rng g;
  int i;
  size_t ls;
  lgc_seed(&g, 5);
  for (i = 0; i < 200; i++) {
    x[i] = 1000.0 * i;
    y[i] = 1e8 + 1000 * lgc_normal(&g) + 50000.0 * (i >= 20) +
           50000.0 * (i >= 50) + 50000.0 * (i >= 90) + 50000.0 * (i >= 130) +
           50000.0 * (i >= 170);
  }
  ls = lg__stat_level_shift(x, y, 200, 6, 0.4, work);
  ck_assert_uint_eq(ls, 90);
  lg__stat_shifts_after(y, 200, 6, ls + 1, work, &sh);
  ck_assert_uint_eq(sh.up, 5);
  ck_assert_uint_eq(sh.up_after, 2);
  ck_assert_double_eq_tol(sh.net_after, 100000, 6000);
  /* A GC-like drop after the last step: the shifts after the candidate
   * cancel out (net about 0) though two of them still go up. */
  for (i = 185; i < 200; i++)
    y[i] -= 100000;
  lg__stat_shifts_after(y, 200, 6, ls + 1, work, &sh);
  ck_assert_uint_eq(sh.up_after, 2);
  ck_assert_double_eq_tol(sh.net_after, 0, 6000);
  /* Too short, or no scale: nothing. */
  lg__stat_shifts_after(y, 9, 6, 1, work, &sh);
  ck_assert_uint_eq(sh.up, 0);
  for (i = 0; i < 200; i++)
    y[i] = 5;
  lg__stat_shifts_after(y, 200, 6, 1, work, &sh);
  ck_assert_uint_eq(sh.up + sh.up_after, 0);
  ck_assert_double_eq(sh.net_after, 0);
}
END_TEST

START_TEST(hinge_scan) {
  /* Flat until x = 120 then slope 3, plus a small deterministic wiggle. */
  double x[200], y[200];
  lg_hinge h;
  int i;
  for (i = 0; i < 200; i++) {
    x[i] = i;
    y[i] = 500 + (i > 120 ? 3.0 * (i - 120) : 0) + ((i * 37) % 11 - 5) * 0.5;
  }
  ck_assert_int_eq(lg__stat_hinge(x, y, 200, 0.10, 0.85, &h), 0);
  ck_assert_double_eq_tol(h.c, 120, 2);
  ck_assert_double_eq_tol(h.b1, 0, 0.05);
  ck_assert_double_eq_tol(h.b1 + h.b2, 3, 0.05);
  ck_assert_double_gt(h.evidence, 100);
  ck_assert_double_lt(h.bic_hinge, h.bic_linear - 10);
  /* A straight line with the same wiggle: no evidence for a break. */
  for (i = 0; i < 200; i++)
    y[i] = 500 + 2.0 * i + ((i * 37) % 11 - 5) * 0.5;
  ck_assert_int_eq(lg__stat_hinge(x, y, 200, 0.10, 0.85, &h), 0);
  ck_assert_double_lt(h.evidence, 10);
  ck_assert_int_eq(lg__stat_hinge(x, y, 7, 0.10, 0.85, &h), -1);
}
END_TEST

/* Best model for a noise-light curve. */
static const char *best_model(int kind, double *asym_param) {
  static double x[300], y[300], work[600];
  static lg_model_fit fits[LG_ANALYSIS_N_MODELS];
  lgc_rng g;
  int i, b;
  lgc_seed(&g, 11 + (uint64_t)kind);
  for (i = 0; i < 300; i++) {
    double u = 1000.0 * i, v;
    switch (kind) {
    case 0:
      v = 0;
      break;
    case 1:
      v = 40 * u;
      break;
    case 2:
      v = 3e7 * (1 - exp(-u / 40000));
      break;
    case 3:
      v = 3e7 * (1 - exp(-u / 40000)) + 20 * u;
      break;
    case 4:
      v = 2e6 * log1p(u / 500);
      break;
    case 5:
      v = 3e4 * pow(u, 0.5);
      break;
    case 6:
      v = u >= 150000 ? 2e7 : 0;
      break;
    default:
      v = u > 200000 ? 100 * (u - 200000) : 0;
      break;
    }
    x[i] = u;
    y[i] = 1e8 + v + 2e4 * lgc_normal(&g);
  }
  b = lg__models_fit(x, y, 300, work, fits);
  ck_assert_str_eq(fits[0].name, "flat");
  ck_assert_str_eq(fits[7].name, "hinge");
  *asym_param = fits[b].params[0];
  return fits[b].name;
}

START_TEST(model_selection) {
  double a;
  ck_assert_str_eq(best_model(0, &a), "flat");
  ck_assert_double_eq_tol(a, 1e8, 1e4);
  ck_assert_str_eq(best_model(1, &a), "linear");
  ck_assert_str_eq(best_model(2, &a), "saturating");
  ck_assert_double_eq_tol(a, 1.3e8, 1e5); /* the asymptote */
  ck_assert_str_eq(best_model(3, &a), "saturating+linear");
  ck_assert_str_eq(best_model(4, &a), "log");
  ck_assert_str_eq(best_model(5, &a), "power");
  ck_assert_str_eq(best_model(6, &a), "step");
  ck_assert_str_eq(best_model(7, &a), "hinge");
}
END_TEST

int main(void) {
  Suite *s = suite_create("analysis_stats");
  TCase *tc = tcase_create("stats");
  tcase_add_test(tc, normal_quantiles);
  tcase_add_test(tc, selection_matches_sort);
  tcase_add_test(tc, theil_sen_by_hand);
  tcase_add_test(tc, theil_sen_ties);
  tcase_add_test(tc, theil_sen_robust_to_spikes);
  tcase_add_test(tc, ar1_rho);
  tcase_add_test(tc, level_shifts);
  tcase_add_test(tc, staircase_shifts);
  tcase_add_test(tc, hinge_scan);
  tcase_add_test(tc, model_selection);
  suite_add_tcase(s, tc);
  return lg_test_run(s);
}
