/* leakgate/run.h - one scenario run end to end (DESIGN section 1):
 * container -> service -> load + sampler -> samples.csv -> analysis ->
 * Valgrind tiers -> baseline -> result model.
 *
 * The run never prints: progress goes to an optional callback on the
 * calling thread. An interrupt flag (set from a signal handler) stops the
 * load and the service, removes the container and still returns a result
 * (verdict error, reason "interrupted", samples so far kept on disk).
 * Ownership: *out is a new lg_result owned by the caller.
 */
#ifndef LEAKGATE_RUN_H
#define LEAKGATE_RUN_H

#include <leakgate/error.h>
#include <leakgate/load.h>
#include <leakgate/metrics.h>
#include <leakgate/result.h>
#include <leakgate/runtime.h>
#include <leakgate/scenario.h>
#include <stdbool.h>

typedef struct lg_progress {
  const char *scenario;
  const char *stage;  /* "starting", "load", "memcheck", "massif", "analysis" */
  lg_load_progress load;
  double memory_bytes;   /* latest sample of the gated metric */
  double slope;          /* running slope estimate, NAN early on */
} lg_progress;

typedef void (*lg_progress_cb)(const lg_progress *p, void *ctx);

typedef struct lg_run_opts {
  const char *out_dir;       /* NULL = leakgate-out/<scenario name> */
  const char *baseline_path; /* overrides scenario baseline.file */
  const char *cgroupfs_root; /* test hook */
  lg_progress_cb progress;
  void *progress_ctx;
  double progress_interval_s; /* default 0.5 */
  volatile int *interrupt;
  lg_metrics *metrics;        /* live endpoint to feed (borrowed), or NULL */
} lg_run_opts;

void lg_run_opts_init(lg_run_opts *o);

/* The managed runtime sc's service runs on, as a run finds it before the
 * start (service.runtime, else its command: docs/runtimes.md), into info
 * (may be NULL); and whether sc can be judged as asked: analysis.metric
 * heap needs a managed runtime's GC report (go, jvm, node) or Massif.
 * LG_EINPUT "FILE: analysis.metric: ..." when not. Reads the program's
 * file; starts nothing. */
int lg_run_check_runtime(const lg_scenario *sc, lg_runtime_info *info,
                         lg_error *err);

/* Run sc and return its result. Returns 0 whenever a result was produced
 * (even a failing or error verdict); negative only when none could be. */
int lg_run_scenario(const lg_scenario *sc, const lg_run_opts *o,
                    lg_result **out, lg_error *err);

#endif
