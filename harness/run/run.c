/* run/run.c - lg_run_scenario: the data flow of DESIGN section 1 for one
 * scenario. The RSS session writes samples.csv; the analysis reads it back
 * (the same code path as `leakgate analyze`); the Valgrind tiers run as
 * separate sessions; the baseline comparison and lg_result_finish complete
 * the model, which is saved as result.json even when the run failed or was
 * interrupted (nothing already measured is ever thrown away). */
#include <leakgate/leakgate.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "run/session.h"
#include "run/tiers.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void lg_run_opts_init(lg_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->progress_interval_s = 0.5;
}

void lg_run_analysis_opts(const lg_scenario *sc, lg_analysis_opts *ao) {
  lg_analysis_opts_init(ao);
  ao->tolerance = sc->analysis.tolerance_bytes;
  ao->confidence = sc->analysis.confidence;
  ao->warmup_fraction = sc->analysis.warmup_fraction;
}

static char *dup_or_null(const char *s) { return s && s[0] ? strdup(s) : NULL; }

static const char *metric_column(lg_metric m) {
  switch (m) {
  case LG_METRIC_RSS:
    return "rss_bytes";
  case LG_METRIC_PSS:
    return "pss_bytes";
  case LG_METRIC_CGROUP:
    return "cgroup_bytes";
  case LG_METRIC_HEAP: /* judged on Massif's heap series, see tiers.c */
  case LG_METRIC_ANON:
  default:
    return "anon_bytes";
  }
}

/* Move the session's findings into the result's sections. */
static void fill_sections(lg_result *r, session_out *s) {
  r->load = s->load;
  memset(&s->load, 0, sizeof s->load);
  free(r->container.backend);
  r->container.backend = dup_or_null(s->backend);
  r->container.path = dup_or_null(s->cgroup);
  r->container.note = dup_or_null(s->note);
  r->container.memory_limit_bytes = s->limit_bytes;
  r->container.peak_bytes = s->peak_bytes;
  r->container.oom_kills = s->oom_kills;
  r->service.ready_s = s->ready_s;
  r->service.stdout_log = dup_or_null(s->stdout_log);
  r->service.stderr_log = dup_or_null(s->stderr_log);
  if (s->status.exited) {
    r->service.exit_status = s->status.exit_status;
  } else if (s->status.signal) {
    r->service.signal = s->status.signal;
  }
  if (s->died_early && !s->interrupted && s->ready) {
    /* Died under load before we stopped it: an OOM kill when the cgroup
     * counted one, otherwise a crash. */
    if (s->oom_kills > 0)
      r->service.oom_killed = true;
    else
      r->service.crashed = true;
  }
}

/* Analyse samples.csv into r->analysis; a failure becomes a growth check. */
static void analyse(lg_result *r, const lg_scenario *sc, const char *csv,
                    double limit) {
  lg_series_opts so;
  lg_analysis_opts ao;
  lg_series *s = NULL;
  lg_error err;

  memset(&so, 0, sizeof so);
  lg_error_clear(&err);
  so.metric = metric_column(sc->analysis.metric);
  /* Time is the x-axis where the load cannot count requests: the exec
   * driver, or a service that answered none (it died or never served). */
  so.x = sc->load.driver == LG_DRIVER_EXEC || r->load.requests <= 0 ? "seconds"
                                                                    : "requests";
  lg_run_analysis_opts(sc, &ao);
  ao.memory_limit = limit;
  if (lg_series_read(csv, &so, &s, &err) != 0 ||
      lg_analyze(s, &ao, &r->analysis, &err) != 0) {
    lg_result_add_check(r, "growth", LG_CHECK_ERROR,
                        "cannot judge growth from %s: %s", csv, err.msg);
    goto cleanup;
  }
  r->has_analysis = true;
  lg_result_set_chart(r, s->x, s->y, s->n, 400);
  if (r->service.oom_killed || r->service.crashed)
    r->chart.oom_x = s->n ? s->x[s->n - 1] : NAN;
cleanup:
  lg_series_free(s);
}

/* The run's own analysis replaces the running looks on the endpoint. */
static void metrics_final(const lg_run_opts *o, const lg_result *r,
                          const char *stage) {
  if (r->has_analysis)
    lg_metrics_analysis(o->metrics, &r->analysis, true);
  lg_metrics_stage(o->metrics, stage);
}

int lg_run_scenario(const lg_scenario *sc, const lg_run_opts *o,
                    lg_result **out, lg_error *err) {
  lg_result *r = NULL;
  session_opts so;
  session_out sout;
  char dir[4096];
  char *csv = NULL, *json = NULL, *baseline_own = NULL;
  const char *baseline_path;
  lg_error serr, werr;
  int rc = 0;

  *out = NULL;
  lg_error_clear(&serr);
  lg_error_clear(&werr);
  r = lg_result_new();
  if (!r)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  r->scenario_name = strdup(sc->name);
  r->scenario_file = strdup(sc->file);
  r->scenario_profile = sc->profile ? strdup(sc->profile) : NULL;
  r->inconclusive_passes = sc->analysis.inconclusive_passes;
  r->max_time_to_limit_s = sc->analysis.max_time_to_limit_s;
  r->confidence = sc->analysis.confidence;
  {
    char ts[32];
    if (lg_utc_iso8601(time(NULL), ts, sizeof ts))
      r->started_at = strdup(ts);
  }
  /* What the run means to do, so a tier that silently did not run is an
   * error rather than a pass. */
  r->memcheck.enabled = sc->valgrind.memcheck;
  r->memcheck.fail_on = sc->valgrind.fail_on;
  r->memcheck.budget_bytes = sc->valgrind.memcheck_budget_bytes;
  r->massif.enabled = sc->valgrind.massif;
  lg_metrics_begin(o->metrics, sc->name, NAN);

  if (o->out_dir)
    snprintf(dir, sizeof dir, "%s", o->out_dir);
  else
    snprintf(dir, sizeof dir, "leakgate-out/%s", sc->name);
  r->out_dir = strdup(dir);
  if ((rc = lg_mkdir_p(dir, err)) != 0)
    goto cleanup; /* no out dir: nowhere to put a result; exit 4 */
  csv = lg_path_join(dir, "samples.csv");
  json = lg_path_join(dir, "result.json");
  if (!csv || !json) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }

  session_opts_init(&so);
  so.sc = sc;
  so.out_dir = dir;
  so.csv_path = csv;
  so.cgroupfs_root = o->cgroupfs_root;
  so.interrupt = o->interrupt;
  so.progress = o->progress;
  so.progress_ctx = o->progress_ctx;
  so.progress_interval_s = o->progress_interval_s;
  so.metrics = o->metrics;
  if (session_run(&so, &sout, &serr) != 0) {
    /* Could not start or run: an infrastructure error, reported in full. */
    fill_sections(r, &sout);
    if (sout.interrupted || (o->interrupt && *o->interrupt)) {
      r->interrupted = true;
      lg_result_set_error(r, LG_EINTR, "interrupted");
    } else {
      lg_result_set_error(r, serr.code, serr.msg);
    }
    if (sout.samples >= 2)
      analyse(r, sc, csv, sout.limit_bytes);
    goto finish;
  }
  fill_sections(r, &sout);
  if (sout.interrupted) {
    r->interrupted = true;
    lg_result_set_error(r, LG_EINTR, "interrupted");
  }
  lg_metrics_stage(o->metrics, "analysis");
  analyse(r, sc, csv, sout.limit_bytes);
  metrics_final(o, r,
                sc->valgrind.memcheck || sc->valgrind.massif ? "valgrind"
                                                             : "analysis");

  if (!r->interrupted)
    lg_run_tiers(r, sc, dir, o, &sout);

finish:
  /* --baseline is relative to where leakgate runs; baseline.file, like
   * every path in a scenario, to the scenario file's directory. */
  baseline_path = o->baseline_path;
  if (!baseline_path && sc->baseline.file) {
    baseline_own = sc->baseline.file[0] == '/'
                       ? strdup(sc->baseline.file)
                       : lg_path_join(sc->dir ? sc->dir : ".", sc->baseline.file);
    baseline_path = baseline_own;
  }
  if (baseline_path && !r->interrupted)
    lg_run_baseline(r, sc, baseline_path);
  lg_result_finish(r);
  metrics_final(o, r, "done");
  if (lg_result_save(r, json, &werr) != 0) {
    /* The verdict cannot be trusted by anyone if it was not written. */
    lg_result_set_error(r, werr.code, werr.msg);
    lg_result_finish(r);
  }
  *out = r;
  r = NULL;
cleanup:
  lg_result_free(r);
  free(csv);
  free(json);
  free(baseline_own);
  return rc;
}
