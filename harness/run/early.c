/* run/early.c - early stop inside a running session (see run/early.h). */
#include "run/early.h"

#include "run/tiers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg__early_stop_opts(const lg_scenario *sc, double duration_scale,
                         lg_early_stop_opts *eo) {
  double total = lg_scenario_duration(sc) * duration_scale;
  lg_early_stop_opts_init(eo);
  eo->max_t = isnan(sc->load.max_duration_s)
                  ? total
                  : sc->load.max_duration_s * duration_scale;
  eo->min_s = sc->analysis.min_evidence_s;
  eo->min_x = (double)sc->analysis.min_evidence_requests;
}

void lg__early_init(early *e, const lg_scenario *sc, lg_samples_writer *w,
                    double duration_scale) {
  lg_early_stop_opts eo;
  memset(e, 0, sizeof *e);
  e->on = sc->analysis.early_stop && w != NULL;
  e->leak = LG_LEAK_UNKNOWN;
  e->w = w;
  e->sc = sc;
  atomic_init(&e->last_t, NAN);
  atomic_init(&e->steady_t, NAN);
  atomic_init(&e->steady_x, NAN);
  lg__early_stop_opts(sc, duration_scale, &eo);
  lg_early_stop_init(&e->st, &eo);
  e->metric = lg__run_metric_column(sc->analysis.metric); /* run.c's */
  e->x_seconds = sc->load.driver == LG_DRIVER_EXEC;
}

double lg__early_max_duration(const early *e) {
  return e->on ? e->st.o.max_t : 0;
}

/* t_s as samples.csv holds it (%.6f), so a look's cut-off compares the
 * same numbers the replay reads. */
static double as_written(double t) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.6f", t);
  return strtod(buf, NULL);
}

void lg__early_on_sample(early *e, const lg_sample *s) {
  const char *ph = s->phase ? s->phase : "";
  double t;
  if (!e->on || !isfinite(s->t_s))
    return;
  t = as_written(s->t_s);
  atomic_store(&e->last_t, t);
  /* Rows without an x are skipped by the reader; so here. */
  if (!e->x_seconds && s->requests < 0)
    return;
  if (!e->have_first) {
    snprintf(e->first_phase, sizeof e->first_phase, "%s", ph);
    e->have_first = true;
  } else if (isnan(atomic_load(&e->steady_t)) &&
             strcmp(ph, e->first_phase) != 0) {
    atomic_store(&e->steady_x, e->x_seconds ? t : (double)s->requests);
    atomic_store(&e->steady_t, t);
  }
}

/* One look at the rows before next: 1 decided, 0 not (or skipped). */
static int look(early *e, double next, double memory_limit) {
  lg_series_opts so;
  lg_analysis_opts ao;
  lg_analysis a;
  lg_series *s = NULL;
  lg_error err;
  FILE *f = NULL;
  int rc;

  memset(&so, 0, sizeof so);
  so.metric = e->metric;
  so.x = e->x_seconds ? "seconds" : "requests";
  so.t_max = next;
  /* The exec driver's x is time: the per-second tolerance run.c judges
   * the replay with, so the look that stopped the run is the one it
   * replays. */
  if (lg__run_look_opts(e->sc, memory_limit, &ao) != 0) {
    lg_early_stop_skip(&e->st);
    return 0;
  }
  lg_error_clear(&err);
  if (lg_samples_writer_reader(e->w, &f, &err) != 0) {
    lg_early_stop_skip(&e->st);
    return 0;
  }
  rc = lg_series_read_stream(f, "samples.csv", &so, &s, &err);
  fclose(f);
  if (rc != 0) { /* too few rows to judge yet */
    lg_early_stop_skip(&e->st);
    return 0;
  }
  rc = lg_early_stop_look(&e->st, s, &ao, false, &a, &err);
  lg_series_free(s);
  if (rc == 1)
    e->leak = a.leak;
  return rc == 1;
}

int lg__early_poll(early *e, double memory_limit) {
  double last, next;
  if (!e->on || e->decided)
    return e->decided;
  if (!e->steady_set) {
    double t0 = atomic_load(&e->steady_t);
    if (isnan(t0))
      return 0;
    lg_early_stop_steady(&e->st, t0, atomic_load(&e->steady_x));
    e->steady_set = true;
  }
  last = atomic_load(&e->last_t);
  /* In order, never skipping one: the replay takes the same looks. */
  while ((next = lg_early_stop_next_t(&e->st)) <= last)
    if (look(e, next, memory_limit)) {
      e->decided = true;
      break;
    }
  return e->decided;
}
