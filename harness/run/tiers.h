/* run/tiers.h - the stages after the RSS session: the Valgrind tiers
 * (Memcheck, Massif: separate reduced-load sessions) and the baseline
 * comparison. Each records what it found, or why it could not run, in the
 * result; none of them aborts the run. */
#ifndef LG_RUN_TIERS_H
#define LG_RUN_TIERS_H

#include <leakgate/leakgate.h>

#include "run/session.h"

/* Run the enabled Valgrind tiers (per valgrind.mode) and fill r->memcheck
 * and r->massif, each with the requests its own run completed. The main
 * run's completed requests (r->load.requests) size the reduced load: a
 * request budget for every phase, closed-model ones included. */
void lg__run_tiers(lg_result *r, const lg_scenario *sc, const char *out_dir,
                   const lg_run_opts *o);

/* The scenario's analysis settings (tolerance, confidence, warm-up), the
 * same for the RSS series and Massif's heap series. */
void lg__run_analysis_opts(const lg_scenario *sc, lg_analysis_opts *ao);

/* The samples.csv column analysis.metric judges: "anon_bytes" for heap
 * (Massif's heap is judged in the heap tier). The run, its early-stop
 * looks and its live looks all read this one. */
const char *lg__run_metric_column(lg_metric m);

/* The tolerance where the x-axis is time, in bytes per second, into *tol:
 * analysis.tolerance_per_second when written; else analysis.tolerance times
 * the requests load (NULL: none yet) attempted per second (a service that
 * answered every request with an error still did the work); else
 * lg_time_tolerance of limit_bytes (the enforced limit; NAN or 0: the
 * scenario's container.memory) over analysis.max_time_to_limit (else 24 h).
 * A derived one is explained in why (else ""). 0, or -1 when no limit is
 * known either (*tol NAN). The run, its early-stop looks and its live
 * looks all judge an exec scenario with this one tolerance. */
int lg__run_time_tolerance(const lg_scenario *sc, const lg_load_result *load,
                           double limit_bytes, double *tol, char *why,
                           size_t cap);

/* The options of a look taken while the run goes (its early stop, its live
 * looks): the scenario's, memory_limit (NAN: none) and, where x is time
 * (the exec driver), the per-second tolerance the run judges with. 0, or
 * -1 when x is time and no per-second tolerance is known (no look then). */
int lg__run_look_opts(const lg_scenario *sc, double memory_limit,
                      lg_analysis_opts *ao);

/* Analyse Massif's heap series into r->massif.heap_analysis (and into
 * r->analysis when the scenario gates on analysis.metric: heap). */
void lg__run_heap_analysis(lg_result *r, const lg_scenario *sc);

/* Compare r with the baseline file and fill r->baseline. */
void lg__run_baseline(lg_result *r, const lg_scenario *sc, const char *path);

#endif
