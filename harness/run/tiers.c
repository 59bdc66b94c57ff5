/* run/tiers.c - the Valgrind tiers and the baseline step of a run.
 *
 * Each Valgrind tier is a separate session at reduced load (under Valgrind
 * the RSS is the tool's, so no memory limit applies and no samples.csv is
 * written): Memcheck stops the service gracefully so its leak check runs at
 * exit; Massif takes request-aligned snapshots through vgdb while the load
 * runs (every other one detailed), falling back to --detailed-freq output.
 * A tier that was meant to run but could not leaves a note, which
 * lg_result_finish turns into an error check: it never passes silently.
 * Each tier's directory is cleared of the tool's files from an earlier run
 * into the same out dir first: Memcheck's results are collected from every
 * memcheck.*.xml there, so a stale file would report old leaks as new ones
 * (and a symlink planted under such a name would be written through). */
#include "run/tiers.h"

#include <leakgate/heapprof.h>

#include "core/clock.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Requests and rate of a reduced-load tier session (valgrind.*.load):
 * open-model phases run at the fraction of their rate, and every phase,
 * closed-model ones too (which have no rate to scale), stops at a request
 * budget: the fraction of the requests the main run completed (main_done),
 * or the absolute count. The budget is what bounds a closed-model tier;
 * leaked bytes scale with requests, so memcheck.budget stays meaningful. */
static void tier_load(const lg_tool_load *tl, int64_t main_done,
                      double *rate_scale, uint64_t *max_requests) {
  double done = main_done > 0 ? (double)main_done : 0;
  *rate_scale = 1;
  *max_requests = 0;
  if (tl->requests > 0) {
    *max_requests = tl->requests;
    if (done > 0)
      *rate_scale = fmin(1.0, (double)tl->requests / done);
  } else if (!isnan(tl->fraction) && tl->fraction > 0) {
    *rate_scale = tl->fraction;
    if (done > 0)
      *max_requests = (uint64_t)ceil(tl->fraction * done);
  }
}

static void set_note(char **note, const char *fmt, const char *msg) {
  char buf[LG_ERROR_MSG_MAX + 128];
  snprintf(buf, sizeof buf, fmt, msg);
  free(*note);
  *note = strdup(buf);
}

/* Should the tiers run at all? valgrind.mode: on-suspicion runs them only
 * when the RSS verdict is leak or inconclusive. */
static bool suspicious(const lg_result *r, const lg_scenario *sc) {
  if (sc->valgrind.mode != LG_VG_ON_SUSPICION)
    return true;
  return !r->has_analysis || r->analysis.leak != LG_LEAK_NO_LEAK;
}

/* Before a tier's tool runs: valgrind is there (its path into vg), the
 * tier's dir exists and holds no file of an earlier run. */
static int tier_prepare(const char *dir, const char *const *stale, char *vg,
                        size_t vgcap, lg_error *err) {
  char ver[128];
  if (!dir)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  if (lg_valgrind_find(vg, vgcap, ver, sizeof ver, err) != 0 ||
      lg__mkdir_p(dir, err) != 0 || lg__remove_prefixed(dir, stale, err) != 0)
    return err->code;
  return 0;
}

/* The session of a tier: the tool's wrapper, its timeouts, no memory limit
 * (the RSS is the tool's), and the reduced load of valgrind.*.load. */
static void session_for_tier(session_opts *so, const lg_scenario *sc,
                             const lg_run_opts *o, const char *dir,
                             lg_valgrind_tool tool, char *const *wrapper,
                             int64_t main_done) {
  double t = sc->service.ready.timeout_s > 0 ? sc->service.ready.timeout_s : 10;
  lg__session_opts_init(so);
  so->wrapper = wrapper;
  tier_load(tool == LG_TOOL_MEMCHECK ? &sc->valgrind.memcheck_load
                                     : &sc->valgrind.massif_load,
            main_done, &so->rate_scale, &so->max_requests);
  so->sc = sc;
  so->out_dir = dir;
  so->log_prefix = tool == LG_TOOL_MEMCHECK ? "memcheck" : "massif";
  so->stage = so->log_prefix;
  /* timeout' = timeout * scale + start-up, expressed as one factor. */
  so->ready_scale = lg_valgrind_ready_scale(tool) + lg_valgrind_startup_s(tool) / t;
  so->stop_scale = lg_valgrind_stop_scale(tool);
  so->no_memory_limit = true;
  so->cgroupfs_root = o->cgroupfs_root;
  so->interrupt = o->interrupt;
  so->progress = o->progress;
  so->progress_ctx = o->progress_ctx;
  so->progress_interval_s = o->progress_interval_s;
}

static void run_memcheck(lg_result *r, const lg_scenario *sc,
                         const char *out_dir, const lg_run_opts *o) {
  lg_memcheck_result *m = &r->memcheck;
  lg_memcheck_cmd cmd;
  session_opts so;
  session_out sout;
  char vg[1024];
  char *dir = lg__path_join(out_dir, "memcheck");
  char **prefix = NULL;
  lg_error err;
  int rc;

  lg_error_clear(&err);
  memset(&sout, 0, sizeof sout);
  if (tier_prepare(dir, (const char *const[]){"memcheck.", NULL}, vg,
                   sizeof vg, &err) != 0) {
    set_note(&m->note, "Memcheck not run: %s", err.msg);
    goto cleanup;
  }
  memset(&cmd, 0, sizeof cmd);
  cmd.valgrind = vg;
  cmd.out_dir = dir;
  /* The loader made suppression paths absolute (scenario-relative). */
  cmd.suppressions = (const char *const *)sc->valgrind.suppressions;
  cmd.n_suppressions = sc->valgrind.n_suppressions;
  cmd.fail_on = sc->valgrind.fail_on;
  if (lg_memcheck_argv(&cmd, &prefix, &err) != 0) {
    set_note(&m->note, "Memcheck not run: %s", err.msg);
    goto cleanup;
  }
  session_for_tier(&so, sc, o, dir, LG_TOOL_MEMCHECK, prefix,
                   r->load.requests);
  rc = lg__session_run(&so, &sout, &err);
  m->requests = sout.load.requests; /* this tier's own run */
  if (rc != 0) {
    set_note(&m->note, "Memcheck run failed: %s", err.msg);
    goto cleanup;
  }
  if (lg_memcheck_collect(dir, m, &err) != 0) {
    set_note(&m->note, "Memcheck output unusable: %s", err.msg);
    m->ran = false;
    goto cleanup;
  }
  if (sout.died_early && !(sout.status.exited &&
                           sout.status.exit_status == LG_MEMCHECK_ERROR_EXIT))
    set_note(&m->note, "%s", "the service ended before the load did under Memcheck");
cleanup:
  lg_load_result_cleanup(&sout.load);
  lg_valgrind_argv_free(prefix);
  free(dir);
}

/* Time budgeted per vgdb snapshot (measured: 0.2-0.3 s on 2 busy cores). */
#define MASSIF_SNAPSHOT_S 0.4

/* Request-aligned Massif snapshots, taken from the session's main loop.
 * The load holds at each multiple of step (lg_load_set_budget), so the
 * snapshot is taken with exactly that many requests done and none in
 * flight: the heap curve is against requests, not against time. */
typedef struct massif_snaps {
  const char *dir;
  char *vgdb_prefix;
  uint64_t step, next;
  int taken, failed;
  uint64_t at[1024];
  bool disabled;
} massif_snaps;

/* vgdb's process group, for the session's watchdog: left running by a
 * killed leakgate, it would wait on FIFOs nobody answers (issue 13). */
static void on_vgdb_group(void *wd, pid_t pgid, bool alive) {
  lg__watchdog_watch(wd, LG_WATCH_GROUP, pgid, alive, "vgdb");
}

static void massif_tick(void *ctx, lg_load *load, uint64_t completed,
                        pid_t pid, lg_watchdog *wd) {
  massif_snaps *s = ctx;
  char path[4096];
  lg_error err;
  if (s->disabled || s->taken >= 1024) {
    lg_load_set_budget(load, UINT64_MAX); /* no more holds */
    return;
  }
  if (completed < s->next)
    return;
  snprintf(path, sizeof path, "%s/snapshot.%04d.massif", s->dir, s->taken);
  /* Every other snapshot is detailed: the heap curve gets twice the points
   * and the site diff one tree per requested snapshot. Bounded: a stuck
   * vgdb costs the loop at most 5 s, three times at most. */
  if (lg_massif_vgdb_snapshot_watched(s->vgdb_prefix, pid, path,
                                      s->taken % 2 == 0, 5.0, on_vgdb_group,
                                      wd, &err) != 0) {
    if (++s->failed >= 3)
      s->disabled = true; /* vgdb unusable here: use --detailed-freq output */
  } else {
    s->at[s->taken++] = completed;
  }
  s->next = completed + s->step;
  lg_load_set_budget(load, s->disabled ? UINT64_MAX : s->next);
}

/* Parse the service's own --detailed-freq output (massif.out.<pid>) when no
 * vgdb snapshot could be taken. Its x is Massif's time unit (bytes
 * allocated, --time-unit=B); for a steady workload allocation is
 * proportional to requests, so x is rescaled to requests from the total the
 * session served, and a note says the axis is estimated. */
static int parse_fallback(const char *dir, pid_t pid, uint64_t requests,
                          lg_massif_result *m, lg_error *err) {
  char name[64];
  char *path;
  int rc;
  size_t i;
  snprintf(name, sizeof name, "massif.out.%ld", (long)pid);
  path = lg__path_join(dir, name);
  if (!path)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  rc = lg_massif_parse_file(path, m, err);
  free(path);
  if (rc)
    return rc;
  if (m->n_heap > 1 && requests > 0 && m->heap_x[m->n_heap - 1] > 0) {
    double scale = (double)requests / m->heap_x[m->n_heap - 1];
    for (i = 0; i < m->n_heap; i++)
      m->heap_x[i] *= scale;
    set_note(&m->note, "%s",
             "heap x-axis estimated from bytes allocated (no vgdb snapshots)");
  }
  return 0;
}

static void run_massif(lg_result *r, const lg_scenario *sc,
                       const char *out_dir, const lg_run_opts *o) {
  lg_massif_result *m = &r->massif;
  lg_massif_cmd cmd;
  lg_massif_series *series = NULL;
  massif_snaps snaps;
  session_opts so;
  session_out sout;
  char vg[1024];
  char *dir = lg__path_join(out_dir, "massif");
  char **prefix = NULL;
  lg_error err;
  int i, points, rc;

  lg_error_clear(&err);
  memset(&sout, 0, sizeof sout);
  memset(&snaps, 0, sizeof snaps);
  if (tier_prepare(dir, (const char *const[]){"massif.", "snapshot.", NULL},
                   vg, sizeof vg, &err) != 0) {
    set_note(&m->note, "Massif not run: %s", err.msg);
    goto cleanup;
  }
  memset(&cmd, 0, sizeof cmd);
  cmd.valgrind = vg;
  cmd.out_dir = dir;
  cmd.detailed_snapshots = sc->valgrind.massif_snapshots;
  cmd.vgdb = true;
  if (lg_massif_argv(&cmd, &prefix, &err) != 0) {
    set_note(&m->note, "Massif not run: %s", err.msg);
    goto cleanup;
  }
  session_for_tier(&so, sc, o, dir, LG_TOOL_MASSIF, prefix, r->load.requests);

  /* Two snapshots per detailed one requested, spread over the requests;
   * at least 24, so the heap curve has the 20 points the analysis needs. */
  points = 2 * (sc->valgrind.massif_snapshots > 0 ? sc->valgrind.massif_snapshots : 20);
  if (points < 24)
    points = 24;
  /* Each vgdb snapshot stops the service for about a quarter of a second:
   * give the phases time for all of them (the load holds meanwhile). */
  if (lg_scenario_duration(sc) > 0 &&
      points * MASSIF_SNAPSHOT_S > lg_scenario_duration(sc))
    so.duration_scale = points * MASSIF_SNAPSHOT_S / lg_scenario_duration(sc);
  snaps.dir = dir;
  snaps.vgdb_prefix = lg_massif_vgdb_prefix(dir);
  snaps.step = so.max_requests ? so.max_requests / (uint64_t)points : 0;
  if (snaps.step == 0)
    snaps.step = 1;
  snaps.next = snaps.step;
  snaps.disabled = so.max_requests == 0; /* no counter: time-based fallback */
  so.on_tick = massif_tick;
  so.tick_ctx = &snaps;
  if (!snaps.disabled)
    so.hold_first = snaps.next;
  rc = lg__session_run(&so, &sout, &err);
  m->requests = sout.load.requests; /* this tier's own run */
  if (rc != 0) {
    set_note(&m->note, "Massif run failed: %s", err.msg);
    goto cleanup;
  }
  if (snaps.taken >= 2) {
    char path[4096];
    if (lg_massif_series_new(&series, &err) != 0)
      goto parse_failed;
    for (i = 0; i < snaps.taken; i++) {
      snprintf(path, sizeof path, "%s/snapshot.%04d.massif", dir, i);
      if (lg_massif_series_add_file(series, path, (double)snaps.at[i], &err) != 0)
        goto parse_failed;
    }
    if (lg_massif_series_finish(series, NULL, m, &err) != 0)
      goto parse_failed;
  } else if (parse_fallback(dir, sout.pid, (uint64_t)(sout.load.requests > 0 ? sout.load.requests : 0),
                            m, &err) != 0) {
    goto parse_failed;
  }
  free(m->out_file);
  m->out_file = strdup(dir);
  lg__run_heap_analysis(r, sc);
  goto cleanup;
parse_failed:
  set_note(&m->note, "Massif output unusable: %s", err.msg);
  m->ran = false;
cleanup:
  lg_massif_series_free(series);
  lg_load_result_cleanup(&sout.load);
  lg_valgrind_argv_free(prefix);
  free(snaps.vgdb_prefix);
  free(dir);
}

/* The analysis was of a managed runtime's own heap (gc.csv). */
static bool runtime_heap(const lg_result *r) {
  return r->has_analysis && (strcmp(r->analysis.metric, "heap_live_bytes") == 0 ||
                             strcmp(r->analysis.metric, "heap_after_bytes") == 0);
}

void lg__run_heap_analysis(lg_result *r, const lg_scenario *sc) {
  lg_massif_result *m = &r->massif;
  lg_series *s = NULL;
  lg_analysis_opts ao;
  lg_error err;
  if (!m->ran || m->n_heap < 2)
    return;
  lg__run_analysis_opts(sc, &ao);
  if (lg_series_from_arrays(m->heap_x, m->heap_y, NULL, m->n_heap, "heap_bytes",
                            "requests", &s, &err) != 0 ||
      lg_analyze(s, &ao, &m->heap_analysis, &err) != 0) {
    lg_series_free(s);
    return; /* too few snapshots to judge: the sites are still reported */
  }
  lg_series_free(s);
  /* analysis.metric: heap gates on Massif's heap, not on the RSS run -
   * unless a managed runtime's own heap was judged (run.c). */
  if (sc->analysis.metric == LG_METRIC_HEAP && !runtime_heap(r)) {
    r->analysis = m->heap_analysis;
    r->has_analysis = true;
  }
}

/* ---- the heap-profile tier (docs/heap-profile.md) ------------------------
 * One more session at the scenario's full load with the heap sampler
 * preloaded into the service (LD_PRELOAD; its allocator is kept). Each tick
 * records (time, completed requests), which turns the sample streams' times
 * into requests; after the run the streams are symbolised and every site
 * fitted (lg_heapprof_finish), and the snapshots written next to them. */

typedef struct heap_ticks {
  double *t, *x;
  size_t n, cap;
} heap_ticks;

static void heap_tick(void *ctx, lg_load *load, uint64_t completed,
                      pid_t pid, lg_watchdog *wd) {
  heap_ticks *k = ctx;
  (void)load;
  (void)wd;
  (void)pid;
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 1024;
    double *t, *x;
    if (cap > ((size_t)1 << 22))
      return; /* 58 h of ticks: later ones are not needed for the fit */
    t = realloc(k->t, cap * sizeof *t);
    if (t)
      k->t = t;
    x = t ? realloc(k->x, cap * sizeof *x) : NULL;
    if (!x)
      return;
    k->x = x;
    k->cap = cap;
  }
  k->t[k->n] = lg__now_s();
  k->x[k->n] = (double)completed;
  k->n++;
}

/* The tier did not run because the service cannot be profiled: a skipped
 * check, or an error when heap_profile.required. */
static void heap_unsupported(lg_heap_profile_result *hp, const char *why) {
  hp->unsupported = true;
  set_note(&hp->note, "%s", why);
}

/* The progress pairs as OUT/heap_profile/progress.csv (t_s on the monotonic
 * clock, requests), so the fit can be redone from the directory. */
static void write_progress(const char *dir, const heap_ticks *k) {
  char *path = lg__path_join(dir, "progress.csv");
  FILE *f = NULL;
  size_t i;
  lg_error err;
  int fd = path ? lg__create_file(path, &err) : -1;
  if (fd >= 0)
    f = fdopen(fd, "w");
  if (f) {
    fputs("t_s,requests\n", f);
    for (i = 0; i < k->n; i++)
      fprintf(f, "%.6f,%.0f\n", k->t[i], k->x[i]);
    fclose(f);
  } else if (fd >= 0) {
    close(fd);
  }
  free(path);
}

static void run_heap_profile(lg_result *r, const lg_scenario *sc,
                             const char *out_dir, const lg_run_opts *o) {
  const lg_heap_profile_spec *spec = &sc->heap_profile;
  lg_heap_profile_result *hp = &r->heap_profile;
  char lib[4096], why[1024], period[32], seed[32];
  char *dir = lg__path_join(out_dir, "heap_profile"), *prog = NULL,
       *preload = NULL;
  const char *theirs = NULL;
  lg_kv env[4];
  size_t n_env = 0, i;
  heap_ticks ticks;
  session_opts so;
  session_out sout;
  lg_heapprof *h = NULL;
  lg_heapprof_opts ho;
  lg_error err;

  lg_error_clear(&err);
  memset(&sout, 0, sizeof sout);
  memset(&ticks, 0, sizeof ticks);
  if (!dir) {
    set_note(&hp->note, "%s", "heap profile not run: out of memory");
    goto cleanup;
  }
  if (sc->container.backend == LG_BACKEND_DOCKER ||
      sc->container.backend == LG_BACKEND_PODMAN) {
    snprintf(why, sizeof why,
             "cannot profile this service: the %s backend runs it from an "
             "image, which does not hold leakgate's heap sampler",
             lg_backend_name(sc->container.backend));
    heap_unsupported(hp, why);
    goto cleanup;
  }
  if (lg__mkdir_p(dir, &err) != 0 ||
      lg__remove_prefixed(
          dir,
          (const char *const[]){"heapprof.", "snapshot.", "progress.", NULL},
          &err) != 0 ||
      lg_heapsampler_path(lib, sizeof lib, &err) != 0) {
    set_note(&hp->note, "heap profile not run: %s", err.msg);
    goto cleanup;
  }
  if (lg_service_program(&sc->service, sc->dir, 0, &prog, &err) == 0 &&
      lg_heapprof_check_binary(prog, why, sizeof why)) {
    heap_unsupported(hp, why);
    goto cleanup;
  }
  /* Ours first; a LD_PRELOAD the scenario sets itself is kept after it. */
  for (i = 0; i < sc->service.n_env; i++)
    if (strcmp(sc->service.env[i].key, "LD_PRELOAD") == 0)
      theirs = sc->service.env[i].value;
  if (asprintf(&preload, "%s%s%s", lib, theirs && theirs[0] ? ":" : "",
               theirs ? theirs : "") < 0) {
    preload = NULL;
    set_note(&hp->note, "%s", "heap profile not run: out of memory");
    goto cleanup;
  }
  snprintf(period, sizeof period, "%llu",
           (unsigned long long)spec->period_bytes);
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)spec->seed);
  env[n_env++] = (lg_kv){(char *)"LD_PRELOAD", preload};
  env[n_env++] = (lg_kv){(char *)"LG_HEAPPROF_DIR", dir};
  env[n_env++] = (lg_kv){(char *)"LG_HEAPPROF_PERIOD", period};
  if (spec->seed)
    env[n_env++] = (lg_kv){(char *)"LG_HEAPPROF_SEED", seed};

  lg__session_opts_init(&so);
  so.sc = sc;
  so.out_dir = dir;
  so.stage = "heap_profile";
  so.cgroupfs_root = o->cgroupfs_root;
  so.interrupt = o->interrupt;
  so.progress = o->progress;
  so.progress_ctx = o->progress_ctx;
  so.progress_interval_s = o->progress_interval_s;
  so.on_tick = heap_tick;
  so.tick_ctx = &ticks;
  so.extra_env = env;
  so.n_extra_env = n_env;
  if (lg__session_run(&so, &sout, &err) != 0) {
    set_note(&hp->note, "heap profile run failed: %s", err.msg);
    goto cleanup;
  }
  write_progress(dir, &ticks);
  if (lg_heapprof_new(&h, &err) != 0)
    goto unusable;
  if (lg_heapprof_add_stream_dir(h, dir, &err) != 0) {
    if (err.code == LG_ENOENT)
      heap_unsupported(hp, "cannot profile this service: the heap sampler "
                           "was not loaded into it (a statically linked or "
                           "setuid program, or one that clears LD_PRELOAD)");
    else
      goto unusable;
    goto cleanup;
  }
  for (i = 0; i < lg_heapprof_notes(h); i++)
    if (strncmp(lg_heapprof_note(h, i), "cannot profile", 14) == 0) {
      heap_unsupported(hp, lg_heapprof_note(h, i));
      goto cleanup;
    }
  lg_heapprof_opts_init(&ho);
  ho.tolerance = sc->analysis.tolerance_bytes;
  ho.confidence = sc->analysis.confidence;
  ho.warmup_fraction = sc->analysis.warmup_fraction;
  ho.snapshots = (size_t)spec->snapshots;
  ho.snapshot_dir = dir;
  ho.alloc_functions = (const char *const *)spec->alloc_functions;
  ho.n_alloc_functions = spec->n_alloc_functions;
  if (lg_heapprof_set_progress(h, ticks.t, ticks.x, ticks.n, &err) != 0 ||
      lg_heapprof_finish(h, &ho, hp, &err) != 0)
    goto unusable;
  hp->requests = sout.load.requests;
  hp->peak_bytes = sout.peak_bytes;
  /* the main run's load has moved into r by now */
  if (r->load.throughput_rps > 0 && sout.load.throughput_rps > 0)
    hp->throughput_ratio = sout.load.throughput_rps / r->load.throughput_rps;
  free(hp->dir);
  hp->dir = strdup(dir);
  if (lg_heapprof_notes(h))
    set_note(&hp->note, "%s", lg_heapprof_note(h, 0));
  if (sout.died_early)
    set_note(&hp->note, "%s",
             "the service ended before the load did under the heap sampler");
  goto cleanup;
unusable:
  set_note(&hp->note, "heap profile output unusable: %s", err.msg);
  hp->ran = false;
cleanup:
  lg_heapprof_free(h);
  lg_load_result_cleanup(&sout.load);
  free(ticks.t);
  free(ticks.x);
  free(prog);
  free(preload);
  free(dir);
}

void lg__run_tiers(lg_result *r, const lg_scenario *sc, const char *out_dir,
                   const lg_run_opts *o) {
  bool go = suspicious(r, sc);
  if (sc->valgrind.memcheck) {
    if (go)
      run_memcheck(r, sc, out_dir, o);
    else {
      r->memcheck.enabled = false;
      set_note(&r->memcheck.note, "%s",
               "skipped: the RSS run found no leak (valgrind.mode: on-suspicion)");
    }
  }
  if (sc->valgrind.massif) {
    if (go)
      run_massif(r, sc, out_dir, o);
    else {
      r->massif.enabled = false;
      set_note(&r->massif.note, "%s",
               "skipped: the RSS run found no leak (valgrind.mode: on-suspicion)");
    }
  }
  /* analysis.metric: heap is judged on Massif's heap alone: without its
   * series the run cannot be judged, and the RSS analysis (left in the
   * result under its own name, anon_bytes) must not pass for it. */
  if (sc->analysis.metric == LG_METRIC_HEAP && !runtime_heap(r) &&
      strcmp(r->analysis.metric, "heap_bytes") != 0)
    lg_result_add_check(r, lg_check_name(LG_CK_GROWTH), LG_CHECK_ERROR,
                        "analysis.metric heap: Massif gave no heap series to "
                        "judge (%s)",
                        r->massif.note ? r->massif.note : "too few snapshots");
  if (sc->heap_profile.enabled) {
    /* heap_profile.mode: on-suspicion, like valgrind.mode */
    if (sc->heap_profile.mode != LG_VG_ON_SUSPICION || !r->has_analysis ||
        r->analysis.leak != LG_LEAK_NO_LEAK)
      run_heap_profile(r, sc, out_dir, o);
    else {
      r->heap_profile.enabled = false;
      set_note(&r->heap_profile.note, "%s",
               "skipped: the main run found no leak (heap_profile.mode: "
               "on-suspicion)");
    }
  }
}

void lg__run_baseline(lg_result *r, const lg_scenario *sc, const char *path) {
  lg_baseline *b = NULL;
  lg_compare_opts co;
  lg_error err;
  int rc;

  lg_error_clear(&err);
  lg_compare_opts_init(&co);
  co.tolerance = sc->baseline.tolerance_bytes;
  co.confidence = sc->analysis.confidence;
  co.missing_fails = sc->baseline.missing_fails;
  rc = lg_baseline_load(path, &b, &err);
  if (rc != 0 && rc != LG_ENOENT) {
    /* A baseline that exists but cannot be read is an input problem the
     * user must fix; it is recorded, never silently ignored. */
    lg_result_add_check(r, lg_check_name(LG_CK_BASELINE), LG_CHECK_ERROR, "%s",
                        err.msg);
    return;
  }
  if (lg_baseline_compare(r, b, path, &co, &err) != 0)
    lg_result_add_check(r, lg_check_name(LG_CK_BASELINE), LG_CHECK_ERROR, "%s",
                        err.msg);
  lg_baseline_free(b);
}
