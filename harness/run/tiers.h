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
void lg_run_tiers(lg_result *r, const lg_scenario *sc, const char *out_dir,
                  const lg_run_opts *o);

/* The scenario's analysis settings (tolerance, confidence, warm-up), the
 * same for the RSS series and Massif's heap series. */
void lg_run_analysis_opts(const lg_scenario *sc, lg_analysis_opts *ao);

/* Analyse Massif's heap series into r->massif.heap_analysis (and into
 * r->analysis when the scenario gates on analysis.metric: heap). */
void lg_run_heap_analysis(lg_result *r, const lg_scenario *sc);

/* Compare r with the baseline file and fill r->baseline. */
void lg_run_baseline(lg_result *r, const lg_scenario *sc, const char *path);

#endif
