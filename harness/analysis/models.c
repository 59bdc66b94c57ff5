/* analysis/models.c - the hinge scan and the BIC model diagnostics
 * (contract in stats.h).
 *
 * Every model is linear in its coefficients once its shape parameter (tau,
 * s, p, the step or hinge position) is fixed, so each is fitted by ordinary
 * least squares over a grid of the shape parameter: no iterative optimiser,
 * no starting values, the same answer every time. Columns are centred and
 * scaled before solving the normal equations, which keeps byte-sized y and
 * million-request x well conditioned.
 * Owns nothing; the caller passes work space.
 */
#include "analysis/stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAXP 3  /* regressors besides the intercept */
#define GRID 48 /* values per shape-parameter grid */

/* The smallest RSS taken seriously: residuals of a billionth of the data's
 * scale. A noise-free series must not give -inf, and among exact fits the
 * one with fewer parameters must win. */
static double rss_floor(size_t n, double scale) {
  return (double)n * (1e-9 * scale) * (1e-9 * scale) + 1e-300;
}

/* BIC with the RSS floor. */
static double bic(double rss, size_t n, int k, double scale) {
  double floor = rss_floor(n, scale);
  if (!(rss > floor))
    rss = floor;
  return (double)n * log(rss / (double)n) + k * log((double)n);
}

/* OLS of y on an intercept and p columns. beta[0] is the intercept,
 * beta[1..p] the column coefficients. Returns the RSS (computed from the
 * residuals, not from the normal equations). Collinear columns get 0. */
static double ols(const double *const *cols, int p, const double *y, size_t n,
                  double *beta) {
  double mean[MAXP + 1] = {0}, sd[MAXP] = {0}, A[MAXP][MAXP + 1];
  double coef[MAXP] = {0}, rss = 0, ym;
  size_t i;
  int r, c, k;
  for (i = 0; i < n; i++)
    mean[MAXP] += y[i];
  ym = mean[MAXP] / (double)n;
  for (c = 0; c < p; c++) {
    for (i = 0; i < n; i++)
      mean[c] += cols[c][i];
    mean[c] /= (double)n;
    for (i = 0; i < n; i++)
      sd[c] += (cols[c][i] - mean[c]) * (cols[c][i] - mean[c]);
    sd[c] = sqrt(sd[c]);
  }
  memset(A, 0, sizeof A);
  for (i = 0; i < n; i++) {
    double u[MAXP];
    for (c = 0; c < p; c++)
      u[c] = sd[c] > 0 ? (cols[c][i] - mean[c]) / sd[c] : 0;
    for (r = 0; r < p; r++) {
      for (c = r; c < p; c++)
        A[r][c] += u[r] * u[c];
      A[r][p] += u[r] * (y[i] - ym);
    }
  }
  for (r = 0; r < p; r++)
    for (c = 0; c < r; c++)
      A[r][c] = A[c][r];
  /* Gaussian elimination with partial pivoting on the p x (p+1) system. */
  for (k = 0; k < p; k++) {
    int piv = k;
    for (r = k + 1; r < p; r++)
      if (fabs(A[r][k]) > fabs(A[piv][k]))
        piv = r;
    if (piv != k)
      for (c = 0; c <= p; c++) {
        double t = A[k][c];
        A[k][c] = A[piv][c];
        A[piv][c] = t;
      }
    if (fabs(A[k][k]) < 1e-10)
      continue; /* collinear (or constant) column: its coefficient stays 0 */
    for (r = k + 1; r < p; r++) {
      double f = A[r][k] / A[k][k];
      for (c = k; c <= p; c++)
        A[r][c] -= f * A[k][c];
    }
  }
  for (k = p - 1; k >= 0; k--) {
    double s = A[k][p];
    if (fabs(A[k][k]) < 1e-10)
      continue;
    for (c = k + 1; c < p; c++)
      s -= A[k][c] * coef[c];
    coef[k] = s / A[k][k];
  }
  beta[0] = ym;
  for (c = 0; c < p; c++) {
    beta[c + 1] = sd[c] > 0 ? coef[c] / sd[c] : 0;
    beta[0] -= beta[c + 1] * mean[c];
  }
  for (i = 0; i < n; i++) {
    double f = beta[0], e;
    for (c = 0; c < p; c++)
      f += beta[c + 1] * cols[c][i];
    e = y[i] - f;
    rss += e * e;
  }
  return rss;
}

static double hinge_at(const lg_hinge *h, double x) {
  return h->a + h->b1 * x + h->b2 * (x > h->c ? x - h->c : 0);
}

int lg_stat_hinge(const double *x, const double *y, size_t n, double lo_frac,
                  double hi_frac, lg_hinge *out) {
  /* Sums over the points, with x and y centred for precision; the hinge
   * column h = (x - c)+ is accumulated from the right for each c. */
  double xm = 0, ym = 0, sxx = 0, sxy = 0, syy = 0, best = INFINITY;
  size_t i, k, klo, khi;
  memset(out, 0, sizeof *out);
  out->bic_hinge = out->bic_linear = NAN;
  if (n < 8)
    return -1;
  for (i = 0; i < n; i++) {
    xm += x[i];
    ym += y[i];
  }
  xm /= (double)n;
  ym /= (double)n;
  for (i = 0; i < n; i++) {
    sxx += (x[i] - xm) * (x[i] - xm);
    sxy += (x[i] - xm) * (y[i] - ym);
    syy += (y[i] - ym) * (y[i] - ym);
  }
  out->rss_linear = sxx > 0 ? syy - sxy * sxy / sxx : syy;
  if (out->rss_linear < 0)
    out->rss_linear = 0;
  klo = (size_t)ceil(lo_frac * (double)n);
  khi = (size_t)floor(hi_frac * (double)n);
  if (klo < 2)
    klo = 2;
  if (khi > n - 3)
    khi = n - 3;
  for (k = klo; k <= khi; k++) {
    /* Regress on u = x - xm and h = (x - x[k])+, both centred. */
    double c = x[k], sh = 0, shh = 0, sxh = 0, shy = 0, hm, a11, a12, a22, b1,
           b2, det, rss;
    size_t m = 0;
    if (k > 0 && x[k] == x[k - 1])
      continue; /* the same break as the previous k */
    for (i = k; i < n; i++) {
      double h = x[i] - c;
      sh += h;
      shh += h * h;
      sxh += (x[i] - xm) * h;
      shy += h * (y[i] - ym);
      m++;
    }
    hm = sh / (double)n;
    a11 = sxx;
    a12 = sxh - 0; /* sum (x - xm)(h - hm) = sum (x - xm) h */
    a22 = shh - (double)n * hm * hm;
    det = a11 * a22 - a12 * a12;
    if (!(det > 1e-12 * a11 * a22) || m < 2)
      continue;
    b1 = (sxy * a22 - a12 * shy) / det;
    b2 = (a11 * shy - a12 * sxy) / det;
    rss = syy - b1 * sxy - b2 * shy;
    if (rss < best) {
      best = rss;
      out->k = k;
      out->c = c;
      out->b1 = b1;
      out->b2 = b2;
      out->a = ym - b1 * xm - b2 * hm;
    }
  }
  if (!isfinite(best))
    return -1;
  out->rss_hinge = best < 0 ? 0 : best;
  {
    double scale = sqrt(syy / (double)n) + fabs(ym), mean = 0, num = 0, den = 0,
           prev = 0, ne, fl;
    out->bic_linear = bic(out->rss_linear, n, 2, scale);
    out->bic_hinge = bic(out->rss_hinge, n, 4, scale);
    /* Lag-1 autocorrelation of the hinge residuals, in two passes without a
     * buffer. */
    for (i = 0; i < n; i++)
      mean += y[i] - hinge_at(out, x[i]);
    mean /= (double)n;
    for (i = 0; i < n; i++) {
      double r = y[i] - hinge_at(out, x[i]) - mean;
      den += r * r;
      if (i > 0)
        num += prev * r;
      prev = r;
    }
    out->rho = lg_stat_ar1_from_sums(num, den, n);
    ne = (double)n * (1 - out->rho) / (1 + out->rho);
    if (ne < 3)
      ne = 3;
    fl = rss_floor(n, scale);
    out->evidence =
        ne * log(fmax(out->rss_linear, fl) / fmax(out->rss_hinge, fl)) -
        2 * log(ne);
  }
  return 0;
}

static void set_fit(lg_model_fit *f, const char *name, double b, double p0,
                    double p1, double p2, double p3) {
  snprintf(f->name, sizeof f->name, "%s", name);
  f->bic = b;
  f->params[0] = p0;
  f->params[1] = p1;
  f->params[2] = p2;
  f->params[3] = p3;
}

int lg_models_fit(const double *x, const double *y, size_t n, double *work,
                  lg_model_fit fits[8]) {
  double *u = work, *g = work + n, span = x[n - 1] - x[0], beta[MAXP + 1];
  double scale = 0, ym = 0, rss, best_rss;
  const double *cols[MAXP] = {NULL, NULL, NULL};
  size_t i;
  int j, bi = 0, gi;
  lg_hinge h;

  for (i = 0; i < n; i++) {
    u[i] = x[i] - x[0]; /* models are in requests since the first point */
    ym += y[i];
  }
  ym /= (double)n;
  for (i = 0; i < n; i++)
    scale = fmax(scale, fabs(y[i]));

  /* flat: a */
  rss = ols(cols, 0, y, n, beta);
  set_fit(&fits[0], "flat", bic(rss, n, 1, scale), beta[0], NAN, NAN, NAN);

  /* linear: a + b x */
  cols[0] = u;
  rss = ols(cols, 1, y, n, beta);
  set_fit(&fits[1], "linear", bic(rss, n, 2, scale), beta[0], beta[1], NAN,
          NAN);

  /* saturating: a - c exp(-x/tau); params a, c, tau.
   * saturating+linear: a - c exp(-x/tau) + b x; params a, c, tau, b.
   * tau from span/100 to 2 span, log-spaced. */
  set_fit(&fits[2], "saturating", INFINITY, NAN, NAN, NAN, NAN);
  set_fit(&fits[3], "saturating+linear", INFINITY, NAN, NAN, NAN, NAN);
  for (gi = 0; gi < GRID; gi++) {
    double tau = span / 100 * pow(200.0, gi / (double)(GRID - 1)), b;
    for (i = 0; i < n; i++)
      g[i] = exp(-u[i] / tau);
    cols[0] = g;
    rss = ols(cols, 1, y, n, beta);
    b = bic(rss, n, 3, scale);
    if (b < fits[2].bic)
      set_fit(&fits[2], "saturating", b, beta[0], -beta[1], tau, NAN);
    cols[1] = u;
    rss = ols(cols, 2, y, n, beta);
    b = bic(rss, n, 4, scale);
    if (b < fits[3].bic)
      set_fit(&fits[3], "saturating+linear", b, beta[0], -beta[1], tau,
              beta[2]);
  }

  /* log: a + c ln(1 + x/s); params a, c, s; s from span/10^4 to span. */
  set_fit(&fits[4], "log", INFINITY, NAN, NAN, NAN, NAN);
  for (gi = 0; gi < GRID; gi++) {
    double s = span / 1e4 * pow(1e4, gi / (double)(GRID - 1)), b;
    for (i = 0; i < n; i++)
      g[i] = log1p(u[i] / s);
    cols[0] = g;
    rss = ols(cols, 1, y, n, beta);
    b = bic(rss, n, 3, scale);
    if (b < fits[4].bic)
      set_fit(&fits[4], "log", b, beta[0], beta[1], s, NAN);
  }

  /* power: a + c (x/span)^p; params a, c (per span^p), p in [0.1, 3]. */
  set_fit(&fits[5], "power", INFINITY, NAN, NAN, NAN, NAN);
  for (gi = 0; gi < GRID; gi++) {
    double p = 0.1 + 2.9 * gi / (double)(GRID - 1), b;
    for (i = 0; i < n; i++)
      g[i] = pow(u[i] / span, p);
    cols[0] = g;
    rss = ols(cols, 1, y, n, beta);
    b = bic(rss, n, 3, scale);
    if (b < fits[5].bic)
      set_fit(&fits[5], "power", b, beta[0], beta[1] / pow(span, p), p, NAN);
  }

  /* step: a + D 1[x >= x0] over every split, by running sums: O(n). */
  {
    double sl = 0, sll = 0, st = 0, stt = 0;
    size_t bk = 0;
    best_rss = INFINITY;
    for (i = 0; i < n; i++) {
      st += y[i] - ym;
      stt += (y[i] - ym) * (y[i] - ym);
    }
    for (i = 1; i < n; i++) {
      double v = y[i - 1] - ym, nl = (double)i, nr = (double)(n - i), r;
      sl += v;
      sll += v * v;
      if (x[i] == x[i - 1])
        continue;
      r = (sll - sl * sl / nl) + ((stt - sll) - (st - sl) * (st - sl) / nr);
      if (r < best_rss) {
        best_rss = r;
        bk = i;
      }
    }
    if (bk > 0) {
      double l = 0, r = 0;
      for (i = 0; i < n; i++) {
        if (i < bk)
          l += y[i];
        else
          r += y[i];
      }
      l /= (double)bk;
      r /= (double)(n - bk);
      set_fit(&fits[6], "step", bic(best_rss, n, 3, scale), l, r - l, x[bk],
              NAN);
    } else {
      set_fit(&fits[6], "step", INFINITY, NAN, NAN, NAN, NAN);
    }
  }

  /* hinge: a + b1 x + b2 (x - c)+ over 5-95% of the points. */
  if (lg_stat_hinge(x, y, n, 0.05, 0.95, &h) == 0)
    set_fit(&fits[7], "hinge", bic(h.rss_hinge, n, 4, scale), h.a, h.b1, h.b2,
            h.c);
  else
    set_fit(&fits[7], "hinge", INFINITY, NAN, NAN, NAN, NAN);

  for (j = 1; j < 8; j++)
    if (fits[j].bic < fits[bi].bic)
      bi = j;
  return bi;
}
