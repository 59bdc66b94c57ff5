/* run/run.c - lg_run_scenario: the data flow of DESIGN section 1 for one
 * scenario. The out dir is locked for the run (a second run into it is
 * refused) and marked at once: result.json says "unfinished" until the
 * verdict replaces it, and samples.csv is replaced by this run's, so
 * nothing an earlier or killed run left there can be read as this run's.
 * The RSS session writes samples.csv; the analysis reads it back (the same
 * code path as `leakgate analyze`) through the open file this run wrote,
 * never by its path; the Valgrind tiers run as separate sessions; the
 * baseline comparison and lg_result_finish complete the model, which is
 * saved as result.json even when the run failed or was interrupted
 * (nothing already measured is ever thrown away). */
#include <leakgate/leakgate.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "result/fmt.h"
#include "run/early.h"
#include "run/provenance.h"
#include "run/session.h"
#include "run/tiers.h"
#include "runtime/judge.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void lg_run_opts_init(lg_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->progress_interval_s = 0.5;
}

void lg__run_analysis_opts(const lg_scenario *sc, lg_analysis_opts *ao) {
  lg_analysis_opts_init(ao);
  ao->tolerance = sc->analysis.tolerance_bytes;
  ao->confidence = sc->analysis.confidence;
  ao->warmup_fraction = sc->analysis.warmup_fraction;
}

static char *dup_or_null(const char *s) {
  return s && s[0] ? strdup(s) : NULL;
}

const char *lg__run_metric_column(lg_metric m) {
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

int lg__run_time_tolerance(const lg_scenario *sc, const lg_load_result *load,
                           double limit_bytes, double *tol, char *why,
                           size_t cap) {
  double attempts = 0, horizon = sc->analysis.max_time_to_limit_s;
  bool stated = !(limit_bytes > 0); /* no enforced limit: the stated one */
  char a[32], b[32], c[32];
  if (cap)
    why[0] = '\0';
  if (!isnan(sc->analysis.tolerance_per_second)) {
    *tol = sc->analysis.tolerance_per_second; /* the scenario says it */
    return 0;
  }
  if (load && load->requests > 0)
    attempts += (double)load->requests;
  if (load && load->errors > 0)
    attempts += (double)load->errors;
  if (load && attempts > 0 && load->duration_s > 0) {
    *tol = sc->analysis.tolerance_bytes * attempts / load->duration_s;
    snprintf(why, cap,
             "tolerance per second: %s B/request x %s attempted requests/s "
             "= %s B/s",
             lg__fmt_num(a, sizeof a, sc->analysis.tolerance_bytes),
             lg__fmt_num(b, sizeof b, attempts / load->duration_s),
             lg__fmt_num(c, sizeof c, *tol));
    return 0;
  }
  /* Nothing converts bytes per request: the growth that would add the whole
   * limit within the horizon (max_time_to_limit, else 24 h) is the most a
   * service may grow and still not run out of memory in that time. */
  if (stated)
    limit_bytes = (double)sc->container.memory_bytes;
  *tol = lg_time_tolerance(limit_bytes, horizon);
  if (isnan(*tol))
    return -1;
  snprintf(why, cap,
           "tolerance per second: the %s %s / %s = %s B/s, growth that adds "
           "the whole limit in that time (analysis.max_time_to_limit sets "
           "the time, analysis.tolerance_per_second the tolerance)",
           lg_format_bytes(a, sizeof a, limit_bytes),
           stated ? "of container.memory (no limit enforced)" : "limit",
           lg_format_duration(
               b, sizeof b, isnan(horizon) ? LG_TOLERANCE_HORIZON_S : horizon),
           lg__fmt_num(c, sizeof c, *tol));
  return 0;
}

int lg__run_look_opts(const lg_scenario *sc, double memory_limit,
                      lg_analysis_opts *ao) {
  lg__run_analysis_opts(sc, ao);
  ao->memory_limit = memory_limit;
  if (sc->load.driver != LG_DRIVER_EXEC)
    return 0;
  return lg__run_time_tolerance(sc, NULL, memory_limit, &ao->tolerance, NULL,
                                0);
}

/* The session stopped the load at a look; the verdict is the replay's of
 * the same rows, which takes the same looks and so decides at the same one.
 * Said when it does not (a live look that judged otherwise, or a load that
 * ended before its look), so a run's length is never explained by a look
 * that did not end it. */
static void early_agreement(lg_result *r, const session_out *sout) {
  const lg_analysis *a = &r->analysis;
  char live[96] = "was not stopped by a look", replay[64] = "at no look";
  if (sout->interrupted || sout->died_early)
    return; /* the load ended for another reason */
  if (sout->stopped_early == a->stopped_early &&
      (!a->stopped_early ||
       (fabs(a->decided_after_s - sout->decided_after_s) < 1e-6 &&
        a->leak == sout->decided_leak)))
    return;
  if (sout->stopped_early)
    snprintf(live, sizeof live, "was stopped as %s after %.2f s of steady load",
             lg_leak_name(sout->decided_leak), sout->decided_after_s);
  if (a->stopped_early)
    snprintf(replay, sizeof replay, "%s after %.2f s", lg_leak_name(a->leak),
             a->decided_after_s);
  lg_result_add_reason(r,
                       "early stop: the load %s, but replaying samples.csv "
                       "decides %s (the verdict is the replay's)",
                       live, replay);
}

/* Judge one series (column metric of a CSV) into r->analysis and the
 * chart: this run's samples read back through w (the file it wrote), or
 * the CSV at path when w is NULL; 0, or the reader's or the analysis's
 * error in err (LG_EUSAGE, a whole message, when the x-axis is time and
 * nothing sets a tolerance per second). */
static int judge(lg_result *r, const lg_scenario *sc, const session_out *sout,
                 lg_samples_writer *w, const char *path, const char *metric,
                 lg_aggregate agg, double limit, lg_error *err) {
  lg_series_opts so;
  lg_analysis_opts ao;
  lg_series *s = NULL;
  FILE *f = NULL;
  char why[320] = "";
  bool seconds = sc->load.driver == LG_DRIVER_EXEC || r->load.requests <= 0;
  int rc = 0;

  memset(&so, 0, sizeof so);
  so.metric = metric;
  so.aggregate = agg;
  /* Time is the x-axis where the load cannot count requests: the exec
   * driver, or a service that answered none (it died or never served). */
  so.x = seconds ? "seconds" : "requests";
  /* A service that died under load: the fit ends at its last live row;
   * what the rows read after its death is not its growth. */
  if (sout->died_early && sout->live_until_t_s > 0)
    so.until_t_s = sout->live_until_t_s;
  lg__run_analysis_opts(sc, &ao);
  ao.memory_limit = limit;
  if (seconds && lg__run_time_tolerance(sc, &r->load, sout->limit_bytes,
                                        &ao.tolerance, why, sizeof why) != 0) {
    rc = lg_error_set(err, LG_EUSAGE,
                      "the x-axis is time and nothing gives a tolerance "
                      "per second (no request attempted, no memory limit, "
                      "no analysis.tolerance_per_second): growth cannot be "
                      "judged");
    goto cleanup;
  }
  if (w) {
    rc = lg_samples_writer_reader(w, &f, err);
  } else if (!(f = fopen(path, "re"))) {
    rc = lg_error_set(err, LG_EIO, "%s: %s", path, strerror(errno));
    goto cleanup;
  }
  /* The early stop's looks were taken on the memory series (this run's
   * samples): replayed from the same rows (as `analyze --early-stop`
   * does), the verdict is the deciding look's. */
  if (rc == 0 && w && sc->analysis.early_stop &&
      (sc->load.driver == LG_DRIVER_EXEC || !seconds)) {
    lg_early_stop_opts eo;
    lg_early_stop st;
    lg__early_stop_opts(sc, 1, &eo);
    rc = lg_early_stop_replay(f, path, &so, &ao, &eo, &st, &r->analysis, &s,
                              err);
  } else if (rc == 0 &&
             (rc = lg_series_read_stream(f, path, &so, &s, err)) == 0) {
    rc = lg_analyze(s, &ao, &r->analysis, err);
  }
  if (rc != 0)
    goto cleanup;
  r->has_analysis = true;
  if (r->analysis.early_stop)
    early_agreement(r, sout);
  if (why[0]) /* a derived tolerance is said, with how */
    lg_result_add_reason(r, "growth: judged per second (%s); %s",
                         sc->load.driver == LG_DRIVER_EXEC
                             ? "the exec driver counts no requests"
                             : "no request completed",
                         why);
  /* The limit was reached within the run: a projection from the last row
   * ("21 ms to the limit") would only restate the kill, misleadingly. */
  if (r->service.oom_killed || r->container.oom_kills > 0)
    r->analysis.time_to_limit_s = r->analysis.time_to_limit_min_s = NAN;
  lg_result_set_chart(r, s->x, s->y, s->n, 400);
  if (r->service.oom_killed || r->service.crashed)
    r->chart.oom_x = s->n ? s->x[s->n - 1] : NAN;
cleanup:
  if (f)
    fclose(f);
  lg_series_free(s);
  return rc;
}

/* A managed runtime's heap (docs/runtimes.md "Verdict"): the live heap
 * after full collections when there are enough of them (every Go cycle is
 * one), else the heap after every collection - an upper bound of the live
 * heap, since a young collection leaves old-generation garbage in place.
 * Growth of that bound that the full collections do not confirm (their own
 * slope's upper bound within the tolerance) is garbage, not a leak: the
 * verdict is then taken from the full collections, and says so. Returns
 * 0 when the heap was judged, else the last reader or analysis error. */
static int judge_heap(lg_result *r, const lg_scenario *sc, const session_out *s,
                      double limit, lg_error *err) {
  const rt_summary *rs = &s->runtime.summary;
  rt_full_fit fit;
  lg_analysis *a = &r->analysis;
  double tol = sc->analysis.tolerance_bytes;
  int rc;

  if (judge(r, sc, s, NULL, s->runtime.gc_csv, "heap_live_bytes", LG_AGG_AUTO,
            limit, err) == 0)
    return 0;
  lg_error_clear(err);
  /* Every collection is a point: the drops at full collections are the
   * garbage they free, not a cycle whose floor alone would tell (a few
   * full collections would leave a few points); the full collections'
   * own slope decides below whether the rise between them is garbage. */
  if ((rc = judge(r, sc, s, NULL, s->runtime.gc_csv, "heap_after_bytes",
                  LG_AGG_MEDIAN, limit, err)) != 0)
    return rc;
  /* From the end of the warm-up the scenario asks for (not from where the
   * analysis restarted its window: a restart would leave too few). */
  if (a->leak == LG_LEAK_NO_LEAK || strcmp(a->x, "requests") != 0 ||
      lg__rt_full_slope(rs,
                        sc->analysis.warmup_fraction * (double)r->load.requests,
                        sc->analysis.confidence, &fit) != 0 ||
      !(fit.hi <= tol))
    return 0;
  a->leak = LG_LEAK_NO_LEAK;
  snprintf(a->metric, sizeof a->metric, "heap_live_bytes");
  a->slope = fit.slope;
  a->slope_lo = fit.lo;
  a->slope_hi = fit.hi;
  snprintf(a->reason, sizeof a->reason,
           "the heap after young collections grew with garbage that %zu full "
           "collections freed: their live heap grows %.3g B/req (bound %.3g), "
           "within the tolerance",
           fit.n, fit.slope, fit.hi);
  return 0;
}

/* The memory series a native service would be judged on, judged the same
 * way beside a managed runtime's heap (issue 12: it stays reported), into
 * runtime.memory. It decides nothing; a failure leaves it unknown. */
static void memory_beside(lg_result *r, const lg_scenario *sc,
                          lg_samples_writer *w, const char *csv,
                          const session_out *s) {
  lg_runtime_result *rt = &r->runtime;
  lg_result *m = lg_result_new();
  lg_error err;
  if (!m)
    return;
  /* What judge reads of the result besides the series. */
  m->load.requests = r->load.requests;
  m->service.oom_killed = r->service.oom_killed;
  m->container.oom_kills = r->container.oom_kills;
  lg_error_clear(&err);
  if (judge(m, sc, s, w, csv, lg__run_metric_column(sc->analysis.metric),
            LG_AGG_AUTO, s->limit_bytes, &err) == 0) {
    rt->memory_metric = strdup(m->analysis.metric);
    rt->memory_x = strdup(m->analysis.x);
    rt->memory_slope = m->analysis.slope;
    rt->memory_lo = m->analysis.slope_lo;
    rt->memory_hi = m->analysis.slope_hi;
    rt->memory_leak = m->analysis.leak;
  }
  lg_result_free(m);
}

/* Which series is judged (docs/runtimes.md "Verdict"): a managed runtime
 * whose GC report was read is judged on its heap (judge_heap), against its
 * heap ceiling when it has one (the JVM fails there, not at the cgroup's
 * limit); unless analysis.metric names another series. A heap the runtime
 * reported too little of falls back to the memory series when the metric
 * was not written, with a note saying so. A failure becomes a growth
 * check. */
static void analyse(lg_result *r, const lg_scenario *sc, lg_samples_writer *w,
                    const char *csv, const session_out *s, char *note,
                    size_t note_cap) {
  const rt_summary *rs = &s->runtime.summary;
  bool heap = s->runtime.gc_csv[0] && (!sc->analysis.metric_set ||
                                       sc->analysis.metric == LG_METRIC_HEAP);
  lg_error err;

  lg_error_clear(&err);
  note[0] = '\0';
  if (heap) {
    double limit =
        isfinite(rs->heap_max_bytes) ? rs->heap_max_bytes : s->limit_bytes;
    if (judge_heap(r, sc, s, limit, &err) == 0) {
      memory_beside(r, sc, w, csv, s);
      return;
    }
    if (sc->analysis.metric_set) {
      lg_result_add_check(r, lg_check_name(LG_CK_GROWTH), LG_CHECK_ERROR,
                          "cannot judge the runtime's heap from %s: %s",
                          s->runtime.gc_csv, err.msg);
      return;
    }
    snprintf(note, note_cap,
             "%lld collections reported: the heap cannot be judged (%s); "
             "judged on %s instead",
             (long long)rs->events, err.msg,
             lg__run_metric_column(sc->analysis.metric));
    lg_error_clear(&err);
  }
  if (judge(r, sc, s, w, csv, lg__run_metric_column(sc->analysis.metric),
            LG_AGG_AUTO, s->limit_bytes, &err) == 0)
    return;
  if (err.code == LG_EUSAGE)
    lg_result_add_check(r, lg_check_name(LG_CK_GROWTH), LG_CHECK_ERROR, "%s",
                        err.msg);
  else
    lg_result_add_check(r, lg_check_name(LG_CK_GROWTH), LG_CHECK_ERROR,
                        "cannot judge growth from %s: %s", csv, err.msg);
}

/* The run's own analysis replaces the running looks on the endpoint. */
static void metrics_final(const lg_run_opts *o, const lg_result *r,
                          const char *stage) {
  if (r->has_analysis)
    lg_metrics_analysis(o->metrics, &r->analysis, true);
  lg_metrics_stage(o->metrics, stage);
}

/* What an earlier run left in dir that this run writes again: removed
 * before anything starts, so a run that fails early never stands beside
 * them (samples.csv is replaced by this run's own right after). */
static const char *const previous_outputs[] = {"service.stdout.log",
                                               "service.stderr.log", "gc.csv",
                                               "leakgate-node-gc.js", NULL};

/* result.json until the verdict replaces it: verdict error, saying the run
 * has not finished. Whoever reads it meanwhile - a CI step that runs
 * `leakgate report` under if: always() after leakgate was killed - gets
 * exit 4, never an earlier run's verdict. */
static int mark_unfinished(const lg_result *r, const char *json,
                           lg_error *err) {
  lg_result *m = lg_result_new();
  char msg[512];
  int rc;
  if (!m)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  m->scenario_name = r->scenario_name ? strdup(r->scenario_name) : NULL;
  m->scenario_file = r->scenario_file ? strdup(r->scenario_file) : NULL;
  m->started_at = r->started_at ? strdup(r->started_at) : NULL;
  m->out_dir = r->out_dir ? strdup(r->out_dir) : NULL;
  snprintf(msg, sizeof msg,
           "unfinished: leakgate (pid %ld) started this run at %s and has "
           "not written its verdict; if it is no longer running, it was "
           "killed before the end",
           (long)getpid(), r->started_at ? r->started_at : "?");
  rc = lg_result_set_error(m, LG_EINTR, msg);
  if (rc == 0) {
    lg_result_finish(m);
    rc = lg_result_save(m, json, err);
  } else {
    rc = lg_error_set(err, rc, "out of memory");
  }
  lg_result_free(m);
  return rc;
}

/* A result that says which scenario runs, where and when, and what the run
 * means to do, so a tier that silently did not run is an error rather than
 * a pass. NULL when out of memory. */
static lg_result *new_result(const lg_scenario *sc) {
  lg_result *r = lg_result_new();
  char ts[32];
  if (!r)
    return NULL;
  r->scenario_name = strdup(sc->name);
  r->scenario_file = strdup(sc->file);
  r->scenario_profile = sc->profile ? strdup(sc->profile) : NULL;
  r->inconclusive_passes = sc->analysis.inconclusive_passes;
  r->max_time_to_limit_s = sc->analysis.max_time_to_limit_s;
  r->confidence = sc->analysis.confidence;
  if (lg__utc_iso8601(time(NULL), ts, sizeof ts))
    r->started_at = strdup(ts);
  r->host = lg__run_host();
  r->commit = lg__run_commit(sc->dir);
  r->memcheck.enabled = sc->valgrind.memcheck;
  r->memcheck.fail_on = sc->valgrind.fail_on;
  r->memcheck.budget_bytes = sc->valgrind.memcheck_budget_bytes;
  r->massif.enabled = sc->valgrind.massif;
  r->heap_profile.enabled = sc->heap_profile.enabled;
  r->heap_profile.required = sc->heap_profile.required;
  return r;
}

/* The out dir made and locked (one run per out dir: a second one would
 * replace the first's samples; refused before anything in it is touched),
 * an earlier verdict marked unfinished and an earlier run's outputs gone.
 * *lock_fd is the lock (closed by the caller), *csv and *json the paths. */
static int prepare_out_dir(lg_result *r, const char *dir, int *lock_fd,
                           char **csv, char **json, lg_error *err) {
  struct stat st;
  size_t i;
  int rc;
  if ((rc = lg__mkdir_p(dir, err)) != 0)
    return rc; /* no out dir: nowhere to put a result; exit 4 */
  if ((*lock_fd = lg__lock_dir(dir, err)) < 0)
    return *lock_fd;
  *csv = lg__path_join(dir, "samples.csv");
  *json = lg__path_join(dir, "result.json");
  if (!*csv || !*json)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  if ((rc = mark_unfinished(r, *json, err)) != 0) {
    /* An earlier verdict must not stand in for this run's. */
    (void)unlink(*json);
    return rc;
  }
  for (i = 0; previous_outputs[i]; i++) {
    char *p = lg__path_join(dir, previous_outputs[i]);
    /* Regular files only: anything else planted there is refused, with
     * its name, when the service's output is captured. */
    if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
      (void)unlink(p);
    free(p);
  }
  return 0;
}

/* The main session (load, samples, the runtime's GC report) and its
 * analysis into r; a session that could not start or run is an
 * infrastructure error reported in full, with what it measured. Returns
 * whether the tiers may follow. sout is the caller's (its runtime part is
 * freed there). */
static bool main_session(lg_result *r, const lg_scenario *sc,
                         const lg_run_opts *o, const char *dir,
                         lg_samples_writer *samples, const char *csv,
                         session_out *sout) {
  char heap_note[LG_ERROR_MSG_MAX + 256];
  session_opts so;
  lg_error serr;
  lg_error_clear(&serr);
  lg__session_opts_init(&so);
  so.sc = sc;
  so.out_dir = dir;
  so.csv = samples;
  so.cgroupfs_root = o->cgroupfs_root;
  so.interrupt = o->interrupt;
  so.progress = o->progress;
  so.progress_ctx = o->progress_ctx;
  so.progress_interval_s = o->progress_interval_s;
  so.runtime_gc = true;
  so.metrics = o->metrics;
  so.early_stop = sc->analysis.early_stop;
  if (lg__session_run(&so, sout, &serr) != 0) {
    fill_sections(r, sout);
    if (sout->interrupted || (o->interrupt && *o->interrupt)) {
      r->interrupted = true;
      lg_result_set_error(r, LG_EINTR, "interrupted");
    } else {
      lg_result_set_error(r, serr.code, serr.msg);
    }
    if (sout->samples >= 2)
      analyse(r, sc, samples, csv, sout, heap_note, sizeof heap_note);
    lg__rtgc_to_result(&sout->runtime, sc, sout->samples >= 2 ? heap_note : "",
                       r);
    return false;
  }
  fill_sections(r, sout);
  if (sout->interrupted) {
    r->interrupted = true;
    lg_result_set_error(r, LG_EINTR, "interrupted");
  }
  lg_metrics_stage(o->metrics, "analysis");
  analyse(r, sc, samples, csv, sout, heap_note, sizeof heap_note);
  lg__rtgc_to_result(&sout->runtime, sc, heap_note, r);
  metrics_final(o, r,
                sc->valgrind.memcheck || sc->valgrind.massif ? "valgrind"
                                                             : "analysis");
  return !r->interrupted;
}

/* The baseline comparison, the verdict and result.json. --baseline is
 * relative to where leakgate runs; baseline.file, like every path in a
 * scenario, to the scenario file's directory. */
static void finish_run(lg_result *r, const lg_scenario *sc,
                       const lg_run_opts *o, const char *json) {
  const char *baseline_path = o->baseline_path;
  char *baseline_own = NULL;
  lg_error werr;
  lg_error_clear(&werr);
  if (!baseline_path && sc->baseline.file) {
    baseline_own =
        sc->baseline.file[0] == '/'
            ? strdup(sc->baseline.file)
            : lg__path_join(sc->dir ? sc->dir : ".", sc->baseline.file);
    baseline_path = baseline_own;
  }
  if (baseline_path && !r->interrupted)
    lg__run_baseline(r, sc, baseline_path);
  free(baseline_own);
  lg_result_finish(r);
  metrics_final(o, r, "done");
  if (lg_result_save(r, json, &werr) != 0) {
    /* The verdict cannot be trusted by anyone if it was not written. An
     * earlier failure stays the headline (a full disk fails samples.csv
     * or a log first): this one is said beside it. */
    if (r->error)
      lg_result_add_reason(r, "%s", werr.msg);
    else
      lg_result_set_error(r, werr.code, werr.msg);
    lg_result_finish(r);
  }
}

int lg_run_scenario(const lg_scenario *sc, const lg_run_opts *o,
                    lg_result **out, lg_error *err) {
  lg_result *r = NULL;
  session_out sout;
  char dir[4096];
  char *csv = NULL, *json = NULL;
  lg_samples_writer *samples = NULL;
  lg_error serr;
  int rc = 0, lock_fd = -1;

  *out = NULL;
  memset(&sout, 0, sizeof sout);
  lg_error_clear(&serr);
  if (!(r = new_result(sc)))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  lg_metrics_begin(o->metrics, sc->name, NAN);
  if (o->out_dir)
    snprintf(dir, sizeof dir, "%s", o->out_dir);
  else
    snprintf(dir, sizeof dir, "leakgate-out/%s", sc->name);
  r->out_dir = strdup(dir);
  if ((rc = prepare_out_dir(r, dir, &lock_fd, &csv, &json, err)) != 0)
    goto cleanup;
  if (lg_samples_writer_open(csv, &samples, &serr) != 0)
    lg_result_set_error(r, serr.code, serr.msg);
  else if (main_session(r, sc, o, dir, samples, csv, &sout))
    lg__run_tiers(r, sc, dir, o);
  finish_run(r, sc, o, json);
  *out = r;
  r = NULL;
cleanup:
  /* Row write failures were reported by the sampler; what is left is the
   * close itself. */
  (void)lg_samples_writer_close(samples, NULL);
  lg__rtgc_out_cleanup(&sout.runtime);
  if (lock_fd >= 0)
    close(lock_fd); /* the out dir is free for the next run */
  lg_result_free(r);
  free(csv);
  free(json);
  return rc;
}
