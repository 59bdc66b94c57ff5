/* analysis/analyze.c - lg_analyze: the verdict pipeline of
 * docs/analysis.md (research note growth-statistics.md section 9).
 *
 *   pool to <= LG_ANALYSIS_MAX_POINTS -> model diagnostics on everything ->
 *   warm-up trim -> level-shift restart -> window W: Theil-Sen + inflated Sen
 *   bounds -> recent segment S (hinge by BIC > 10, else last third) ->
 *   verdict -> MDS, x needed, time to limit, reason.
 *
 * Owns: the pooled copy and the work space, both freed before returning.
 * On failure *out holds only the "unknown" defaults. Deterministic.
 * Cost: O(m^2) for m <= LG_ANALYSIS_MAX_POINTS points (Theil-Sen, hinge
 * scan), a few milliseconds at m = 1024, plus O(G m) for the model grids.
 */
#include "analysis/project.h"
#include "analysis/stats.h"

#include <leakgate/analysis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_WINDOW 10    /* points after the warm-up needed for a verdict */
#define SHIFT_Z 6.0      /* robust z of a level shift */
#define SHIFT_REMAIN 0.4 /* share of the window a restart must leave */
#define STAIR_MIN 3      /* shifts up that make a staircase */
#define STAIR_RATE 2.0   /* its growth after the restart, in tolerances */
#define HINGE_BIC 10.0   /* "very strong" evidence (Kass and Raftery) */
#define HINGE_LO 0.10    /* hinge breaks scanned over 10-85% of W */
#define HINGE_HI 0.85
#define DECEL 0.5 /* b_S >= DECEL * b_W: "not decelerating" */

void lg_analysis_opts_init(lg_analysis_opts *o) {
  memset(o, 0, sizeof *o);
  o->tolerance = 16;
  o->confidence = 0.99;
  o->warmup_fraction = 0.2;
  o->memory_limit = NAN;
  o->x_rate = NAN;
  o->strict = false;
}

double lg_time_tolerance(double limit_bytes, double horizon_s) {
  if (!(limit_bytes > 0) || !isfinite(limit_bytes))
    return NAN;
  if (!(horizon_s > 0) || !isfinite(horizon_s))
    horizon_s = LG_TOLERANCE_HORIZON_S;
  return limit_bytes / horizon_s;
}

const char *lg_leak_name(lg_leak l) {
  switch (l) {
  case LG_LEAK_NO_LEAK:
    return "no_leak";
  case LG_LEAK_LEAK:
    return "leak";
  case LG_LEAK_INCONCLUSIVE:
    return "inconclusive";
  default:
    return "unknown";
  }
}

static void init_out(lg_analysis *a, const lg_series *s,
                     const lg_analysis_opts *o) {
  memset(a, 0, sizeof *a);
  a->leak = LG_LEAK_UNKNOWN;
  snprintf(a->metric, sizeof a->metric, "%s", s->metric);
  snprintf(a->x, sizeof a->x, "%s", s->x_is_seconds ? "seconds" : "requests");
  snprintf(a->aggregate, sizeof a->aggregate, "%s",
           s->aggregate == LG_AGG_MIN ? "min" : "median");
  snprintf(a->decided_by, sizeof a->decided_by, "none");
  a->slope = a->slope_lo = a->slope_hi = a->slope_per_second = NAN;
  a->tolerance = o->tolerance;
  a->mds = a->warmup_x = a->time_to_limit_s = a->time_to_limit_min_s = NAN;
  a->window_slope = a->window_lo = a->window_hi = NAN;
  a->recent_slope = a->recent_lo = a->recent_hi = a->recent_from_x = NAN;
  a->level_shift_x = a->rho = a->sigma = a->x_needed = a->intercept = NAN;
  a->floor_bytes = a->transient_bytes = a->warmup_bytes = NAN;
  a->asymptote_bytes = a->x_rate = NAN;
  a->gc_period_x = s->gc_period_x;
  a->look_confidence = a->decided_after_s = a->decided_after_x = NAN;
}

static int check_input(const lg_series *s, const lg_analysis_opts *o,
                       lg_error *err) {
  size_t i;
  if (!(o->tolerance >= 0) || !isfinite(o->tolerance))
    return lg_error_set(err, LG_EUSAGE,
                        "tolerance must be a finite number >= 0");
  if (!(o->confidence > 0.5 && o->confidence < 1))
    return lg_error_set(err, LG_EUSAGE, "confidence must be between 0.5 and 1");
  if (!(o->warmup_fraction >= 0 && o->warmup_fraction <= 0.9))
    return lg_error_set(err, LG_EUSAGE,
                        "warm-up fraction must be within 0-90%%");
  if (!(o->window_from_x >= 0) || !isfinite(o->window_from_x))
    return lg_error_set(err, LG_EUSAGE, "window start must be a finite x >= 0");
  if (s->n < LG_SERIES_MIN_POINTS)
    return lg_error_set(err, LG_EINPUT,
                        "%s: only %zu points (need at least %d)", s->metric,
                        s->n, LG_SERIES_MIN_POINTS);
  for (i = 0; i < s->n; i++) {
    if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
      return lg_error_set(err, LG_EINPUT,
                          "%s: point %zu is not a finite number", s->metric, i);
    if (i > 0 && s->x[i] < s->x[i - 1])
      return lg_error_set(err, LG_EINPUT, "%s: x decreases at point %zu",
                          s->metric, i);
  }
  if (!(s->x[s->n - 1] > s->x[0]))
    return lg_error_set(err, LG_EINPUT, "%s: x never increases", s->metric);
  return 0;
}

/* Pool runs of g consecutive points into one (mean x and t; median y, or
 * the minimum for an envelope; max of ymax) so the O(m^2) estimators see at
 * most LG_ANALYSIS_MAX_POINTS points. */
static size_t pool(const lg_series *s, double *x, double *y, double *t,
                   double *ym, double *scratch) {
  size_t g = (s->n + LG_ANALYSIS_MAX_POINTS - 1) / LG_ANALYSIS_MAX_POINTS, i, m;
  for (i = 0, m = 0; i < s->n; i += g, m++) {
    size_t e = i + g < s->n ? i + g : s->n, k, best = i;
    double sx = 0, st = 0, mx = -INFINITY;
    for (k = i; k < e; k++) {
      sx += s->x[k];
      st += s->t ? s->t[k] : NAN;
      scratch[k - i] = s->y[k];
      if (s->y[k] < s->y[best])
        best = k;
      mx = fmax(mx, s->ymax ? s->ymax[k] : s->y[k]);
    }
    if (s->aggregate == LG_AGG_MIN) {
      x[m] = s->x[best];
      y[m] = s->y[best];
      t[m] = s->t ? s->t[best] : NAN;
    } else {
      x[m] = sx / (double)(e - i);
      y[m] = lg__median(scratch, e - i);
      t[m] = st / (double)(e - i);
    }
    ym[m] = mx;
  }
  return m;
}

/* Level where a stretch starts: median y (and x) of its first 3 points
 * (few, because a warm-up is steepest right at the start). */
static void start_level(const double *x, const double *y, size_t len,
                        double *scratch, double *lx, double *ly) {
  size_t k = len < 3 ? len : 3, i;
  for (i = 0; i < k; i++)
    scratch[i] = y[i];
  *ly = lg__median(scratch, k);
  for (i = 0; i < k; i++)
    scratch[i] = x[i];
  *lx = lg__median(scratch, k);
}

int lg_analyze(const lg_series *s, const lg_analysis_opts *opts,
               lg_analysis *out, lg_error *err) {
  lg_analysis_opts defaults;
  const lg_analysis_opts *o = opts;
  double *x = NULL, *y = NULL, *t = NULL, *ym = NULL, *scr = NULL;
  void *work = NULL;
  size_t m, w0, s0, nw, cap;
  lg_sen W, S;
  lg_hinge h;
  bool accel = false;
  double rho_pool;
  int rc = 0, best;

  if (!o) {
    lg_analysis_opts_init(&defaults);
    o = &defaults;
  }
  if (!s)
    return lg_error_set(err, LG_EUSAGE, "no series");
  init_out(out, s, o);
  if ((rc = check_input(s, o, err)) != 0)
    return rc;
  cap = s->n < LG_ANALYSIS_MAX_POINTS ? s->n : LG_ANALYSIS_MAX_POINTS;
  x = malloc(cap * sizeof *x);
  y = malloc(cap * sizeof *y);
  t = malloc(cap * sizeof *t);
  ym = malloc(cap * sizeof *ym);
  scr = malloc((s->n > 3 * cap ? s->n : 3 * cap) * sizeof *scr);
  work = malloc(lg__stat_theil_sen_work(cap));
  if (!x || !y || !t || !ym || !scr || !work) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory for %zu points", cap);
    goto cleanup;
  }
  m = pool(s, x, y, t, ym, scr);
  out->points = m;

  /* Diagnostics on the whole series (warm-up included: that is its shape). */
  best = lg__models_fit(x, y, m, scr, out->models);
  out->n_models = LG_ANALYSIS_N_MODELS;
  snprintf(out->model, sizeof out->model, "%s", out->models[best].name);
  out->asymptote_bytes = lg__model_asymptote(&out->models[best]);

  /* Warm-up trim, then restart after the last one-off level shift. */
  {
    double from = o->window_from_x > x[0] ? o->window_from_x : x[0];
    double cut = from + o->warmup_fraction * (x[m - 1] - from);
    for (w0 = 0; w0 < m && x[w0] < cut; w0++)
      ;
  }
  if (m - w0 >= MIN_WINDOW) {
    size_t ls = lg__stat_level_shift(x + w0, y + w0, m - w0, SHIFT_Z,
                                     SHIFT_REMAIN, scr);
    lg_shifts sh = {0, 0, 0, 0, 0};
    if (ls > 0 && y[w0 + ls] > y[w0 + ls - 1])
      lg__stat_shifts_after(y + w0, m - w0, SHIFT_Z, ls + 1, scr, &sh);
    /* Shifts up that keep coming after the restart point are growth in
     * steps (a Go heap, slice doubling), not a one-off: restarting there
     * would throw away most of the run and leave a few steps whose
     * residuals look like rho 0.95 noise. The steps after it must add up
     * to more than STAIR_RATE times the tolerance, so the records of a
     * noisy high-water ratchet (T10: up to 1.24 times) keep their restart. */
    if (sh.up >= STAIR_MIN && sh.up_after > 0 &&
        sh.net_after > STAIR_RATE * o->tolerance * (x[m - 1] - x[w0 + ls]))
      out->staircase_steps = sh.up;
    else if (ls > 0) {
      w0 += ls;
      out->level_shift_x = x[w0];
    }
  }
  nw = m - w0;
  out->warmup_x = x[w0 < m ? w0 : m - 1];
  out->samples_used = nw;
  if (nw < MIN_WINDOW) {
    out->leak = LG_LEAK_INCONCLUSIVE;
    snprintf(out->reason, sizeof out->reason,
             "only %zu points remain after the warm-up (need %d): sample more "
             "often or run longer",
             nw, MIN_WINDOW);
    goto cleanup;
  }

  /* Window W. */
  lg__stat_theil_sen(x + w0, y + w0, nw, o->confidence, -1, work, &W);
  out->window_slope = W.slope;
  out->window_lo = W.lo;
  out->window_hi = W.hi;
  out->rho = W.rho;
  out->sigma = W.sigma;

  /* Recent segment S: after a hinge that BIC (with the effective sample
   * size) strongly prefers, else the last third of W's x span. */
  rho_pool = W.rho;
  if (!o->no_hinge &&
      lg__stat_hinge(x + w0, y + w0, nw, HINGE_LO, HINGE_HI, &h) == 0 &&
      h.evidence > HINGE_BIC) {
    rho_pool = h.rho;
    s0 = w0 + h.k;
    out->recent_hinge = true;
    /* Strong evidence that the slope rose past the tolerance at the break:
     * the window's bound must not clear the run (late-onset leaks). */
    accel = h.b2 > 0 && h.b1 + h.b2 > o->tolerance;
  } else {
    double cut = x[w0] + 2.0 / 3.0 * (x[m - 1] - x[w0]);
    for (s0 = w0; s0 < m - 1 && x[s0] < cut; s0++)
      ;
  }
  out->recent_from_x = x[s0];
  /* S reuses the noise autocorrelation estimated on all of W (around the
   * hinge when there is one): a third of the points estimates rho too
   * poorly, and an underestimate makes S's bounds overconfident. */
  lg__stat_theil_sen(x + s0, y + s0, m - s0, o->confidence, rho_pool, work, &S);
  out->recent_slope = S.slope;
  out->recent_lo = S.lo;
  out->recent_hi = S.hi;

  /* Verdict, then the numbers that explain it. */
  {
    lg_verdict_in vin = {.W = &W,
                         .S = &S,
                         .tolerance = o->tolerance,
                         .decel = DECEL,
                         .strict = o->strict,
                         .accel = accel};
    lg__verdict_decide(&vin, out);
  }
  {
    /* Warm-up footprint: growth from the first points to the start of the
     * window beyond what the window's slope explains; 0 when it explains it
     * all (a leak is not a warm-up). */
    double lx, ly, wx, wy;
    start_level(x, y, m, scr, &lx, &ly);
    start_level(x + w0, y + w0, nw, scr, &wx, &wy);
    out->warmup_bytes = wy - ly - (W.slope > 0 ? W.slope : 0) * (wx - lx);
    if (out->warmup_bytes < 0)
      out->warmup_bytes = 0;
  }
  {
    lg_project_in pin = {.x = x,
                         .t = t,
                         .ymax = ym,
                         .m = m,
                         .w0 = w0,
                         .s0 = s0,
                         .W = &W,
                         .S = &S,
                         .opts = o};
    lg__project(&pin, out);
    lg__verdict_reason(out, o->confidence);
    lg__verdict_limit(&pin, out, o->confidence);
  }

cleanup:
  free(x);
  free(y);
  free(t);
  free(ym);
  free(scr);
  free(work);
  return rc;
}
