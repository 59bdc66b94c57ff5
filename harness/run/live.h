/* run/live.h - the live view of one running session: the latest sample and
 * the running slope, one source for the progress line and the metrics
 * endpoint (leakgate/metrics.h).
 *
 * The running slope is the growth per x unit since the sample at the
 * warm-up fraction of the planned duration (two points: cheap, for the
 * progress line), replaced by the latest look once there is one. A look
 * (lg__live_look) runs the real analysis (lg_analyze: Theil-Sen, its bounds,
 * the time to limit) on everything sampled so far, aggregated online by the
 * same bounded aggregator the samples.csv reader uses, so a look taken after
 * the last sample sees what the run's own analysis will read back from
 * samples.csv. Looks are enabled only when something shows them (an
 * endpoint): the aggregator costs up to 1.4 MiB and each look 10-30 ms of
 * the calling thread.
 *
 * Threads: lg__live_on_sample runs on the sampler thread and never waits for a
 * look: when a look holds the aggregator, rows queue in a small array of
 * the sampler's own and go in with the next sample. lg__live_look,
 * lg__live_slope and lg__live_cleanup belong to one other thread (the session's
 * main loop); lg__live_memory may be read from anywhere. Ownership:
 * lg__live_init allocates the aggregator (when looks are on); lg__live_cleanup
 * frees it. The metrics endpoint is borrowed.
 */
#ifndef LG_RUN_LIVE_H
#define LG_RUN_LIVE_H

#include "series/aggregate.h"

#include <leakgate/leakgate.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define LIVE_PENDING 256

typedef struct live {
  _Atomic double memory; /* latest sample of the gated metric */
  _Atomic double slope;  /* the two-point running slope */
  lg_metric metric;
  bool x_seconds;            /* exec driver: no request count, x is t_s */
  double warmup_s;           /* sampler thread only */
  double anchor_x, anchor_y; /* sampler thread only; NAN until set */
  lg_metrics *metrics;       /* borrowed; NULL: no endpoint */
  /* looks */
  lg_agg *agg;                  /* NULL: looks off */
  pthread_mutex_t mu;           /* guards agg */
  double pend[LIVE_PENDING][3]; /* sampler thread only: x, t, y */
  size_t npend;
  bool agg_failed;   /* under mu: out of memory once, looks stop */
  double look_slope; /* main thread only; NAN until a look */
} live;

/* Set up for sc (duration_scale as the session's); looks when metrics is
 * given. Never fails: without memory for the aggregator, looks are off. */
void lg__live_init(live *l, const lg_scenario *sc, double duration_scale,
                   lg_metrics *metrics);
void lg__live_cleanup(live *l);
/* The sampler's on_sample callback (ctx = live *). */
void lg__live_on_sample(const lg_sample *s, void *ctx);
/* Latest sample of the gated metric (NAN before the first). */
double lg__live_memory(live *l);
/* The running slope: the latest look's, else the two-point one. */
double lg__live_slope(live *l);
/* Analyse everything sampled so far into *a with the scenario's settings
 * and memory_limit (NAN: none). LG_EINPUT while too few samples, LG_ENOTSUP
 * when looks are off. */
int lg__live_look(live *l, const lg_scenario *sc, double memory_limit,
                  lg_analysis *a, lg_error *err);

#endif
