/* analysis/project.h - the verdict rule, the minimal detectable slope, the
 * x span that would decide, the time to the memory limit and the one-line
 * reason (docs/analysis.md "Verdict" and "Projections"). Internal.
 * Pure functions over the fits lg_analyze computed; no allocation.
 */
#ifndef LG_ANALYSIS_PROJECT_H
#define LG_ANALYSIS_PROJECT_H

#include "analysis/stats.h"

#include <leakgate/analysis.h>
#include <stdbool.h>

#define LG_POWER 0.90 /* power the MDS and the x needed are quoted at */

typedef struct lg_verdict_in {
  const lg_sen *W, *S; /* window and recent segment */
  double tolerance, decel;
  bool strict;
  bool accel; /* a BIC-chosen hinge where the slope rises above tolerance */
} lg_verdict_in;

/* Set a->leak, decided_by, slope, slope_lo, slope_hi and intercept:
 *   LEAK     if L_S > d, or L_W > d and b_S >= decel * b_W;
 *   NO_LEAK  if U_S < d, or (not strict) U_W < d and L_S <= U_W and no
 *            accelerating hinge;
 *   otherwise INCONCLUSIVE (LEAK is tested first). */
void lg__verdict_decide(const lg_verdict_in *in, lg_analysis *a);

typedef struct lg_project_in {
  const double *x, *t, *ymax; /* analysed points */
  size_t m, w0, s0;           /* points, window start, recent start */
  const lg_sen *W, *S;
  const lg_analysis_opts *opts;
} lg_project_in;

/* Fill mds, x_needed (inconclusive only), x_rate, slope_per_second,
 * floor_bytes, transient_bytes, time_to_limit_s and time_to_limit_min_s. */
void lg__project(const lg_project_in *in, lg_analysis *a);

/* Write a->reason from the filled analysis. */
void lg__verdict_reason(lg_analysis *a, double confidence);

/* An inconclusive run whose memory limit comes within its own length
 * (x span / x_rate) cannot be decided by running longer: the limit comes
 * first. LEAK (decided_by "limit") when even the slope's lower bound, > 0,
 * reaches the limit that soon; otherwise it stays inconclusive, x_needed
 * becomes NAN and the reason says the limit comes first. Call after
 * lg__project and lg__verdict_reason (it rewrites the reason it changes). */
void lg__verdict_limit(const lg_project_in *in, lg_analysis *a,
                       double confidence);

/* The level a model settles at: flat a, saturating a, step a + D; NAN for
 * models that grow without bound. */
double lg__model_asymptote(const lg_model_fit *f);

#endif
