/* leakgate/analysis.h - growth-model verdicts on a memory series
 * (method and reasons: docs/analysis.md).
 *
 * Pipeline: aggregate (series.h) -> pool to LG_ANALYSIS_MAX_POINTS ->
 * warm-up trim -> level-shift restart -> window W: Theil-Sen slope with Sen's
 * bounds inflated for AR(1) noise -> recent segment S (hinge by BIC on the
 * effective sample size, else last third) -> three-valued verdict against the
 * tolerance -> MDS and x needed -> time to limit -> model diagnostics.
 * Pure computation: no I/O, deterministic for the same input.
 * Ownership: lg_analysis is a plain value; lg_analyze fills it.
 */
#ifndef LEAKGATE_ANALYSIS_H
#define LEAKGATE_ANALYSIS_H

#include <leakgate/error.h>
#include <leakgate/fields.h>
#include <leakgate/series.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  LG_LEAK_UNKNOWN = 0, /* not analysed */
  LG_LEAK_NO_LEAK,
  LG_LEAK_LEAK,
  LG_LEAK_INCONCLUSIVE
} lg_leak;

typedef struct lg_analysis_opts {
  double tolerance;       /* bytes per x unit; default 16 */
  double confidence;      /* level of EACH one-sided bound (0.5 < c < 1); the
                             [lo, hi] interval is then a 2c-1 two-sided one
                             (0.99 -> each bound 1% error, a 98% interval);
                             default 0.99 */
  double warmup_fraction; /* of the x span; default 0.2 */
  double memory_limit;    /* bytes; NAN = none (no time to limit) */
  double x_rate; /* x units per second for projections; NAN = from data */
  bool strict;   /* NO_LEAK only on the recent segment's bound */
  double window_from_x; /* the warm-up fraction is taken of the x span from
                           here, and no point before it is judged (early
                           stop: where the steady phases start); 0: from
                           the first point */
  bool no_hinge;        /* the recent segment is always the last third, never
                           a break chosen by BIC (early looks: a break picked
                           among a few dozen points overstates the slope
                           after it) */
} lg_analysis_opts;

/* Fill opts with the defaults above. */
void lg_analysis_opts_init(lg_analysis_opts *o);

/* The horizon of the default per-second tolerance when none is given. */
#define LG_TOLERANCE_HORIZON_S 86400.0
/* The default tolerance where x is time and nothing converts bytes per
 * request: limit_bytes / horizon_s (LG_TOLERANCE_HORIZON_S when horizon_s is
 * NAN or not > 0), in bytes per second. Slower growth adds less than the
 * whole limit within the horizon, so it cannot fill even an empty container
 * in that time. NAN when limit_bytes is not > 0 (no limit known). */
double lg_time_tolerance(double limit_bytes, double horizon_s);

#define LG_MODEL_NAME_MAX 32
/* Diagnostic models fitted (flat, linear, saturating, saturating+linear,
 * log, power, step, hinge: the table in analysis/models.c). */
#define LG_ANALYSIS_N_MODELS 8
/* Points the slope estimators work on (Theil-Sen is O(n^2) in time and space).
 */
#define LG_ANALYSIS_MAX_POINTS 1024

typedef struct lg_model_fit {
  char name[LG_MODEL_NAME_MAX]; /* flat, linear, saturating, ... */
  double bic;
  double params[4];
} lg_model_fit;

/* The result.json `analysis` contract, in document order (row types:
 * leakgate/fields.h). Per-x-unit numbers are per request when x is
 * "requests" and per second when x is "seconds". slope and its bounds decide
 * the verdict (+-INFINITY when too few points); mds is the minimal detectable
 * slope; model the best model by BIC (diagnostic); warmup_x the x where the
 * analysed window starts and samples_used its points; time_to_limit_s comes
 * from the slope (NAN if no limit, no rate or slope <= 0; computed whatever
 * the verdict). Extensions (additive; documented in docs/analysis.md):
 * time_to_limit_min_s from the upper slope bound; the window W and recent
 * segment S slopes; recent_from_x where S starts; level_shift_x (NAN if
 * none); rho, the lag-1 autocorrelation used for W's inflation; sigma, the
 * residual noise in bytes; x_needed, the total x span that would decide an
 * inconclusive run (NAN when decided); intercept (y = intercept + slope * x
 * of the reported segment); floor_bytes, the envelope at the last x;
 * transient_bytes, the amplitude above the floor; warmup_bytes, growth
 * during warm-up (footprint, not a leak); asymptote_bytes, the saturating
 * fit's (NAN if none); x_rate, x units per second used for projections;
 * models; reason, one sentence on why this verdict; aggregate ("median" or
 * "min", the lower envelope); decided_by ("recent", "window" or "none");
 * recent_hinge, S starts at a hinge chosen by BIC; gc_period_x, the sawtooth
 * period found by the reader (NAN if none); points analysed (after
 * aggregation and pooling); staircase_steps, the shifts up of a staircase
 * whose window was kept whole (0: not one). Early stop (leakgate/early_stop.h;
 * lg_analyze leaves them false, 0 and NAN): early_stop, the verdict comes
 * from sequential looks; stopped_early, decided at a look before the data
 * ended; looks taken; look_confidence, the per-bound confidence of the
 * deciding (or last) look; decided_after_s and decided_after_x, steady
 * seconds and x units at the decision (NAN while undecided). */
#define LG_ANALYSIS_FIELDS(X, H, A)                                            \
  H(BUF, metric, "metric")                                                     \
  H(BUF, x, "x")                                                               \
  X(LEAK, leak, "leak")                                                        \
  X(NUM, slope, "slope_bytes_per_request")                                     \
  X(PAIR, slope, "slope_ci")                                                   \
  X(NUM, slope_per_second, "slope_bytes_per_second")                           \
  X(NUM, tolerance, "tolerance_bytes_per_request")                             \
  X(NUM, mds, "mds_bytes_per_request")                                         \
  H(BUF, model, "model")                                                       \
  X(NUM, warmup_x, "warmup_requests")                                          \
  X(SIZE, samples_used, "samples_used")                                        \
  X(NUM, time_to_limit_s, "time_to_limit_seconds")                             \
  X(NUM, time_to_limit_min_s, "time_to_limit_min_seconds")                     \
  X(NUM, window_slope, "window_slope")                                         \
  X(PAIR, window, "window_ci")                                                 \
  X(NUM, recent_slope, "recent_slope")                                         \
  X(PAIR, recent, "recent_ci")                                                 \
  X(NUM, recent_from_x, "recent_from_x")                                       \
  X(NUM, level_shift_x, "level_shift_x")                                       \
  X(NUM, rho, "rho")                                                           \
  X(NUM, sigma, "sigma_bytes")                                                 \
  X(NUM, x_needed, "x_needed")                                                 \
  X(NUM, intercept, "intercept_bytes")                                         \
  X(NUM, floor_bytes, "floor_bytes")                                           \
  X(NUM, transient_bytes, "transient_bytes")                                   \
  X(NUM, warmup_bytes, "warmup_bytes")                                         \
  X(NUM, asymptote_bytes, "asymptote_bytes")                                   \
  X(NUM, x_rate, "x_rate")                                                     \
  A(analysis_models, "models") /* models, n_models */                          \
  H(BUF, reason, "reason")                                                     \
  H(BUF, aggregate, "aggregate")                                               \
  H(BUF, decided_by, "decided_by")                                             \
  X(ABOOL, recent_hinge, "recent_hinge")                                       \
  X(NUM, gc_period_x, "gc_period_x")                                           \
  X(SIZE, points, "points")                                                    \
  X(SIZE, staircase_steps, "staircase_steps")                                  \
  X(ABOOL, early_stop, "early_stop")                                           \
  X(ABOOL, stopped_early, "stopped_early")                                     \
  X(SIZE, looks, "looks")                                                      \
  X(NUM, look_confidence, "look_confidence")                                   \
  X(NUM, decided_after_s, "decided_after_seconds")                             \
  X(NUM, decided_after_x, "decided_after_requests")

typedef struct lg_analysis {
  LG_ANALYSIS_FIELDS(LG_FIELD_MEMBER, LG_FIELD_NONE, LG_FIELD_NONE)
  char metric[64];
  char x[16];
  char model[LG_MODEL_NAME_MAX];
  size_t n_models;
  lg_model_fit models[LG_ANALYSIS_N_MODELS];
  char reason[256];
  char aggregate[8];  /* "median" or "min" */
  char decided_by[8]; /* "recent", "window", "limit" (inconclusive by slope,
                         but even its lower bound reaches the memory limit
                         within the run's own length) or "none" */
} lg_analysis;

/* Run the pipeline on a series. LG_EINPUT when there are too few points
 * (fewer than LG_SERIES_MIN_POINTS), a value is not finite, or x decreases or
 * never increases; LG_EUSAGE for bad options; LG_ENOMEM. Series longer than
 * LG_ANALYSIS_MAX_POINTS are pooled to that many points first. A run with
 * too few points left after the warm-up gets INCONCLUSIVE, never a guess. */
int lg_analyze(const lg_series *s, const lg_analysis_opts *opts,
               lg_analysis *out, lg_error *err);

/* The one-sided level a's bounds are at: the deciding look's under early
 * stop (stricter than the scenario's), else confidence (the run's). Inline:
 * the result and baseline modules use it without linking the analysis. */
static inline double lg_analysis_level(const lg_analysis *a,
                                       double confidence) {
  return a->early_stop && a->look_confidence > 0.5 && a->look_confidence < 1
             ? a->look_confidence
             : confidence;
}

/* "leak", "no_leak", "inconclusive" (or "unknown"). */
const char *lg_leak_name(lg_leak l);

#endif
