/* leakgate/early_stop.h - sequential looks at a growing memory series: stop a
 * run as soon as its verdict is decided, with the scenario's error rate kept
 * under repeated looks (method, guarantees and cost: docs/analysis.md
 * "Early stop").
 *
 * A look is lg_analyze on the rows sampled before it, judged only from where
 * the steady phases start (the first phase is the warm-up), at a stricter
 * per-bound confidence: look k spends alpha_k = a(t_k) - a(t_k-1) of
 * alpha = 1 - confidence, with a(t) = alpha t^2 (Kim-DeMets power spending)
 * and t the share of the steady time the run may last. The per-look error
 * probabilities add up to at most alpha whatever the looks' dependence
 * (a union bound), so every bound of every look holds at once with
 * probability at least 1 - alpha: the bounds form a confidence sequence.
 * Looks come at 2 s of steady load (min_s) and then every time the steady
 * time has grown by a quarter, up to 80% of the steady time the run may
 * last; a look is skipped (spends nothing) before min_s and min_x, when no
 * row came since the last one, or when the analysis cannot run yet. The
 * last look, on all the data, spends what is left.
 *
 * The same schedule serves a live run (run/early.c: the session triggers a
 * look once a row at or after its time is written, and reads samples.csv up
 * to it) and a replay (lg_early_stop_replay, `leakgate analyze
 * --early-stop`): both see the same rows, so they decide at the same look.
 * Pure computation apart from the replay's reads; deterministic.
 * Ownership: lg_early_stop is a plain value; nothing is allocated.
 */
#ifndef LEAKGATE_EARLY_STOP_H
#define LEAKGATE_EARLY_STOP_H

#include <leakgate/analysis.h>
#include <leakgate/error.h>
#include <leakgate/series.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct lg_early_stop_opts {
  double max_t; /* t_s at which the run must end (load.max_duration); the
                   information fraction is steady time / (max_t - steady
                   start). NAN: the replayed data's own end */
  double min_s; /* steady seconds before the first look; default 2 */
  double min_x; /* steady x units (requests) before the first look; default
                   1000 (not applied when x is seconds) */
} lg_early_stop_opts;

typedef struct lg_early_stop {
  lg_early_stop_opts o;
  double t0, x0;    /* where the steady phases start; NAN until set */
  double next_s;    /* steady seconds of the next scheduled look */
  size_t looks;     /* looks taken (each spent some alpha) */
  size_t last_rows; /* rows the last look saw */
  double spent;     /* share of alpha spent so far, 0..1 */
  bool decided;
  bool done;                   /* the last look (all that was left) was taken */
  double decided_s, decided_x; /* steady seconds and x at the decision */
} lg_early_stop;

/* Defaults above. */
void lg_early_stop_opts_init(lg_early_stop_opts *o);
/* Start a schedule (nothing looked at yet). */
void lg_early_stop_init(lg_early_stop *e, const lg_early_stop_opts *o);
/* The steady phases start at (t0, x0): the first row of the second phase. */
void lg_early_stop_steady(lg_early_stop *e, double t0, double x0);
/* t_s of the next scheduled look (it sees the rows with t_s below it); NAN
 * before lg_early_stop_steady, once decided, or when the next one would
 * come after 80% of the steady time (only the last look is left). */
double lg_early_stop_next_t(const lg_early_stop *e);

/* The next scheduled look cannot be taken (its rows cannot be read into a
 * series yet: too few); move on to the one after it. */
void lg_early_stop_skip(lg_early_stop *e);

/* Take the next scheduled look (final: the last one, on all the data,
 * spending what alpha is left) on s, the rows before lg_early_stop_next_t
 * (or all rows). ao holds the scenario's options and nominal confidence.
 * Returns 1 when decided (leak or no_leak; *out then holds the verdict and
 * the early-stop fields), 0 when not (*out holds the look's analysis, or
 * the analysis of nothing when the look was skipped: out->looks tells), or
 * a negative LG_E* (a final look that cannot analyse s). */
int lg_early_stop_look(lg_early_stop *e, const lg_series *s,
                       const lg_analysis_opts *ao, bool final, lg_analysis *out,
                       lg_error *err);

/* Replay samples.csv from f (seekable; read several times) as if read live:
 * the steady start from its phase column, then each scheduled look on the
 * rows before it until one decides, else the final look on every row. so
 * picks x and metric as for lg_series_read_stream (a default metric is
 * chosen on the whole file). *out gets the deciding or final look's
 * analysis; *all, when not NULL, the series of every row (lg_series_free).
 * Errors as lg_series_read_stream and lg_analyze, naming name. */
int lg_early_stop_replay(FILE *f, const char *name, const lg_series_opts *so,
                         const lg_analysis_opts *ao,
                         const lg_early_stop_opts *eo, lg_early_stop *e,
                         lg_analysis *out, lg_series **all, lg_error *err);

#endif
