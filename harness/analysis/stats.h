/* analysis/stats.h - the robust statistics behind lg_analyze: normal
 * quantiles, selection, Theil-Sen with Sen's rank interval inflated for AR(1)
 * noise, lag-1 autocorrelation, level shifts, the hinge scan and the BIC
 * model fits. Internal to libleakgate (tests include it directly).
 *
 * All functions are pure: no allocation unless stated, no global state, the
 * same input gives the same output. x arrays are sorted non-decreasing.
 */
#ifndef LG_ANALYSIS_STATS_H
#define LG_ANALYSIS_STATS_H

#include <leakgate/analysis.h>

#include "core/robust.h"

#include <stddef.h>

/* Quantile of the standard normal distribution (Wichura AS241, ~1e-16
 * relative error) for 0 < p < 1. */
double lg__stat_norm_ppf(double p);

/* Order statistics (lg__select, lg__median) are core/robust.h. */

/* Lag-1 autocorrelation of r[0..n) plus the small-sample bias correction
 * (1 + 3 rho)/n, clipped to [0, 0.95]. 0 when n < 3 or r is constant. */
double lg__stat_ar1_rho(const double *r, size_t n);

/* The same estimate from its sums over the centred residuals e:
 * num = sum e[i] e[i+1], den = sum e[i]^2 (for callers that compute the
 * residuals on the fly). 0 when den is not > 0. */
double lg__stat_ar1_from_sums(double num, double den, size_t n);

/* A Theil-Sen fit with Sen's confidence bounds. */
typedef struct lg_sen {
  double slope;     /* median of the pairwise slopes; NAN when no pair */
  double lo, hi;    /* one-sided bounds at the requested level; -INF / +INF
                       when the points are too few for that level */
  double intercept; /* median of y - slope * x */
  double rho;       /* autocorrelation used for the inflation */
  double var_s;     /* tie-corrected Var S, before inflation */
  double sigma;     /* 1.4826 * MAD of the residuals */
  size_t n, pairs;  /* points, pairs with distinct x */
} lg_sen;

/* Bytes of work space lg__stat_theil_sen needs for n points. */
size_t lg__stat_theil_sen_work(size_t n);

/* Theil-Sen on (x, y)[0..n). Each bound is one-sided at level conf (0.5 <
 * conf < 1). Var S is inflated by (1 + rho)/(1 - rho) with rho =
 * lg__stat_ar1_rho of the residuals, or rho_in when rho_in >= 0. work holds
 * lg__stat_theil_sen_work(n) bytes. O(n^2) time and space. */
void lg__stat_theil_sen(const double *x, const double *y, size_t n, double conf,
                        double rho_in, void *work, lg_sen *out);

/* Index at which to restart the window after the last one-off level shift:
 * a first difference with |robust z| > zthr (median and 1.4826 MAD of the
 * differences) that is not half of a spike and leaves at least min_frac of
 * the x span after it. 0 when there is none. work holds 3n doubles. O(n log n).
 */
size_t lg__stat_level_shift(const double *x, const double *y, size_t n,
                            double zthr, double min_frac, double *work);

/* The level shifts of y[0..n), found as lg__stat_level_shift finds them,
 * counted against a candidate restart: a restart followed by more shifts
 * up that add up to real growth is a staircase (growth that keeps coming,
 * as a Go heap grows), not a one-off. */
typedef struct lg_shifts {
  size_t up;         /* shifts up in the whole series */
  size_t up_after;   /* of those, at index >= from (the point after the jump) */
  size_t down;       /* shifts down where memory fell (drops: a GC, memory
                        returned at once); a slower rise is not one */
  size_t down_after; /* of those, at index >= from */
  double net_after;  /* signed sum of the jumps of every shift at index >=
                        from, up or down (a GC sawtooth's cancel out) */
} lg_shifts;

/* Count them; work holds 3n doubles. O(n log n). */
void lg__stat_shifts_after(const double *y, size_t n, double zthr, size_t from,
                           double *work, lg_shifts *out);

/* Least-squares hinge y = a + b1 x + b2 (x - c)+ scanned over c = x[k] for
 * k in [lo_frac n, hi_frac n]. */
typedef struct lg_hinge {
  size_t k;         /* index of the best break (0 when none was scanned) */
  double c;         /* x at the break */
  double a, b1, b2; /* the fit at the best break */
  double rss_linear, rss_hinge;
  double bic_linear, bic_hinge; /* n ln(RSS/n) + k ln n, k = 2 and 4 */
  double rho;      /* lg__stat_ar1_rho of the hinge fit's residuals */
  double evidence; /* BIC_linear - BIC_hinge with n replaced by
                      n_eff = n (1 - rho)/(1 + rho): autocorrelated noise
                      otherwise buys a spurious break almost half the time */
} lg_hinge;

/* Scan the hinge; O(n^2). Returns 0, or -1 when n < 8. */
int lg__stat_hinge(const double *x, const double *y, size_t n, double lo_frac,
                   double hi_frac, lg_hinge *out);

/* Fit the diagnostic models (flat, linear, saturating, saturating+linear,
 * log, power, step, hinge) by least squares, tau/s/p on grids, and score each
 * by BIC. Fills fits[] in that order and returns the index of the lowest
 * BIC. work holds 2n doubles. O(G n) per grid model. */
int lg__models_fit(const double *x, const double *y, size_t n, double *work,
                   lg_model_fit fits[LG_ANALYSIS_N_MODELS]);

#endif
