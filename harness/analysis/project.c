/* analysis/project.c - verdict rule, MDS, x needed, time to limit, reason
 * (contract in project.h). Owns nothing.
 */
#include "analysis/project.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int contains(const lg_sen *f, double d) {
  return !(f->lo > d) && !(f->hi < d);
}

static void report(lg_analysis *a, const lg_sen *f, const char *by) {
  a->slope = f->slope;
  a->slope_lo = f->lo;
  a->slope_hi = f->hi;
  a->intercept = f->intercept;
  snprintf(a->decided_by, sizeof a->decided_by, "%s", by);
}

void lg__verdict_decide(const lg_verdict_in *in, lg_analysis *a) {
  const lg_sen *W = in->W, *S = in->S;
  double d = in->tolerance;
  if (S->lo > d) {
    a->leak = LG_LEAK_LEAK;
    report(a, S, "recent");
  } else if (W->lo > d && S->slope >= in->decel * W->slope) {
    a->leak = LG_LEAK_LEAK;
    report(a, W, "window");
  } else if (S->hi < d) {
    a->leak = LG_LEAK_NO_LEAK;
    report(a, S, "recent");
  } else if (!in->strict && !in->accel && W->hi < d && !(S->lo > W->hi)) {
    a->leak = LG_LEAK_NO_LEAK;
    report(a, W, "window");
  } else {
    a->leak = LG_LEAK_INCONCLUSIVE;
    /* Show the segment that holds the verdict back: the window while its
     * bounds straddle the tolerance, else the recent segment. */
    report(a, contains(W, d) ? W : S, "none");
  }
}

/* Standard error of a slope: from the Sen bounds when they are finite, else
 * the AR(1) formula sigma sqrt(12/n) sqrt(VIF) / R of note section 7. */
static double slope_se(const lg_sen *f, double span, double z) {
  if (isfinite(f->lo) && isfinite(f->hi) && f->hi > f->lo)
    return (f->hi - f->lo) / (2 * z);
  if (f->n < 2 || !(span > 0) || !isfinite(f->sigma))
    return NAN;
  return f->sigma * sqrt(12.0 / (double)f->n) *
         sqrt((1 + f->rho) / (1 - f->rho)) / span;
}

/* Factor by which the run must grow for this segment to decide, assuming
 * the true slope is the current estimate (kept at least a quarter of the
 * tolerance away from it) and SE ~ R^-3/2 (fixed sampling interval, so the
 * points grow with the run). 0 when the segment is already decided, which
 * the floor of 1.5 below then turns into "run longer". */
static double grow_factor(const lg_sen *f, double span, double d, double z,
                          double zsum) {
  double se, gap, target;
  if (!contains(f, d))
    return 0;
  se = slope_se(f, span, z);
  if (!isfinite(se) || !isfinite(f->slope))
    return INFINITY;
  gap = fabs(f->slope - d);
  if (gap < (d > 0 ? d / 4 : se / 4))
    gap = d > 0 ? d / 4 : se / 4;
  target = gap / zsum;
  if (!(target > 0))
    return INFINITY;
  return se <= target ? 1 : pow(se / target, 2.0 / 3.0);
}

/* The series' resolution in the window: the smallest non-zero step between
 * neighbouring raw values, else (a flat series) the largest power of two up
 * to a page that divides the value, else 1 byte. A noise-free series has a
 * slope standard error of 0, but a slope below one quantum over the window
 * cannot show in it: that, not 0, is the smallest detectable slope. */
static double resolution(const lg_project_in *in) {
  double q = INFINITY, v;
  size_t i;
  int k;
  for (i = in->w0 + 1; in->ymax && i < in->m; i++) {
    double d = fabs(in->ymax[i] - in->ymax[i - 1]);
    if (d > 0 && d < q)
      q = d;
  }
  if (isfinite(q))
    return q;
  v = in->ymax ? fabs(in->ymax[in->w0]) : 0;
  for (k = 12; k > 0; k--) /* 4096 down to 2 */
    if (v >= ldexp(1, k) && fmod(v, ldexp(1, k)) == 0)
      return ldexp(1, k);
  return 1;
}

void lg__project(const lg_project_in *in, lg_analysis *a) {
  const lg_analysis_opts *o = in->opts;
  const double *x = in->x;
  size_t m = in->m, i;
  double z = lg__stat_norm_ppf(o->confidence);
  double zsum = z + lg__stat_norm_ppf(LG_POWER);
  double span_w = x[m - 1] - x[in->w0], span_s = x[m - 1] - x[in->s0];
  double total = x[m - 1] - x[0], rate, head, se_w;

  se_w = slope_se(in->W, span_w, z);
  a->mds = zsum * se_w;
  if (span_w > 0 && !(a->mds >= resolution(in) / span_w))
    a->mds = resolution(in) / span_w;

  a->x_needed = NAN;
  if (a->leak == LG_LEAK_INCONCLUSIVE) {
    /* The window decides unless it already has: then the recent segment
     * is what holds the verdict back (acceleration or deceleration). */
    double f = contains(in->W, o->tolerance)
                   ? grow_factor(in->W, span_w, o->tolerance, z, zsum)
                   : grow_factor(in->S, span_s, o->tolerance, z, zsum);
    /* More data is the only advice an undecided run can get. */
    if (f < 1.5)
      f = 1.5;
    a->x_needed = isfinite(f) ? f * total : NAN;
  }

  if (isfinite(o->x_rate) && o->x_rate > 0)
    rate = o->x_rate;
  else if (strcmp(a->x, "seconds") == 0)
    rate = 1;
  else {
    double dt = in->t[m - 1] - in->t[in->w0];
    rate = isfinite(dt) && dt > 0 ? span_w / dt : NAN;
  }
  a->x_rate = rate;
  a->slope_per_second = a->slope * rate;

  /* Floor: the reported line at the last x. Transient: the largest excess of
   * any raw value over that line in the recent segment (GC peaks, noise). */
  a->floor_bytes = a->intercept + a->slope * x[m - 1];
  a->transient_bytes = 0;
  for (i = in->s0; i < m; i++) {
    double e = in->ymax[i] - (a->intercept + a->slope * x[i]);
    if (e > a->transient_bytes)
      a->transient_bytes = e;
  }
  a->time_to_limit_s = a->time_to_limit_min_s = NAN;
  if (!isfinite(o->memory_limit) || !isfinite(rate) || !(rate > 0) ||
      !isfinite(a->floor_bytes))
    return;
  head = o->memory_limit - a->floor_bytes - a->transient_bytes;
  if (head < 0)
    head = 0;
  if (a->slope > 0)
    a->time_to_limit_s = head / (a->slope * rate);
  if (a->slope_hi > 0 && isfinite(a->slope_hi))
    a->time_to_limit_min_s = head / (a->slope_hi * rate);
}

static const char *num(char *buf, size_t cap, double v) {
  if (isnan(v))
    snprintf(buf, cap, "n/a");
  else if (isinf(v))
    snprintf(buf, cap, "%sinf", v < 0 ? "-" : "+");
  else if (fabs(v) >= 1e4 && fabs(v) < 1e15) {
    /* Large counts read better whole: 3 significant digits, no exponent. */
    double p = pow(10, floor(log10(fabs(v))) - 2);
    snprintf(buf, cap, "%.0f", round(v / p) * p);
  } else
    snprintf(buf, cap, "%.3g", v);
  return buf;
}

/* The reason is bounded; cut a long one rather than overflow. */
static void set_reason(lg_analysis *a, const char *r) {
  size_t n = strlen(r);
  if (n >= sizeof a->reason)
    n = sizeof a->reason - 1;
  memcpy(a->reason, r, n);
  a->reason[n] = '\0';
}

void lg__verdict_reason(lg_analysis *a, double confidence) {
  const char *u = strcmp(a->x, "seconds") == 0 ? "B/s" : "B/request";
  const char *seg = strcmp(a->decided_by, "window") == 0 ? "window" : "recent";
  char b[32], lo[32], hi[32], d[32], mds[32], need[32], r[1024];
  double pct = confidence * 100;
  num(b, sizeof b, a->slope);
  num(lo, sizeof lo, a->slope_lo);
  num(hi, sizeof hi, a->slope_hi);
  num(d, sizeof d, a->tolerance);
  num(mds, sizeof mds, a->mds);
  num(need, sizeof need, a->x_needed);
  switch (a->leak) {
  case LG_LEAK_LEAK:
    if (strcmp(seg, "recent") == 0)
      snprintf(r, sizeof r,
               "the recent slope %s %s has a %g%% lower bound of %s, above the "
               "tolerance of %s %s",
               b, u, pct, lo, d, u);
    else
      snprintf(r, sizeof r,
               "the window slope %s %s has a %g%% lower bound of %s, above the "
               "tolerance of %s %s, and the recent slope is not decelerating",
               b, u, pct, lo, d, u);
    break;
  case LG_LEAK_NO_LEAK:
    if (strcmp(seg, "recent") == 0)
      snprintf(r, sizeof r,
               "the recent slope %s %s has a %g%% upper bound of %s, below the "
               "tolerance of %s %s",
               b, u, pct, hi, d, u);
    else
      snprintf(
          r, sizeof r,
          "the window slope %s %s has a %g%% upper bound of %s, below the "
          "tolerance of %s %s, and the recent segment does not grow faster",
          b, u, pct, hi, d, u);
    break;
  default:
    if (!isfinite(a->x_needed))
      snprintf(need, sizeof need, "more");
    snprintf(r, sizeof r,
             "the %s slope %s %s (bounds %s to %s) cannot be told from the "
             "tolerance of %s %s; the smallest detectable slope is %s %s and "
             "about %s %s in total would decide",
             a->slope == a->window_slope && a->slope_lo == a->window_lo
                 ? "window"
                 : "recent",
             b, u, lo, hi, d, u, mds, u, need,
             strcmp(a->x, "seconds") == 0 ? "seconds" : "requests");
    break;
  }
  set_reason(a, r);
}

void lg__verdict_limit(const lg_project_in *in, lg_analysis *a,
                       double confidence) {
  const char *u = strcmp(a->x, "seconds") == 0 ? "B/s" : "B/request";
  double run_s = (in->x[in->m - 1] - in->x[0]) / a->x_rate, ttl_lo;
  char b[32], lo[32], hi[32], t[32], run[32], r[1024];
  if (a->leak != LG_LEAK_INCONCLUSIVE || !(a->time_to_limit_s <= run_s))
    return;
  /* time_to_limit_s = head / (slope rate): at the lower bound it is
   * head / (lo rate). */
  ttl_lo = a->slope_lo > 0 && a->slope > 0
               ? a->time_to_limit_s * a->slope / a->slope_lo
               : INFINITY;
  num(b, sizeof b, a->slope);
  num(lo, sizeof lo, a->slope_lo);
  num(run, sizeof run, run_s);
  a->x_needed = NAN;
  if (ttl_lo <= run_s) {
    a->leak = LG_LEAK_LEAK;
    snprintf(a->decided_by, sizeof a->decided_by, "limit");
    num(t, sizeof t, ttl_lo);
    snprintf(r, sizeof r,
             "memory grows %s %s with a %g%% lower bound of %s: even at that "
             "bound it reaches the memory limit in %s s, sooner than this "
             "run's own %s s",
             b, u, confidence * 100, lo, t, run);
  } else {
    num(t, sizeof t, a->time_to_limit_s);
    num(hi, sizeof hi, a->slope_hi);
    snprintf(r, sizeof r,
             "the slope %s %s (bounds %s to %s) cannot be told from the "
             "tolerance, but the memory limit is projected %s s away, sooner "
             "than this run's own %s s: running longer would hit the limit "
             "first",
             b, u, lo, hi, t, run);
  }
  set_reason(a, r);
}

double lg__model_asymptote(const lg_model_fit *f) {
  if (strcmp(f->name, "flat") == 0 || strcmp(f->name, "saturating") == 0)
    return f->params[0];
  if (strcmp(f->name, "step") == 0)
    return f->params[0] + f->params[1];
  return NAN;
}
