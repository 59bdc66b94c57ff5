/* analysis/early_stop.c - sequential looks with alpha spending (contract in
 * leakgate/early_stop.h; method in docs/analysis.md "Early stop").
 *
 * Why a union bound and not exact group-sequential boundaries: those assume
 * the statistic moves like a Brownian motion in information time (looks
 * correlated as sqrt(I_j / I_k)). A look here trims its own warm-up share of
 * the steady span, may restart at a level shift and judges a recent segment
 * that moves with the data, so the looks are less correlated than that, and
 * boundaries computed for more correlation would be anti-conservative. The
 * union bound holds for any dependence; it costs some power (measured by
 * bench/early_stop).
 * Owns nothing beyond a look's work space (freed before it returns); the
 * replay reads its stream once per look.
 */
#include <leakgate/early_stop.h>

#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOOK_GROWTH 1.25 /* each look at 1.25 times the last steady time */
#define SPEND_RHO 2.0    /* a(t) = alpha t^rho (Kim and DeMets power family) */
#define SHIFT_Z 6.0      /* a drop, as the level-shift rule finds shifts */
#define CYCLES_MIN 3     /* drops the window needs once one was seen */
#define LAST_SHARE 0.8   /* no scheduled look after 80% of the steady time */

void lg_early_stop_opts_init(lg_early_stop_opts *o) {
  o->max_t = NAN;
  o->min_s = 2;
  o->min_x = 1000;
}

void lg_early_stop_init(lg_early_stop *e, const lg_early_stop_opts *o) {
  memset(e, 0, sizeof *e);
  e->o = *o;
  e->t0 = e->x0 = NAN;
  e->next_s = o->min_s > 0 ? o->min_s : 0.1;
  e->decided_s = e->decided_x = NAN;
}

void lg_early_stop_steady(lg_early_stop *e, double t0, double x0) {
  e->t0 = t0;
  e->x0 = x0;
}

void lg_early_stop_skip(lg_early_stop *e) {
  e->next_s *= LOOK_GROWTH;
}

double lg_early_stop_next_t(const lg_early_stop *e) {
  double span = e->o.max_t - e->t0;
  if (isnan(e->t0) || e->decided || e->done)
    return NAN;
  /* A look near the end would see almost what the last one sees, yet take
   * its share of alpha from it: without looks in the last fifth, the last
   * look keeps 43% of alpha (z 2.63 at 0.99) instead of 10% (z 3.08). */
  if (span > 0 && e->next_s > LAST_SHARE * span)
    return NAN;
  return e->t0 + e->next_s;
}

/* A GC sawtooth seen in the data but not yet resolved: a drop somewhere in
 * s (warm-up included, where the first cycles show) while the judged window
 * holds fewer than CYCLES_MIN of them and the reader has not turned the
 * cycles into a lower envelope. A window shorter than two cycles sees a
 * rising half-cycle as growth, so such a look must not decide. */
static int sawtooth_unresolved(const lg_series *s, double window_x,
                               int *unresolved) {
  double *work;
  lg_shifts sh;
  size_t from = 0;
  *unresolved = 0;
  if (s->aggregate == LG_AGG_MIN || s->n < 10)
    return 0;
  work = malloc(3 * s->n * sizeof *work);
  if (!work)
    return LG_ENOMEM;
  while (from < s->n && s->x[from] < window_x)
    from++;
  lg__stat_shifts_after(s->y, s->n, SHIFT_Z, from, work, &sh);
  *unresolved = sh.down > 0 && sh.down_after < CYCLES_MIN;
  free(work);
  return 0;
}

int lg_early_stop_look(lg_early_stop *e, const lg_series *s,
                       const lg_analysis_opts *ao, bool final, lg_analysis *out,
                       lg_error *err) {
  lg_analysis_opts o = *ao;
  double alpha = 1 - ao->confidence, tau, span, frac, upto, spend;
  int rc, unresolved = 0;
  bool seconds = s->x_is_seconds != 0;

  memset(out, 0, sizeof *out);
  out->leak = LG_LEAK_UNKNOWN;
  out->look_confidence = out->decided_after_s = out->decided_after_x = NAN;
  if (isnan(e->t0))
    lg_early_stop_steady(e, s->steady_t, s->steady_x);
  tau = final ? s->t_end - e->t0 : e->next_s;
  span = e->o.max_t - e->t0;
  if (!final)
    lg_early_stop_skip(e); /* this look is taken now (or skipped) */
  /* The share of the run's steady time this look stands at; a look at or
   * past the end is the last one. */
  frac = span > 0 ? tau / span : NAN;
  if (!final && !(frac < 1)) {
    if (!(frac >= 1))
      return 0; /* no known end: only the final look can judge */
    final = true;
  }
  if (!final &&
      (tau < e->o.min_s || (!seconds && s->x_end - e->x0 < e->o.min_x) ||
       s->rows <= e->last_rows))
    return 0; /* not enough new evidence: skipped, nothing spent */
  upto = final ? 1 : pow(frac, SPEND_RHO);
  spend = (upto - e->spent) * alpha;
  if (!(spend > 0))
    return final ? lg_error_set(err, LG_EUSAGE, "no error rate left to spend")
                 : 0;
  o.confidence = 1 - spend;
  o.window_from_x = e->x0 > 0 ? e->x0 : 0;
  /* A break chosen by BIC among the few points of an early look selects a
   * steep-looking tail and then tests it at face value: on a clean series
   * that was every false leak the looks made (bench/early_stop). The last
   * look is the fixed-length analysis and keeps it. */
  o.no_hinge = !final;
  rc = lg_analyze(s, &o, out, err);
  if (rc != 0) {
    if (final)
      return rc;
    lg_error_clear(err);
    memset(out, 0, sizeof *out);
    out->leak = LG_LEAK_UNKNOWN;
    return 0; /* cannot analyse yet (too few points): not a look */
  }
  e->spent = upto;
  e->looks++;
  e->last_rows = s->rows;
  if (final)
    e->done = true;
  if (!final && (rc = sawtooth_unresolved(s, out->warmup_x, &unresolved)) != 0)
    return lg_error_set(err, rc, "out of memory");
  e->decided = (out->leak == LG_LEAK_LEAK || out->leak == LG_LEAK_NO_LEAK) &&
               !unresolved;
  out->early_stop = true;
  out->looks = e->looks;
  out->look_confidence = o.confidence;
  if (e->decided) {
    e->decided_s = tau;
    e->decided_x = s->x_end - e->x0;
    out->stopped_early = !final;
    out->decided_after_s = e->decided_s;
    out->decided_after_x = e->decided_x;
  }
  return e->decided ? 1 : 0;
}

/* Read f from its start into *s (rows before t_max when t_max > 0). */
static int read_until(FILE *f, const char *name, const lg_series_opts *so,
                      double t_max, lg_series **s, lg_error *err) {
  lg_series_opts o = *so;
  o.t_max = t_max;
  if (fseek(f, 0, SEEK_SET) != 0)
    return lg_error_set(err, LG_EIO, "%s: cannot read it again: not seekable",
                        name);
  return lg_series_read_stream(f, name, &o, s, err);
}

int lg_early_stop_replay(FILE *f, const char *name, const lg_series_opts *so,
                         const lg_analysis_opts *ao,
                         const lg_early_stop_opts *eo, lg_early_stop *e,
                         lg_analysis *out, lg_series **all, lg_error *err) {
  lg_series_opts o = *so;
  lg_early_stop_opts opts = *eo;
  lg_series *whole = NULL;
  int rc;

  if (all)
    *all = NULL;
  if ((rc = read_until(f, name, so, 0, &whole, err)) != 0)
    return rc;
  /* Every look reads the column the whole file chose. */
  o.metric = whole->metric;
  if (!isfinite(opts.max_t))
    opts.max_t = whole->t_end;
  lg_early_stop_init(e, &opts);
  lg_early_stop_steady(e, whole->steady_t, whole->steady_x);
  for (;;) {
    double next = lg_early_stop_next_t(e);
    lg_series *s = NULL;
    /* Live, a look runs once a row at or after its time exists. */
    if (!(next <= whole->t_end))
      break;
    rc = read_until(f, name, &o, next, &s, err);
    if (rc == LG_EINPUT) { /* too few rows yet: the look is skipped */
      lg_error_clear(err);
      lg_early_stop_skip(e);
      continue;
    }
    if (rc == 0)
      rc = lg_early_stop_look(e, s, ao, false, out, err);
    lg_series_free(s);
    if (rc < 0)
      goto cleanup;
    if (rc == 1 || e->done)
      break;
  }
  rc = 0;
  if (!e->decided && !e->done)
    rc = lg_early_stop_look(e, whole, ao, true, out, err);
  if (rc > 0)
    rc = 0;
cleanup:
  if (rc == 0 && all) {
    *all = whole;
    whole = NULL;
  }
  lg_series_free(whole);
  return rc;
}
