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
  double x_rate;          /* x units per second for projections; NAN = from data */
  bool strict;            /* NO_LEAK only on the recent segment's bound */
} lg_analysis_opts;

/* Fill opts with the defaults above. */
void lg_analysis_opts_init(lg_analysis_opts *o);

#define LG_MODEL_NAME_MAX 32
/* Points the slope estimators work on (Theil-Sen is O(n^2) in time and space). */
#define LG_ANALYSIS_MAX_POINTS 1024

typedef struct lg_model_fit {
  char name[LG_MODEL_NAME_MAX]; /* flat, linear, saturating, ... */
  double bic;
  double params[4];
} lg_model_fit;

typedef struct lg_analysis {
  /* The result.json `analysis` contract. Per-x-unit numbers are per request
   * when x is "requests" and per second when x is "seconds". */
  char metric[64];
  char x[16];
  lg_leak leak;
  double slope, slope_lo, slope_hi; /* verdict-deciding slope and bounds
                                       (+-INFINITY when too few points) */
  double slope_per_second;
  double tolerance;
  double mds;                       /* minimal detectable slope */
  char model[LG_MODEL_NAME_MAX];    /* best model by BIC (diagnostic) */
  double warmup_x;                  /* x where the analysed window starts */
  size_t samples_used;              /* points in that window */
  double time_to_limit_s;     /* from the slope; NAN if no limit, no rate or
                                 slope <= 0; computed whatever the verdict */
  /* Extensions (additive; documented in docs/analysis.md). */
  double time_to_limit_min_s; /* from the upper slope bound */
  double window_slope, window_lo, window_hi;
  double recent_slope, recent_lo, recent_hi;
  double recent_from_x; /* where the recent segment starts */
  double level_shift_x; /* NAN if none */
  double rho;           /* lag-1 autocorrelation used for W's inflation */
  double sigma;         /* residual noise, bytes */
  double x_needed;      /* total x span that would decide an inconclusive
                           run (NAN when decided) */
  double intercept;     /* y = intercept + slope * x (the reported segment) */
  double floor_bytes;   /* envelope at the last x */
  double transient_bytes; /* amplitude above the floor */
  double warmup_bytes;  /* growth during warm-up (footprint, not a leak) */
  double asymptote_bytes; /* saturating fit asymptote, NAN if none */
  double x_rate;        /* x units per second used for projections */
  size_t n_models;
  lg_model_fit models[8];
  char reason[256];     /* one sentence on why this verdict */
  char aggregate[8];    /* "median" or "min" (lower envelope) */
  char decided_by[8];   /* "recent", "window", "limit" (inconclusive by
                           slope, but even its lower bound reaches the
                           memory limit within the run's own length) or
                           "none" (inconclusive) */
  bool recent_hinge;    /* recent segment starts at a hinge chosen by BIC */
  double gc_period_x;   /* sawtooth period found by the reader; NAN if none */
  size_t points;        /* points analysed (after aggregation and pooling) */
  size_t staircase_steps; /* same-way level shifts that kept coming, so the
                             window was kept whole as growth in steps; 0 when
                             the series is not a staircase */
} lg_analysis;

/* Run the pipeline on a series. LG_EINPUT when there are too few points
 * (fewer than LG_SERIES_MIN_POINTS), a value is not finite, or x decreases or
 * never increases; LG_EUSAGE for bad options; LG_ENOMEM. Series longer than
 * LG_ANALYSIS_MAX_POINTS are pooled to that many points first. A run with
 * too few points left after the warm-up gets INCONCLUSIVE, never a guess. */
int lg_analyze(const lg_series *s, const lg_analysis_opts *opts,
               lg_analysis *out, lg_error *err);

/* "leak", "no_leak", "inconclusive" (or "unknown"). */
const char *lg_leak_name(lg_leak l);

#endif
