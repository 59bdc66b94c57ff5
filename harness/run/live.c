/* run/live.c - the live view of a running session (see run/live.h).
 *
 * Why a pending array instead of a plain lock in lg__live_on_sample: a look
 * holds the aggregator for lg__agg_finish (O(LG_SERIES_MAX_POINTS), about a
 * millisecond), and the sampler must not wait for it - its timestamps are
 * the series. The sampler tries the lock; when busy, the row waits in the
 * sampler's own array (LIVE_PENDING rows, i.e. minutes of samples at any
 * sane interval) and goes in with the next row that gets the lock. Only if
 * that array is full does the sampler wait. Rows therefore enter the
 * aggregator in order, the same rows samples.csv gets.
 */
#include "run/live.h"

#include "run/tiers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void lg__live_init(live *l, const lg_scenario *sc, double duration_scale,
                   lg_metrics *metrics) {
  memset(l, 0, sizeof *l);
  atomic_init(&l->memory, NAN);
  atomic_init(&l->slope, NAN);
  l->metric = sc->analysis.metric;
  l->x_seconds = sc->load.driver == LG_DRIVER_EXEC;
  l->warmup_s =
      sc->analysis.warmup_fraction * lg_scenario_duration(sc) * duration_scale;
  l->anchor_x = l->anchor_y = NAN;
  l->look_slope = NAN;
  l->metrics = metrics;
  pthread_mutex_init(&l->mu, NULL);
  if (metrics)
    l->agg = lg__agg_new(); /* NULL: looks off, the rest works */
}

void lg__live_cleanup(live *l) {
  lg__agg_free(l->agg);
  l->agg = NULL;
  pthread_mutex_destroy(&l->mu);
}

/* The gated metric's column, as the run's analysis reads it from
 * samples.csv (run.c: heap is judged on Massif's series, anon here). */
static double gated(const live *l, const lg_sample *s) {
  switch (l->metric) {
  case LG_METRIC_RSS:
    return s->rss_bytes;
  case LG_METRIC_PSS:
    return s->pss_bytes;
  case LG_METRIC_CGROUP:
    return s->cgroup_bytes;
  case LG_METRIC_ANON:
  case LG_METRIC_HEAP:
  default:
    return s->anon_bytes;
  }
}

/* Add the row (and any waiting ones) to the aggregator: sampler thread. */
static void feed(live *l, double x, double t, double y) {
  size_t i;
  if (l->npend < LIVE_PENDING) {
    l->pend[l->npend][0] = x;
    l->pend[l->npend][1] = t;
    l->pend[l->npend][2] = y;
    l->npend++;
    if (pthread_mutex_trylock(&l->mu) != 0)
      return; /* a look is copying: the rows wait here */
  } else {
    pthread_mutex_lock(&l->mu); /* the array is full: wait this once */
  }
  for (i = 0; i < l->npend && !l->agg_failed; i++)
    if (lg__agg_add(l->agg, l->pend[i][0], l->pend[i][1], l->pend[i][2]) != 0)
      l->agg_failed = true;
  l->npend = 0;
  pthread_mutex_unlock(&l->mu);
}

void lg__live_on_sample(const lg_sample *s, void *ctx) {
  live *l = ctx;
  double v = gated(l, s), shown = v;
  if (isnan(shown))
    shown = s->rss_bytes;
  atomic_store(&l->memory, shown);
  lg_metrics_sample(l->metrics, s);
  /* The aggregator takes the rows samples.csv gives the analysis: a value
   * in the metric's column, x = requests (t_s for the exec driver). */
  if (l->agg && !isnan(v) && isfinite(s->t_s) &&
      (l->x_seconds || s->requests >= 0))
    feed(l, l->x_seconds ? s->t_s : (double)s->requests, s->t_s, v);
  if (isnan(shown) || s->requests <= 0)
    return;
  if (isnan(l->anchor_x)) {
    if (s->t_s >= l->warmup_s) {
      l->anchor_x = (double)s->requests;
      l->anchor_y = shown;
    }
  } else if ((double)s->requests > l->anchor_x) {
    atomic_store(&l->slope,
                 (shown - l->anchor_y) / ((double)s->requests - l->anchor_x));
  }
}

double lg__live_memory(live *l) {
  return atomic_load(&l->memory);
}

double lg__live_slope(live *l) {
  return isnan(l->look_slope) ? atomic_load(&l->slope) : l->look_slope;
}

int lg__live_look(live *l, const lg_scenario *sc, double memory_limit,
                  lg_analysis *a, lg_error *err) {
  lg_series s;
  lg_analysis_opts ao;
  uint64_t rows;
  int rc;

  if (!l->agg)
    return lg_error_set(err, LG_ENOTSUP, "no running analysis in this session");
  memset(&s, 0, sizeof s);
  /* agg_failed is the sampler's, written under mu: read it there too. */
  pthread_mutex_lock(&l->mu);
  rows = lg__agg_rows(l->agg);
  rc = l->agg_failed                  ? LG_ENOTSUP
       : rows >= LG_SERIES_MIN_POINTS ? lg__agg_finish(l->agg, LG_AGG_AUTO, &s)
                                      : LG_EINPUT;
  pthread_mutex_unlock(&l->mu);
  if (rc == LG_ENOTSUP)
    return lg_error_set(err, rc, "the running analysis ran out of memory");
  if (rc == LG_EINPUT)
    return lg_error_set(err, LG_EINPUT, "only %llu samples so far",
                        (unsigned long long)rows);
  if (rc)
    return lg_error_set(err, rc, "out of memory");
  s.rows = s.rows_used = (size_t)rows;
  s.x_is_seconds = l->x_seconds;
  snprintf(s.x_name, sizeof s.x_name, "%s",
           l->x_seconds ? "seconds" : "requests");
  snprintf(s.metric, sizeof s.metric, "%s", lg__run_metric_column(l->metric));
  /* x is time (the exec driver): the run's own per-second tolerance */
  if (lg__run_look_opts(sc, memory_limit, &ao) != 0)
    rc = lg_error_set(err, LG_EINPUT, "no per-second tolerance");
  else
    rc = lg_analyze(&s, &ao, a, err);
  if (rc == 0)
    l->look_slope = a->slope;
  free(s.x);
  free(s.y);
  free(s.t);
  free(s.ymax);
  return rc;
}
