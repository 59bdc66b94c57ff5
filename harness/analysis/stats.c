/* analysis/stats.c - quantiles, selection, Theil-Sen with Sen's interval,
 * lag-1 autocorrelation and level shifts (contract in stats.h).
 * Owns nothing: callers pass the work space; failures cannot happen beyond
 * degenerate input, which yields NAN or infinite bounds as documented.
 */
#include "analysis/stats.h"

#include "core/robust.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Polynomial c[0] + c[1] r + ... + c[7] r^7 by Horner's rule. */
static double poly7(const double *c, double r) {
  double v = c[7];
  int i;
  for (i = 6; i >= 0; i--)
    v = v * r + c[i];
  return v;
}

double lg__stat_norm_ppf(double p) {
  /* Wichura (1988), Algorithm AS 241 (PPND16): numerator and denominator
   * coefficients, lowest power first, for the central region and the two
   * tail regions. */
  static const double a[8] = {
      3.3871328727963666080e+0, 1.3314166789178437745e+2,
      1.9715909503065514427e+3, 1.3731693765509461125e+4,
      4.5921953931549871457e+4, 6.7265770927008700853e+4,
      3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static const double b[8] = {1.0,
                              4.2313330701600911252e+1,
                              6.8718700749205790830e+2,
                              5.3941960214247511077e+3,
                              2.1213794301586595867e+4,
                              3.9307895800092710610e+4,
                              2.8729085735721942674e+4,
                              5.2264952788528545610e+3};
  static const double c[8] = {
      1.42343711074968357734e+0, 4.63033784615654529590e+0,
      5.76949722146069140550e+0, 3.64784832476320460504e+0,
      1.27045825245236838258e+0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static const double d[8] = {1.0,
                              2.05319162663775882187e+0,
                              1.67638483018380384940e+0,
                              6.89767334985100004550e-1,
                              1.48103976427480074590e-1,
                              1.51986665636164571966e-2,
                              5.47593808499534494600e-4,
                              1.05075007164441684324e-9};
  static const double e[8] = {
      6.65790464350110377720e+0, 5.46378491116411436990e+0,
      1.78482653991729133580e+0, 2.96560571828504891230e-1,
      2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static const double f[8] = {1.0,
                              5.99832206555887937690e-1,
                              1.36929880922735805310e-1,
                              1.48753612908506148525e-2,
                              7.86869131145613259100e-4,
                              1.84631831751005468180e-5,
                              1.42151175831644588870e-7,
                              2.04426310338993978564e-15};
  double q = p - 0.5, r, val;
  if (!(p > 0 && p < 1))
    return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q * poly7(a, r) / poly7(b, r);
  }
  r = sqrt(-log(q < 0 ? p : 1 - p));
  if (r <= 5)
    val = poly7(c, r - 1.6) / poly7(d, r - 1.6);
  else
    val = poly7(e, r - 5) / poly7(f, r - 5);
  return q < 0 ? -val : val;
}

double lg__stat_ar1_rho(const double *r, size_t n) {
  double mean = 0, num = 0, den = 0;
  size_t i;
  if (n < 3)
    return 0;
  for (i = 0; i < n; i++)
    mean += r[i];
  mean /= (double)n;
  for (i = 0; i < n; i++) {
    den += (r[i] - mean) * (r[i] - mean);
    if (i + 1 < n)
      num += (r[i] - mean) * (r[i + 1] - mean);
  }
  return lg__stat_ar1_from_sums(num, den, n);
}

double lg__stat_ar1_from_sums(double num, double den, size_t n) {
  double rho;
  if (!(den > 0))
    return 0;
  rho = num / den;
  rho += (1 + 3 * rho) / (double)n; /* small-sample bias of the estimator */
  if (rho < 0)
    rho = 0;
  if (rho > 0.95)
    rho = 0.95;
  return rho;
}

/* Sum over runs of equal values in sorted v of t(t-1)(2t+5). */
static double tie_term(const double *v, size_t n) {
  double s = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i])
      j++;
    if (j - i > 1) {
      double t = (double)(j - i);
      s += t * (t - 1) * (2 * t + 5);
    }
    i = j;
  }
  return s;
}

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* True when the residuals are rounding: robust sigma 0 (more than half the
 * points on the line), or all values whole numbers whose steps share a
 * quantum q (the GCD of consecutive differences: 4096 for pages, 8 or 16
 * for malloc granules) and the residuals span at most 2q. O(n). A real
 * noise process spans many quanta; a leak at any resolvable slope moves by
 * many quanta per window, so neither meets this. */
static bool within_rounding(const double *y, const double *res, size_t n,
                            double sigma) {
  double lo = INFINITY, hi = -INFINITY;
  uint64_t q = 0;
  size_t i;
  if (sigma == 0)
    return true;
  for (i = 0; i < n; i++) {
    if (y[i] != floor(y[i]) || fabs(y[i]) > 9007199254740992.0)
      return false; /* not whole numbers: no quantum to speak of */
    if (i > 0)
      q = gcd_u64(q, (uint64_t)fabs(y[i] - y[i - 1]));
    lo = fmin(lo, res[i]);
    hi = fmax(hi, res[i]);
  }
  return q > 1 && hi - lo <= 2.0 * (double)q;
}

size_t lg__stat_theil_sen_work(size_t n) {
  return (n * (n - 1) / 2 + 2 * n + 1) * sizeof(double);
}

void lg__stat_theil_sen(const double *x, const double *y, size_t n, double conf,
                        double rho_in, void *work, lg_sen *out) {
  double *sl = work, *res, *tmp, b, a, nn = (double)n, c, var, vif;
  size_t i, j, np = 0;
  long lo_rank, hi_rank;

  memset(out, 0, sizeof *out);
  out->n = n;
  out->slope = out->intercept = out->sigma = NAN;
  out->lo = -INFINITY;
  out->hi = INFINITY;
  if (n < 2)
    return;
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      if (x[j] > x[i])
        sl[np++] = (y[j] - y[i]) / (x[j] - x[i]);
  out->pairs = np;
  if (np == 0)
    return;
  res = sl + n * (n - 1) / 2;
  tmp = res + n;
  b = lg__median(sl, np);
  for (i = 0; i < n; i++)
    tmp[i] = y[i] - b * x[i];
  a = lg__median(tmp, n);
  for (i = 0; i < n; i++)
    res[i] = y[i] - a - b * x[i];
  out->slope = b;
  out->intercept = a;
  for (i = 0; i < n; i++)
    tmp[i] = fabs(res[i]);
  out->sigma = 1.4826 * lg__median(tmp, n);
  /* Residuals within the measurement's rounding (a page staircase, a heap
   * curve off the line by one malloc granule) are one or two steps, whose
   * lag-1 correlation is ~1 by construction. That is rounding, not AR(1)
   * noise: inflating by it made the bounds infinite on flat page-quantised
   * runs and on exactly linear Massif heaps. The tie-corrected rank CI
   * alone is valid there. */
  if (rho_in >= 0)
    out->rho = rho_in;
  else if (within_rounding(y, res, n, out->sigma))
    out->rho = 0;
  else
    out->rho = lg__stat_ar1_rho(res, n);

  /* Sen (1968) eq. 2.6: Var S with ties in x and in y. */
  memcpy(tmp, y, n * sizeof *tmp);
  qsort(tmp, n, sizeof *tmp, lg__cmp_double);
  var = (nn * (nn - 1) * (2 * nn + 5) - tie_term(x, n) - tie_term(tmp, n)) / 18;
  if (var < 0)
    var = 0;
  out->var_s = var;
  vif = (1 + out->rho) / (1 - out->rho);
  c = lg__stat_norm_ppf(conf) * sqrt(var * vif);
  /* rho = 1, or values so large that residuals overflow to inf - inf, make c
   * infinite or NaN: the bounds stay infinite (nothing can be bounded), and
   * lround must not see it (undefined behaviour, found by fuzzing). */
  if (!isfinite(c))
    return;
  lo_rank = lround(((double)np - c) / 2) - 1;
  hi_rank = lround(((double)np + c) / 2);
  if (lo_rank >= 0)
    out->lo = lg__select(sl, np, (size_t)lo_rank);
  if (hi_rank <= (long)np - 1)
    out->hi = lg__select(sl, np, (size_t)hi_rank);
}

/* Robust z of the first differences of y[0..n) into z[0..n-1); false when
 * the differences have no scale (all equal). work holds 2n doubles. */
static bool diff_z(const double *y, size_t n, double *z, double *work) {
  double *d = work, *tmp = work + n, med, scale;
  size_t i;
  scale = lg__diff_scale(y, n, d, tmp, &med);
  if (!(scale > 0))
    return false;
  for (i = 0; i + 1 < n; i++)
    z[i] = (d[i] - med) / scale;
  return true;
}

/* Whether difference j (of n - 1) is a shift: |z| > zthr and not half of a
 * spike (an opposite jump of the same kind within two differences, which
 * makes it an outlier for Theil-Sen rather than a new level). */
static bool is_shift(const double *z, size_t n, size_t j, double zthr) {
  size_t k;
  if (!(fabs(z[j]) > zthr))
    return false;
  for (k = 1; k <= 2; k++) {
    if (j + k < n - 1 && fabs(z[j + k]) > zthr && (z[j + k] > 0) != (z[j] > 0))
      return false;
    if (j >= k && fabs(z[j - k]) > zthr && (z[j - k] > 0) != (z[j] > 0))
      return false;
  }
  return true;
}

size_t lg__stat_level_shift(const double *x, const double *y, size_t n,
                            double zthr, double min_frac, double *work) {
  double *z = work + 2 * n, span;
  size_t i, best = 0;
  if (n < 10 || !diff_z(y, n, z, work))
    return 0;
  span = x[n - 1] - x[0];
  for (i = 1; i < n; i++)
    if (is_shift(z, n, i - 1, zthr) && x[n - 1] - x[i] >= min_frac * span)
      best = i;
  return best;
}

void lg__stat_shifts_after(const double *y, size_t n, double zthr, size_t from,
                           double *work, lg_shifts *out) {
  double *z = work + 2 * n, *d = work;
  size_t i;
  memset(out, 0, sizeof *out);
  if (n < 10 || !diff_z(y, n, z, work))
    return;
  for (i = 1; i < n; i++) {
    /* A drop is memory that fell. A shift below the median difference
     * that still rose is growth that slowed (the load stalled once): in a
     * very regular leak the robust SD is near 0, and counting those as
     * drops made early stop wait for a "sawtooth" that never was. */
    bool fell = z[i - 1] < 0 && d[i - 1] < 0;
    if (!is_shift(z, n, i - 1, zthr))
      continue;
    if (z[i - 1] > 0)
      out->up++;
    else if (fell)
      out->down++;
    if (i < from)
      continue;
    if (z[i - 1] > 0)
      out->up_after++;
    else if (fell)
      out->down_after++;
    out->net_after += d[i - 1];
  }
}
