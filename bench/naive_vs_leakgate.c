/* bench/naive_vs_leakgate.c - leakgate's verdicts against the naive leak
 * detectors on the accuracy corpus of issue 4 (tests/tools/curves.h, T1-T11,
 * 200 seeds each, tolerance 16 B/request). Peers, measured in the same run:
 *   final-initial  leak if y_last - y_first > tolerance * (x_last - x_first)
 *   OLS slope      leak if the least-squares slope over all points > tolerance
 *   OLS bound      after the 20% warm-up trim, leak if the one-sided 99%
 *                  lower bound (i.i.d. standard error) > tolerance
 *   Mann-Kendall   after the trim, leak if the one-sided tie-corrected test
 *                  finds an upward trend at p < 0.01 (any monotone drift)
 * and leakgate (lg_series_from_arrays + lg_analyze, default and strict rules).
 * Prints the share of seeds each detector calls a leak, per curve, then a
 * score: worst false-leak rate on benign curves, worst detection rate on the
 * clear leaks, and how often the too-short and late-leak runs were passed.
 * Usage: bench_naive_vs_leakgate [SEEDS]
 */
#include <leakgate/analysis.h>

#include "../harness/core/clock.h"
#include "../tests/tools/curves.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_FINAL, D_OLS, D_OLSB, D_MK, D_LG, D_LGS, N_DET };
static const char *const det_names[N_DET] = {"final-initial", "OLS slope",
                                             "OLS bound",     "Mann-Kendall",
                                             "leakgate",      "lg strict"};

static double ols_slope(const double *x, const double *y, size_t n,
                        double *se) {
  double mx = 0, my = 0, sxx = 0, sxy = 0, rss = 0, b;
  size_t i;
  for (i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= (double)n;
  my /= (double)n;
  for (i = 0; i < n; i++) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  b = sxy / sxx;
  for (i = 0; i < n; i++) {
    double e = y[i] - my - b * (x[i] - mx);
    rss += e * e;
  }
  *se = sqrt(rss / (double)(n - 2) / sxx);
  return b;
}

/* One-sided Mann-Kendall: Z > z_0.99 (with tie correction). O(n^2). */
static int mann_kendall_up(const double *y, size_t n) {
  double s = 0, var, z, ties = 0;
  size_t i, j;
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      s += (y[j] > y[i]) - (y[j] < y[i]);
  for (i = 0; i < n; i++) { /* tie groups: count equal values once per group */
    size_t t = 0;
    int first = 1;
    for (j = 0; j < n; j++) {
      if (y[j] == y[i]) {
        if (j < i)
          first = 0;
        t++;
      }
    }
    if (first && t > 1)
      ties += (double)t * (double)(t - 1) * (2.0 * (double)t + 5);
  }
  var = ((double)n * (double)(n - 1) * (2.0 * (double)n + 5) - ties) / 18;
  z = s > 0 ? (s - 1) / sqrt(var) : s < 0 ? (s + 1) / sqrt(var) : 0;
  return z > 2.3263478740408408;
}

int main(int argc, char **argv) {
  static double x[LGC_MAX_POINTS], y[LGC_MAX_POINTS], t[LGC_MAX_POINTS];
  long arg = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
  int seeds = (int)arg, flagged[LGC_N_CURVES][N_DET], passed[LGC_N_CURVES][2];
  int c, d;
  double lg_time = 0, ols_time = 0;
  if (arg < 1 || arg > 100000) {
    fprintf(stderr, "usage: bench_naive_vs_leakgate [SEEDS (1-100000)]\n");
    return 2;
  }
  memset(flagged, 0, sizeof flagged);
  memset(passed, 0, sizeof passed);
  for (c = 0; c < LGC_N_CURVES; c++) {
    int seed;
    for (seed = 1; seed <= seeds; seed++) {
      size_t n = lgc_generate(c, (uint64_t)seed, x, y, t), w0 = 0;
      double se, b, t0;
      lg_series *s = NULL;
      lg_analysis a;
      lg_analysis_opts o;
      lg_error err;
      int strict;
      while (x[w0] < x[0] + 0.2 * (x[n - 1] - x[0]))
        w0++;
      flagged[c][D_FINAL] +=
          y[n - 1] - y[0] > LGC_TOLERANCE * (x[n - 1] - x[0]);
      t0 = lg__now_s();
      b = ols_slope(x, y, n, &se);
      ols_time += lg__now_s() - t0;
      flagged[c][D_OLS] += b > LGC_TOLERANCE;
      b = ols_slope(x + w0, y + w0, n - w0, &se);
      flagged[c][D_OLSB] += b - 2.3263478740408408 * se > LGC_TOLERANCE;
      flagged[c][D_MK] += mann_kendall_up(y + w0, n - w0);
      for (strict = 0; strict <= 1; strict++) {
        t0 = lg__now_s();
        if (lg_series_from_arrays(x, y, t, n, "anon_bytes", "requests", &s,
                                  &err) != 0 ||
            (lg_analysis_opts_init(&o), o.strict = strict,
             lg_analyze(s, &o, &a, &err) != 0)) {
          fprintf(stderr, "%s seed %d: %s\n", lgc_curves[c].id, seed, err.msg);
          return 1;
        }
        lg_time += lg__now_s() - t0;
        flagged[c][strict ? D_LGS : D_LG] += a.leak == LG_LEAK_LEAK;
        passed[c][strict] += a.leak == LG_LEAK_NO_LEAK;
        lg_series_free(s);
      }
    }
  }

  printf("Share of %d seeds called a leak (tolerance 16 B/req); leakgate "
         "columns also give no_leak / inconclusive.\n\n",
         seeds);
  printf("%-4s %-34s %-7s", "id", "curve", "truth");
  for (d = 0; d < N_DET; d++)
    printf(" %13s", det_names[d]);
  printf("\n");
  for (c = 0; c < LGC_N_CURVES; c++) {
    const lgc_curve *cv = &lgc_curves[c];
    printf("%-4s %-34s %-7s", cv->id, cv->desc,
           cv->cls == LGC_BENIGN   ? "benign"
           : cv->cls == LGC_LEAK   ? "leak"
           : cv->cls == LGC_NOPASS ? "short"
                                   : "late");
    for (d = 0; d < N_DET; d++)
      printf(" %12.1f%%", 100.0 * flagged[c][d] / seeds);
    printf("\n%-47s", "");
    for (d = 0; d < D_LG; d++)
      printf(" %13s", "");
    for (d = 0; d < 2; d++) {
      int nl = passed[c][d], inc = seeds - nl - flagged[c][D_LG + d];
      char cell[32];
      snprintf(cell, sizeof cell, "%.1f/%.1f", 100.0 * nl / seeds,
               100.0 * inc / seeds);
      printf(" %13s", cell);
    }
    printf("\n");
  }

  printf("\nScore (lower is better for false leak and passed; higher for "
         "detected)\n");
  printf("%-34s", "");
  for (d = 0; d < N_DET; d++)
    printf(" %13s", det_names[d]);
  printf("\n");
  {
    const char *rows[4] = {"worst false leak, benign T2-T5,T10",
                           "worst detection, leaks T1,T6,T7,T9",
                           "T8 too short: passed", "T11 late leak: passed"};
    int r;
    for (r = 0; r < 4; r++) {
      printf("%-34s", rows[r]);
      for (d = 0; d < N_DET; d++) {
        double v = r == 1 ? 100 : 0;
        for (c = 0; c < LGC_N_CURVES; c++) {
          lgc_class k = lgc_curves[c].cls;
          double f = 100.0 * flagged[c][d] / seeds;
          /* A naive detector "passes" whatever it does not flag; leakgate
           * passes only on no_leak (inconclusive fails the build). */
          double p = d >= D_LG ? 100.0 * passed[c][d - D_LG] / seeds : 100 - f;
          if (r == 0 && k == LGC_BENIGN && f > v)
            v = f;
          if (r == 1 && k == LGC_LEAK && f < v)
            v = f;
          if (r == 2 && k == LGC_NOPASS)
            v = p;
          if (r == 3 && k == LGC_LATE)
            v = p;
        }
        printf(" %12.1f%%", v);
      }
      printf("\n");
    }
  }
  printf("\nCost: leakgate %.2f ms per run (read from arrays + analyse), OLS "
         "%.4f ms; "
         "ratio %.0fx\n",
         1e3 * lg_time / (2.0 * seeds * LGC_N_CURVES),
         1e3 * ols_time / (seeds * LGC_N_CURVES),
         (lg_time / 2) / (ols_time > 0 ? ols_time : 1e-9));
  return 0;
}
