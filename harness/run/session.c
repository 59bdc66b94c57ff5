/* run/session.c - one start-drive-stop session (see run/session.h).
 *
 * Order matters: the container exists before the service forks (the service
 * joins it before exec); the sampler starts right before the load so t_s = 0
 * is the load start; the final sample is taken before the service is
 * stopped, so the last row is the loaded state; the container is destroyed
 * last and unconditionally (kill all, rmdir), so nothing outlives the
 * session. Should leakgate itself die (SIGKILL), a watchdog forked first
 * (core/watchdog.h) ends what is outside the container's reach: the
 * service's session and process group, the exec load command's process
 * group, and - with backend none, where leakgate is the child subreaper of
 * the session - the orphans it adopted (a daemon that left the service's
 * session), which a normal end kills too, saying so in the note.
 * Complexity: the main loop wakes every 50 ms; all heavy work runs on the
 * load and sampler threads. */
#include "run/session.h"

#include "core/clock.h"
#include "core/watchdog.h"
#include "run/early.h"
#include "run/live.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Seconds between running analyses for the metrics endpoint: one costs
 * 10-30 ms of this loop, and a scraper polls every few seconds anyway. */
#define LOOK_INTERVAL_S 2.0

void session_opts_init(session_opts *o) {
  memset(o, 0, sizeof *o);
  o->log_prefix = "service";
  o->stage = "load";
  o->ready_scale = 1;
  o->stop_scale = 1;
  o->rate_scale = 1;
  o->duration_scale = 1;
  o->progress_interval_s = 0.5;
}

/* What the box enforces and its caveat. Called after create and again
 * after attach: wrapping backends (systemd, docker, podman) settle both only
 * once the service's cgroup is found, and a run that fails to start still
 * reports the limit it was given. */
static void record_box(session_out *out, const lg_container *box) {
  if (lg_container_limit(box))
    out->limit_bytes = (double)lg_container_limit(box);
  if (lg_container_note(box))
    snprintf(out->note, sizeof out->note, "%s", lg_container_note(box));
}

/* The service's life as the rows see it: the t_s of the last row with a
 * live process taken before the session saw the service end. Rows after
 * that (an OOM-killed service reads anon 0) measure its death, not its
 * growth, and are left out of the fit (issue 13 item 7). */
typedef struct life {
  live *lv;
  early *es;                  /* the rows early stop's looks wait for */
  atomic_int dead;            /* set by the main loop */
  _Atomic double last_live_t; /* sampler thread; NAN until a live row */
} life;

static void on_sample(const lg_sample *s, void *ctx) {
  life *l = ctx;
  if (s->procs > 0 && !atomic_load(&l->dead))
    atomic_store(&l->last_live_t, s->t_s);
  live_on_sample(s, l->lv);
  early_on_sample(l->es, s);
}

/* The exec driver's process group, for the watchdog (opts.on_group). */
static void on_load_group(void *ctx, pid_t pgid, bool alive) {
  lg_watchdog_watch(ctx, LG_WATCH_GROUP, pgid, alive, "the load command");
}

#define ADOPTED_MAX 256
#define ADOPT_SCAN_S 1.0

/* An adopted orphan's session when it is neither the service's nor
 * leakgate's own: a session a daemon made with setsid. Every member of it
 * descends from this run (sessions are inherited or made anew, and the
 * orphan descends from leakgate), so all of it may be killed; 0 when the
 * orphan is in one of the two known sessions or is gone. */
static pid_t escaped_session(pid_t kid, pid_t service_sid, char *state) {
  pid_t sid = -1;
  *state = '?';
  if (lg_proc_stat(kid, state, &sid) != 0 || sid <= 1 || sid == service_sid ||
      sid == getsid(0))
    return 0;
  return sid;
}

/* Backend none: the orphans leakgate adopted as the session's subreaper
 * (a daemon that left the service's session, a load command's leftover)
 * are registered with the watchdog as they appear, an escaped daemon with
 * its whole session (its workers are not leakgate's children: killing the
 * daemon alone leaves them to init). The session id stays valid while the
 * orphan, a member, is leakgate's unreaped child. */
static void watch_adopted(lg_watchdog *wd, pid_t service_sid) {
  pid_t kids[ADOPTED_MAX], sid;
  size_t n = lg_adopted_children(kids, ADOPTED_MAX, &wd->pid, 1), i;
  char st;
  for (i = 0; i < n && i < ADOPTED_MAX; i++) {
    lg_watchdog_watch(wd, LG_WATCH_PID, kids[i], true,
                      "an orphan the run adopted");
    if ((sid = escaped_session(kids[i], service_sid, &st)) > 0)
      lg_watchdog_watch(wd, LG_WATCH_SESSION, sid, true, "a daemon's session");
  }
}

/* At the end of a none session: kill and reap the adopted orphans, the
 * ones that escaped the service's session (a setsid daemon; no cgroup
 * will) with every process of their session (a prefork daemon's workers),
 * and say so in the note (they were never sampled). Orphans from the
 * service's session or leakgate's own (the load command's group) were
 * killed with it already and are reaped silently. A killed daemon's
 * children come to leakgate in turn, so this repeats until none is left
 * (a bounded number of generations). */
static void end_adopted(lg_watchdog *wd, pid_t service_sid, session_out *out) {
  pid_t kids[ADOPTED_MAX], sid;
  char pids[200] = "", more[64] = "", st;
  size_t n, i, pass, len = 0, used, escaped = 0, workers = 0;
  for (pass = 0; pass < 16; pass++) {
    n = lg_adopted_children(kids, ADOPTED_MAX, &wd->pid, 1);
    if (n == 0)
      break;
    n = n < ADOPTED_MAX ? n : ADOPTED_MAX;
    for (i = 0; i < n; i++) {
      if ((sid = escaped_session(kids[i], service_sid, &st)) == 0)
        continue;
      if (pass > 0) {
        workers++; /* a member of a daemon's session, killed below */
      } else if (st != 'Z') {
        if (len + 16 < sizeof pids)
          len += (size_t)snprintf(pids + len, sizeof pids - len, "%s%ld",
                                  escaped ? ", " : "", (long)kids[i]);
        escaped++;
      }
      (void)lg_kill_session(sid);
      lg_watchdog_watch(wd, LG_WATCH_SESSION, sid, false, NULL);
    }
    for (i = 0; i < n; i++) {
      (void)kill(kids[i], SIGKILL);
      lg_watchdog_watch(wd, LG_WATCH_PID, kids[i], false, NULL);
      while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
        ;
    }
  }
  if (escaped == 0)
    return;
  if (workers)
    snprintf(more, sizeof more, " and %zu more of %s session%s", workers,
             escaped == 1 ? "its" : "their", escaped == 1 ? "" : "s");
  used = strlen(out->note);
  snprintf(out->note + used, sizeof out->note - used,
           "%sbackend none: killed %zu process%s that had left the service's "
           "session (pid %s: a daemon?)%s; never sampled - a cgroup backend "
           "measures a daemon",
           used ? "; " : "", escaped, escaped == 1 ? "" : "es", pids, more);
}

/* "http://host:port/path" -> "host:port" (port 80 when absent). */
static char *url_hostport(const char *url) {
  const char *p = strstr(url, "://"), *end;
  char *out;
  size_t n;
  p = p ? p + 3 : url;
  end = p + strcspn(p, "/?#");
  n = (size_t)(end - p);
  out = malloc(n + 4);
  if (!out)
    return NULL;
  memcpy(out, p, n);
  out[n] = '\0';
  if (!memchr(out, ':', n))
    memcpy(out + n, ":80", 4); /* out has n + 4 bytes */
  return out;
}

static bool uses_port(const lg_scenario *sc) {
  size_t i;
  for (i = 0; i < sc->service.argc; i++)
    if (strstr(sc->service.argv[i], "{{port}}"))
      return true;
  for (i = 0; i < sc->service.n_env; i++)
    if (strstr(sc->service.env[i].value, "{{port}}"))
      return true;
  return false;
}

/* The readiness probe when the scenario names none: wait for the address
 * the load will use, so the first request never races the service. */
static void default_ready(const lg_scenario *sc, lg_ready_spec *r,
                          char **owned) {
  *owned = NULL;
  if (r->kind != LG_READY_NONE)
    return;
  if (sc->load.driver == LG_DRIVER_HTTP && sc->load.url)
    *owned = url_hostport(sc->load.url);
  else if (sc->load.driver == LG_DRIVER_TCP && sc->load.address)
    *owned = strdup(sc->load.address);
  else if (sc->load.driver == LG_DRIVER_EXEC && uses_port(sc))
    *owned = strdup("127.0.0.1:{{port}}");
  if (*owned) {
    r->kind = LG_READY_TCP;
    r->target = *owned;
  }
}

int session_run(const session_opts *o, session_out *out, lg_error *err) {
  const lg_scenario *sc = o->sc;
  lg_container_opts co;
  lg_service_opts so;
  lg_service_spec spec;
  lg_load_opts lo;
  lg_sampler_opts smo;
  lg_container *box = NULL;
  lg_service *svc = NULL;
  lg_load *load = NULL;
  lg_sampler *sampler = NULL;
  lg_sampler_stats sstats;
  lg_container_stats cst;
  live lv;
  early es;
  life lf;
  lg_watchdog wd = LG_WATCHDOG_INIT;
  rtgc g;
  bool have_g = false;
  char *ready_target = NULL;
  lg_kv *env = NULL; /* the merged environment (pointers borrowed) */
  size_t n_env = 0;
  unsigned port = 0;
  int rc = 0, was_subreaper = 0, fail_rc = 0;
  bool none = false;
  size_t last_phase = (size_t)-1;
  double last_progress = 0, last_look = 0, last_adopt = 0;
  lg_error e2, first;

  memset(out, 0, sizeof *out);
  memset(&sstats, 0, sizeof sstats);
  out->oom_kills = -1;
  out->limit_bytes = NAN;
  out->peak_bytes = NAN;
  out->ready_s = NAN;
  out->decided_after_s = NAN;
  out->load.exec_exit_status = -1;
  live_init(&lv, sc, o->duration_scale, o->metrics);
  early_init(&es, sc, o->early_stop ? o->csv : NULL, o->duration_scale);
  lf.lv = &lv;
  lf.es = &es;
  atomic_init(&lf.dead, 0);
  atomic_init(&lf.last_live_t, NAN);
  out->live_until_t_s = NAN;
  lg_error_clear(&e2);
  lg_error_clear(&first);

  if ((rc = lg_pick_port(&port, err)) != 0)
    goto cleanup;
  /* Before anything starts: it must know of every process as it starts. */
  if ((rc = lg_watchdog_start(&wd, "leakgate-watch", err)) != 0)
    goto cleanup;

  memset(&co, 0, sizeof co);
  co.backend = sc->container.backend;
  co.memory_bytes = o->no_memory_limit ? 0 : sc->container.memory_bytes;
  co.swap_bytes = sc->container.swap_bytes;
  co.name = sc->name;
  co.image = sc->container.image;
  co.rootfs = sc->container.rootfs;
  co.cgroupfs_root = o->cgroupfs_root;
  if ((rc = lg_container_create(&co, &box, err)) != 0)
    goto cleanup;
  snprintf(out->backend, sizeof out->backend, "%s", lg_container_backend(box));
  record_box(out, box);
  /* No cgroup to find a daemon by: orphans of the service come to
   * leakgate instead of init while the session runs. */
  none = strcmp(lg_container_backend(box), "none") == 0;
  if (none && prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper) == 0 &&
      !was_subreaper)
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);

  spec = sc->service;
  if (o->n_extra_env) {
    /* the scenario's variables, then the extra ones (same name: replaced) */
    size_t i, j;
    env = calloc(spec.n_env + o->n_extra_env, sizeof *env);
    if (!env) {
      rc = lg_error_set(err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (i = 0; i < spec.n_env; i++) {
      for (j = 0; j < o->n_extra_env; j++)
        if (strcmp(spec.env[i].key, o->extra_env[j].key) == 0)
          break;
      if (j == o->n_extra_env)
        env[n_env++] = spec.env[i];
    }
    for (j = 0; j < o->n_extra_env; j++)
      env[n_env++] = o->extra_env[j];
    spec.env = env;
    spec.n_env = n_env;
  }
  default_ready(sc, &spec.ready, &ready_target);
  spec.stop_timeout_s *= o->stop_scale;
  memset(&so, 0, sizeof so);
  so.spec = &spec;
  so.scenario_dir = sc->dir;
  so.port = port;
  so.container = box;
  so.out_dir = o->out_dir;
  so.log_prefix = o->log_prefix;
  so.stdin_pipe = sc->load.driver == LG_DRIVER_STDIN;
  so.wrapper = o->wrapper;
  so.ready_timeout_scale = o->ready_scale;
  so.interrupt = o->interrupt;
  if (o->runtime_gc) {
    /* Before the start: the runtime's switches go into its environment. */
    if ((rc = rtgc_prepare(&g, sc, o->out_dir, port, &spec, err)) != 0)
      goto cleanup;
    have_g = true;
    so.on_line = rtgc_on_line;
    so.line_ctx = &g;
  }
  if ((rc = lg_service_start(&so, &svc, err)) != 0)
    goto cleanup;
  out->started = true;
  out->pid = lg_service_pid(svc);
  lg_watchdog_watch(&wd, LG_WATCH_SESSION, out->pid, true, "the service");
  g.root = out->pid;
  snprintf(out->stdout_log, sizeof out->stdout_log, "%s",
           lg_service_stdout_path(svc) ? lg_service_stdout_path(svc) : "");
  snprintf(out->stderr_log, sizeof out->stderr_log, "%s",
           lg_service_stderr_path(svc) ? lg_service_stderr_path(svc) : "");
  if ((rc = lg_container_attach(box, lg_service_pid(svc), err)) != 0)
    goto cleanup;
  if (lg_container_path(box))
    snprintf(out->cgroup, sizeof out->cgroup, "%s", lg_container_path(box));
  record_box(out, box);
  lg_metrics_begin(o->metrics, sc->name, out->limit_bytes);

  if (o->progress) {
    lg_progress p;
    memset(&p, 0, sizeof p);
    p.scenario = sc->name;
    p.stage = "starting";
    p.memory_bytes = NAN;
    p.slope = NAN;
    o->progress(&p, o->progress_ctx);
  }
  if ((rc = lg_service_wait_ready(svc, err)) != 0)
    goto cleanup;
  out->ready = true;
  out->ready_s = lg_service_ready_seconds(svc);
  {
    lg_service_status st;
    /* A launcher that daemonised was reaped: its session id is no longer
     * ours (the cgroup holds the daemon). */
    if (lg_service_poll(svc, &st) == 0 && st.daemonized)
      lg_watchdog_watch(&wd, LG_WATCH_SESSION, out->pid, false, NULL);
  }

  lg_load_opts_init(&lo);
  lo.spec = &sc->load;
  lo.port = port;
  lo.stdin_fd = so.stdin_pipe ? lg_service_stdin_fd(svc) : -1;
  lo.stdout_fd = so.stdin_pipe ? lg_service_stdout_fd(svc) : -1;
  lo.rate_scale = o->rate_scale;
  lo.duration_scale = o->duration_scale;
  lo.max_requests = o->max_requests;
  lo.out_dir = o->out_dir;
  lo.interrupt = o->interrupt;
  lo.hold = o->hold_first > 0;
  lo.on_group = on_load_group;
  lo.group_ctx = &wd;
  lo.max_duration_s = early_max_duration(&es);
  if ((rc = lg_load_new(&lo, &load, err)) != 0)
    goto cleanup;
  if (lo.hold)
    lg_load_set_budget(load, o->hold_first);

  if (have_g)
    rtgc_load_started(&g, load);
  if (o->csv) {
    memset(&smo, 0, sizeof smo);
    smo.interval_s = sc->sampling_interval_s;
    smo.container = box;
    smo.root_pid = lg_service_pid(svc);
    smo.writer = o->csv;
    smo.requests = lg_load_completed_cb;
    smo.requests_ctx = load;
    smo.phase = lg_load_phase_cb;
    smo.phase_ctx = load;
    smo.on_sample = on_sample;
    smo.on_sample_ctx = &lf;
    /* Gated on PSS: read it on a bounded cadence, not only at phase
     * boundaries (two rows cannot be judged). */
    if (sc->analysis.metric == LG_METRIC_PSS)
      smo.pss_duty = LG_SAMPLER_PSS_DUTY;
    smo.gc = have_g ? rtgc_sample : NULL;
    smo.gc_ctx = &g;
    if ((rc = lg_sampler_start(&smo, &sampler, err)) != 0)
      goto cleanup;
  }
  if ((rc = lg_load_start(load, err)) != 0)
    goto cleanup;
  lg_metrics_stage(o->metrics, o->stage);

  for (;;) {
    lg_load_progress lp;
    lg_service_status st;
    int done = lg_load_wait(load, 0.05);
    double now = lg_now_s();

    if (o->interrupt && *o->interrupt && !out->interrupted) {
      out->interrupted = true;
      lg_load_stop(load);
    }
    /* An output that can no longer be written (disk full): stop now, and
     * that first failure is what the run reports. */
    if (!fail_rc && ((sampler && lg_sampler_error(sampler, &first) != 0) ||
                     lg_service_log_error(svc, &first) != 0)) {
      fail_rc = first.code;
      lg_load_stop(load);
    }
    if (!out->died_early && lg_service_poll(svc, &st) == 0 && !st.running) {
      /* The service died under load: stop driving a corpse, keep samples. */
      out->died_early = true;
      atomic_store(&lf.dead, 1);
      lg_load_stop(load);
    }
    if (!done && !out->stopped_early && early_poll(&es, out->limit_bytes)) {
      /* Decided (docs/analysis.md "Early stop"): the steady load ends. */
      out->stopped_early = true;
      out->decided_after_s = es.st.decided_s;
      out->decided_leak = es.leak;
      lg_load_stop(load);
    }
    if (none && now - last_adopt >= ADOPT_SCAN_S) {
      watch_adopted(&wd, out->pid);
      last_adopt = now;
    }
    lg_load_progress_get(load, &lp);
    if (lp.phase_index != last_phase) {
      if (sampler && last_phase != (size_t)-1)
        lg_sampler_mark_phase(sampler);
      /* What the runtime holds at each phase boundary (its class
       * histogram): the first and last looks name what grew. */
      if (have_g && last_phase != (size_t)-1 && !done)
        rtgc_look(&g, lp.completed);
      last_phase = lp.phase_index;
    }
    /* Ticks only while the load runs: once it is done its connections are
     * closed, and a Massif snapshot then shows their buffers freed - a drop
     * the heap analysis would read as a step. */
    if (have_g && !out->died_early && !done)
      rtgc_tick(&g, lp.completed);
    if (o->on_tick && !out->died_early && !done)
      o->on_tick(o->tick_ctx, load, lp.completed, lg_service_pid(svc));
    lg_metrics_load(o->metrics, &lp);
    if (o->metrics && (now - last_look >= LOOK_INTERVAL_S || done)) {
      lg_analysis look;
      lg_error le;
      if (live_look(&lv, sc, out->limit_bytes, &look, &le) == 0)
        lg_metrics_analysis(o->metrics, &look, false);
      last_look = now;
    }
    if (o->progress && (now - last_progress >= o->progress_interval_s || done)) {
      lg_progress p;
      memset(&p, 0, sizeof p);
      p.scenario = sc->name;
      p.stage = o->stage;
      p.load = lp;
      p.memory_bytes = live_memory(&lv);
      p.slope = live_slope(&lv);
      o->progress(&p, o->progress_ctx);
      last_progress = now;
    }
    if (done)
      break;
  }

  if (have_g && !out->died_early && !out->interrupted) {
    lg_load_progress lp;
    lg_load_progress_get(load, &lp);
    rtgc_look(&g, lp.completed); /* the last look: the load's end state */
  }
  if (sampler) {
    /* The last row is the loaded state (PSS included): before the stop. */
    lg_sampler_mark_phase(sampler);
    if (lg_sampler_sample_now(sampler, &e2) != 0)
      lg_error_clear(&e2); /* the service may be gone; rows so far stand */
  }
  rc = lg_load_finish(load, &out->load, err);
  if (rc)
    goto cleanup;
  if (fail_rc)
    rc = lg_error_set(err, fail_rc, "%s", first.msg);

cleanup:
  /* Teardown runs on every path, in reverse order of creation. */
  if (sampler) {
    int src = lg_sampler_stop(sampler, &sstats, rc ? NULL : err);
    sampler = NULL;
    out->samples = sstats.samples;
    out->peak_bytes = sstats.peak_cgroup_bytes > 0 ? sstats.peak_cgroup_bytes
                                                   : sstats.peak_rss_bytes;
    if (src && !rc)
      rc = src;
  }
  if (have_g)
    rtgc_load_stopped(&g); /* the service still runs and reports */
  lg_load_free(load);
  if (box && lg_container_read(box, &cst, &e2) == 0) {
    out->oom_kills = cst.oom_kills;
    if (!isnan(cst.peak_bytes))
      out->peak_bytes = cst.peak_bytes;
  }
  if (svc) {
    lg_service_status st;
    if (lg_service_stop(svc, &st, &e2) == 0)
      out->status = st;
    if (!out->status.stopped_by_us && out->started)
      out->died_early = true;
    lg_service_free(svc); /* reaped: its ids may be handed out again */
    lg_watchdog_watch(&wd, LG_WATCH_SESSION, out->pid, false, NULL);
  }
  if (none) {
    end_adopted(&wd, out->pid, out);
    if (!was_subreaper)
      (void)prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  if (out->died_early)
    out->live_until_t_s = atomic_load(&lf.last_live_t);
  if (have_g) {
    /* The capture thread is joined: every line the service wrote is in. */
    rtgc_finish(&g, sc, o->duration_scale, &out->runtime);
    rtgc_cleanup(&g);
  }
  if (box && lg_container_destroy(box, &e2) != 0 && !rc) {
    /* A cgroup we cannot remove is an infrastructure failure to report. */
    rc = lg_error_set(err, e2.code, "%s", e2.msg);
  }
  if (rc) {
    out->failure_code = rc;
    snprintf(out->failure, sizeof out->failure, "%s",
             err && err->msg[0] ? err->msg : lg_strerror(rc));
  }
  lg_watchdog_stop(&wd);
  free(ready_target);
  live_cleanup(&lv);
  return rc;
}
