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

int lg__stat_hinge(const double *x, const double *y, size_t n, double lo_frac,
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
    out->rho = lg__stat_ar1_from_sums(num, den, n);
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

/* What every model's fit reads: the points, x shifted to start at 0 (models
 * are in requests since the first point), the data's scale (for BIC's
 * floor), the x span, and a column of work space for a shape column. */
typedef struct fit_in {
  const double *x, *y, *u;
  double *g;
  size_t n;
  double scale, span;
} fit_in;

/* A model with one shape parameter on a grid: y = a + c col(u; p), plus
 * b u when linear. */
typedef struct grid_model {
  double (*param)(double span, int gi); /* the gi-th shape parameter */
  double (*column)(double u, double p, double span);
  bool linear;
  /* The coefficients in the form's order, the shape parameter third. */
  void (*params)(const double *beta, double p, double span, double out[4]);
} grid_model;

typedef struct model_def {
  const char *name;
  int k; /* parameters, for BIC */
  void (*fit)(const fit_in *in, const struct model_def *m, lg_model_fit *out);
  const grid_model *grid;
} model_def;

static void set_fit(lg_model_fit *f, const char *name, double b, double p0,
                    double p1, double p2, double p3) {
  snprintf(f->name, sizeof f->name, "%s", name);
  f->bic = b;
  f->params[0] = p0;
  f->params[1] = p1;
  f->params[2] = p2;
  f->params[3] = p3;
}

/* flat (a) and linear (a + b x): k - 1 columns of u. */
static void fit_poly(const fit_in *in, const model_def *m, lg_model_fit *out) {
  const double *cols[MAXP] = {in->u, NULL, NULL};
  double beta[MAXP + 1], rss = ols(cols, m->k - 1, in->y, in->n, beta);
  set_fit(out, m->name, bic(rss, in->n, m->k, in->scale), beta[0],
          m->k > 1 ? beta[1] : NAN, NAN, NAN);
}

/* The best point of a shape-parameter grid by BIC. */
static void fit_grid(const fit_in *in, const model_def *m, lg_model_fit *out) {
  const grid_model *gm = m->grid;
  const double *cols[MAXP] = {in->g, in->u, NULL};
  double beta[MAXP + 1];
  size_t i;
  int gi;
  set_fit(out, m->name, INFINITY, NAN, NAN, NAN, NAN);
  for (gi = 0; gi < GRID; gi++) {
    double p = gm->param(in->span, gi), b;
    for (i = 0; i < in->n; i++)
      in->g[i] = gm->column(in->u[i], p, in->span);
    b = bic(ols(cols, gm->linear ? 2 : 1, in->y, in->n, beta), in->n, m->k,
            in->scale);
    if (b < out->bic) {
      out->bic = b;
      gm->params(beta, p, in->span, out->params);
    }
  }
}

/* tau from span/100 to 2 span, log-spaced. */
static double tau_at(double span, int gi) {
  return span / 100 * pow(200.0, gi / (double)(GRID - 1));
}
static double decay(double u, double tau, double span) {
  (void)span;
  return exp(-u / tau);
}
/* saturating a - c exp(-x/tau): a, c, tau; +linear: a, c, tau, b. */
static void sat_params(const double *beta, double tau, double span,
                       double out[4]) {
  (void)span;
  out[0] = beta[0];
  out[1] = -beta[1];
  out[2] = tau;
  out[3] = NAN;
}
static void satlin_params(const double *beta, double tau, double span,
                          double out[4]) {
  sat_params(beta, tau, span, out);
  out[3] = beta[2];
}
/* log: a + c ln(1 + x/s), s from span/10^4 to span. */
static double s_at(double span, int gi) {
  return span / 1e4 * pow(1e4, gi / (double)(GRID - 1));
}
static double log_col(double u, double s, double span) {
  (void)span;
  return log1p(u / s);
}
static void plain_params(const double *beta, double p, double span,
                         double out[4]) {
  (void)span;
  out[0] = beta[0];
  out[1] = beta[1];
  out[2] = p;
  out[3] = NAN;
}
/* power: a + c x^p with p in [0.1, 3], fitted on x/span for conditioning;
 * c is reported per x^p. */
static double p_at(double span, int gi) {
  (void)span;
  return 0.1 + 2.9 * gi / (double)(GRID - 1);
}
static double pow_col(double u, double p, double span) {
  return pow(u / span, p);
}
static void pow_params(const double *beta, double p, double span,
                       double out[4]) {
  plain_params(beta, p, span, out);
  out[1] = beta[1] / pow(span, p);
}

static const grid_model sat_grid = {tau_at, decay, false, sat_params};
static const grid_model satlin_grid = {tau_at, decay, true, satlin_params};
static const grid_model log_grid = {s_at, log_col, false, plain_params};
static const grid_model pow_grid = {p_at, pow_col, false, pow_params};

/* step: a + D 1[x >= x0] over every split, by running sums: O(n). */
static void fit_step(const fit_in *in, const model_def *m, lg_model_fit *out) {
  const double *x = in->x, *y = in->y;
  double sl = 0, sll = 0, st = 0, stt = 0, ym = 0, best = INFINITY, l = 0,
         r = 0;
  size_t n = in->n, i, bk = 0;
  for (i = 0; i < n; i++)
    ym += y[i];
  ym /= (double)n;
  for (i = 0; i < n; i++) {
    st += y[i] - ym;
    stt += (y[i] - ym) * (y[i] - ym);
  }
  for (i = 1; i < n; i++) {
    double v = y[i - 1] - ym, nl = (double)i, nr = (double)(n - i), rss;
    sl += v;
    sll += v * v;
    if (x[i] == x[i - 1])
      continue;
    rss = (sll - sl * sl / nl) + ((stt - sll) - (st - sl) * (st - sl) / nr);
    if (rss < best) {
      best = rss;
      bk = i;
    }
  }
  if (bk == 0) {
    set_fit(out, m->name, INFINITY, NAN, NAN, NAN, NAN);
    return;
  }
  for (i = 0; i < n; i++) {
    if (i < bk)
      l += y[i];
    else
      r += y[i];
  }
  l /= (double)bk;
  r /= (double)(n - bk);
  set_fit(out, m->name, bic(best, n, m->k, in->scale), l, r - l, x[bk], NAN);
}

/* hinge: a + b1 x + b2 (x - c)+ over 5-95% of the points. */
static void fit_hinge(const fit_in *in, const model_def *m, lg_model_fit *out) {
  lg_hinge h;
  if (lg__stat_hinge(in->x, in->y, in->n, 0.05, 0.95, &h) == 0)
    set_fit(out, m->name, bic(h.rss_hinge, in->n, m->k, in->scale), h.a, h.b1,
            h.b2, h.c);
  else
    set_fit(out, m->name, INFINITY, NAN, NAN, NAN, NAN);
}

/* The models, in the order of docs/analysis.md and result.json. */
static const model_def models[LG_ANALYSIS_N_MODELS] = {
    {"flat", 1, fit_poly, NULL},
    {"linear", 2, fit_poly, NULL},
    {"saturating", 3, fit_grid, &sat_grid},
    {"saturating+linear", 4, fit_grid, &satlin_grid},
    {"log", 3, fit_grid, &log_grid},
    {"power", 3, fit_grid, &pow_grid},
    {"step", 3, fit_step, NULL},
    {"hinge", 4, fit_hinge, NULL},
};

int lg__models_fit(const double *x, const double *y, size_t n, double *work,
                   lg_model_fit fits[LG_ANALYSIS_N_MODELS]) {
  fit_in in = {x, y, work, work + n, n, 0, x[n - 1] - x[0]};
  size_t i;
  int j, bi = 0;
  for (i = 0; i < n; i++) {
    work[i] = x[i] - x[0];
    in.scale = fmax(in.scale, fabs(y[i]));
  }
  for (j = 0; j < LG_ANALYSIS_N_MODELS; j++) {
    models[j].fit(&in, &models[j], &fits[j]);
    if (fits[j].bic < fits[bi].bic)
      bi = j;
  }
  return bi;
}
