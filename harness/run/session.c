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

void lg__session_opts_init(session_opts *o) {
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
  lg__live_on_sample(s, l->lv);
  lg__early_on_sample(l->es, s);
}

/* The exec driver's process group, for the watchdog (opts.on_group). */
static void on_load_group(void *ctx, pid_t pgid, bool alive) {
  lg__watchdog_watch(ctx, LG_WATCH_GROUP, pgid, alive, "the load command");
}

#define ADOPTED_MAX 256

/* The orphans already registered with the watchdog: the scan runs every
 * pass of the main loop (~50 ms, a few reads of /proc/self/task) and
 * tells the watchdog only of new ones. */
typedef struct adopted_set {
  pid_t pid[ADOPTED_MAX];
  size_t n;
} adopted_set;

/* An adopted orphan's session when it is neither the service's nor
 * leakgate's own: a session a daemon made with setsid. Every member of it
 * descends from this run (sessions are inherited or made anew, and the
 * orphan descends from leakgate), so all of it may be killed; 0 when the
 * orphan is in one of the two known sessions or is gone. */
static pid_t escaped_session(pid_t kid, pid_t service_sid, char *state) {
  pid_t sid = -1;
  *state = '?';
  if (lg__proc_stat(kid, state, &sid) != 0 || sid <= 1 || sid == service_sid ||
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
static void watch_adopted(lg_watchdog *wd, pid_t service_sid,
                          adopted_set *seen) {
  pid_t kids[ADOPTED_MAX], sid;
  size_t n = lg__adopted_children(kids, ADOPTED_MAX, &wd->pid, 1), i, k;
  char st;
  for (i = 0; i < n && i < ADOPTED_MAX; i++) {
    for (k = 0; k < seen->n && seen->pid[k] != kids[i]; k++)
      ;
    if (k < seen->n)
      continue;
    if (seen->n < ADOPTED_MAX)
      seen->pid[seen->n++] = kids[i];
    lg__watchdog_watch(wd, LG_WATCH_PID, kids[i], true,
                       "an orphan the run adopted");
    if ((sid = escaped_session(kids[i], service_sid, &st)) > 0)
      lg__watchdog_watch(wd, LG_WATCH_SESSION, sid, true, "a daemon's session");
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
    n = lg__adopted_children(kids, ADOPTED_MAX, &wd->pid, 1);
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
      (void)lg__kill_session(sid);
      lg__watchdog_watch(wd, LG_WATCH_SESSION, sid, false, NULL);
    }
    for (i = 0; i < n; i++) {
      (void)kill(kids[i], SIGKILL);
      lg__watchdog_watch(wd, LG_WATCH_PID, kids[i], false, NULL);
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

/* One session's state: what it started (stopped in reverse by
 * end_session) and where its main loop is. */
typedef struct session {
  const session_opts *o;
  const lg_scenario *sc;
  session_out *out;
  lg_container_opts co;
  lg_service_opts so;
  lg_service_spec spec;
  lg_load_opts lo;
  lg_sampler_opts smo;
  lg_container *box;
  lg_service *svc;
  lg_load *load;
  lg_sampler *sampler;
  live lv;
  early es;
  life lf;
  lg_watchdog wd;
  rtgc g;
  bool have_g;
  char *ready_target;
  lg_kv *env; /* the merged environment (pointers borrowed) */
  unsigned port;
  int was_subreaper;
  bool none;
  int fail_rc;    /* the first output that failed (disk full) */
  lg_error first; /* ... and its message */
  size_t last_phase;
  double last_progress, last_look;
  adopted_set adopted; /* backend none: orphans the watchdog knows of */
  char mark[32];       /* backend none: LEAKGATE_RUN, "" otherwise */
  char mark_entry[48]; /* "LEAKGATE_RUN=<mark>", the watchdog's label */
} session;

static void session_init(session *s, const session_opts *o, session_out *out) {
  memset(s, 0, sizeof *s);
  s->o = o;
  s->sc = o->sc;
  s->out = out;
  s->wd = (lg_watchdog)LG_WATCHDOG_INIT;
  s->last_phase = (size_t)-1;
  memset(out, 0, sizeof *out);
  out->oom_kills = -1;
  out->limit_bytes = NAN;
  out->peak_bytes = NAN;
  out->ready_s = NAN;
  out->load.exec_exit_status = -1;
  out->live_until_t_s = NAN;
  out->decided_after_s = NAN;
  lg__live_init(&s->lv, s->sc, o->duration_scale, o->metrics);
  lg__early_init(&s->es, s->sc, o->early_stop ? o->csv : NULL,
                 o->duration_scale);
  s->lf.lv = &s->lv;
  s->lf.es = &s->es;
  atomic_init(&s->lf.dead, 0);
  atomic_init(&s->lf.last_live_t, NAN);
  lg_error_clear(&s->first);
}

/* The port, the watchdog (first: it must know of every process as it
 * starts) and the box. */
static int start_box(session *s, lg_error *err) {
  const session_opts *o = s->o;
  const lg_scenario *sc = s->sc;
  int rc;
  if ((rc = lg_pick_port(&s->port, err)) != 0 ||
      (rc = lg__watchdog_start(&s->wd, "leakgate-watch", err)) != 0)
    return rc;
  s->co.backend = sc->container.backend;
  s->co.memory_bytes = o->no_memory_limit ? 0 : sc->container.memory_bytes;
  s->co.swap_bytes = sc->container.swap_bytes;
  s->co.name = sc->name;
  s->co.image = sc->container.image;
  s->co.rootfs = sc->container.rootfs;
  s->co.cgroupfs_root = o->cgroupfs_root;
  if ((rc = lg_container_create(&s->co, &s->box, err)) != 0)
    return rc;
  snprintf(s->out->backend, sizeof s->out->backend, "%s",
           lg_container_backend(s->box));
  record_box(s->out, s->box);
  /* No cgroup to find a daemon by: orphans of the service come to
   * leakgate instead of init while the session runs. */
  s->none = strcmp(lg_container_backend(s->box), "none") == 0;
  if (s->none && prctl(PR_GET_CHILD_SUBREAPER, &s->was_subreaper) == 0 &&
      !s->was_subreaper)
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
  return 0;
}

/* The scenario's variables, then the extra ones (same name: replaced). */
static int merge_env(session *s, lg_error *err) {
  const session_opts *o = s->o;
  size_t i, j, n = 0;
  if (!o->n_extra_env)
    return 0;
  s->env = calloc(s->spec.n_env + o->n_extra_env, sizeof *s->env);
  if (!s->env)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < s->spec.n_env; i++) {
    for (j = 0; j < o->n_extra_env; j++)
      if (strcmp(s->spec.env[i].key, o->extra_env[j].key) == 0)
        break;
    if (j == o->n_extra_env)
      s->env[n++] = s->spec.env[i];
  }
  for (j = 0; j < o->n_extra_env; j++)
    s->env[n++] = o->extra_env[j];
  s->spec.env = s->env;
  s->spec.n_env = n;
  return 0;
}

static void progress_stage(session *s, const char *stage,
                           const lg_load_progress *lp) {
  lg_progress p;
  memset(&p, 0, sizeof p);
  p.scenario = s->sc->name;
  p.stage = stage;
  if (lp) {
    p.load = *lp;
    p.memory_bytes = lg__live_memory(&s->lv);
    p.slope = lg__live_slope(&s->lv);
  } else {
    p.memory_bytes = NAN;
    p.slope = NAN;
  }
  s->o->progress(&p, s->o->progress_ctx);
}

/* The service: started in the box, attached, and waited for until ready. */
static int start_service(session *s, lg_error *err) {
  const session_opts *o = s->o;
  session_out *out = s->out;
  lg_service_opts *so = &s->so;
  lg_service_status st;
  int rc;
  s->spec = s->sc->service;
  if ((rc = merge_env(s, err)) != 0)
    return rc;
  default_ready(s->sc, &s->spec.ready, &s->ready_target);
  s->spec.stop_timeout_s *= o->stop_scale;
  so->spec = &s->spec;
  so->scenario_dir = s->sc->dir;
  so->port = s->port;
  so->container = s->box;
  so->out_dir = o->out_dir;
  so->log_prefix = o->log_prefix;
  so->stdin_pipe = s->sc->load.driver == LG_DRIVER_STDIN;
  so->wrapper = o->wrapper;
  so->ready_timeout_scale = o->ready_scale;
  so->interrupt = o->interrupt;
  if (s->none) {
    /* What a daemon that left the session before the loop saw it adopted
     * still carries: the watchdog finds it by this if leakgate dies. */
    lg__run_mark(s->mark, sizeof s->mark);
    snprintf(s->mark_entry, sizeof s->mark_entry, "LEAKGATE_RUN=%s", s->mark);
    so->run_mark = s->mark;
  }
  if (o->runtime_gc) {
    /* Before the start: the runtime's switches go into its environment. */
    if ((rc = lg__rtgc_prepare(&s->g, s->sc, o->out_dir, s->port, &s->spec,
                               err)) != 0)
      return rc;
    s->have_g = true;
    so->on_line = lg__rtgc_on_line;
    so->line_ctx = &s->g;
  }
  if ((rc = lg_service_start(so, &s->svc, err)) != 0)
    return rc;
  out->started = true;
  out->pid = lg_service_pid(s->svc);
  lg__watchdog_watch(&s->wd, LG_WATCH_SESSION, out->pid, true, "the service");
  if (s->mark[0])
    lg__watchdog_watch(&s->wd, LG_WATCH_ENV, out->pid, true, s->mark_entry);
  s->g.root = out->pid;
  snprintf(out->stdout_log, sizeof out->stdout_log, "%s",
           lg_service_stdout_path(s->svc) ? lg_service_stdout_path(s->svc)
                                          : "");
  snprintf(out->stderr_log, sizeof out->stderr_log, "%s",
           lg_service_stderr_path(s->svc) ? lg_service_stderr_path(s->svc)
                                          : "");
  if ((rc = lg_container_attach(s->box, lg_service_pid(s->svc), err)) != 0)
    return rc;
  if (lg_container_path(s->box))
    snprintf(out->cgroup, sizeof out->cgroup, "%s", lg_container_path(s->box));
  record_box(out, s->box);
  lg_metrics_begin(o->metrics, s->sc->name, out->limit_bytes);
  if (o->progress)
    progress_stage(s, "starting", NULL);
  if ((rc = lg_service_wait_ready(s->svc, err)) != 0)
    return rc;
  out->ready = true;
  out->ready_s = lg_service_ready_seconds(s->svc);
  /* A launcher that daemonised was reaped: its session id is no longer
   * ours (the cgroup holds the daemon). */
  if (lg_service_poll(s->svc, &st) == 0 && st.daemonized)
    lg__watchdog_watch(&s->wd, LG_WATCH_SESSION, out->pid, false, NULL);
  return 0;
}

/* The load, then the sampler right before it starts (t_s = 0 is the load
 * start). */
static int start_load(session *s, lg_error *err) {
  const session_opts *o = s->o;
  const lg_scenario *sc = s->sc;
  lg_load_opts *lo = &s->lo;
  lg_sampler_opts *smo = &s->smo;
  int rc;
  lg_load_opts_init(lo);
  lo->spec = &sc->load;
  lo->port = s->port;
  lo->stdin_fd = s->so.stdin_pipe ? lg_service_stdin_fd(s->svc) : -1;
  lo->stdout_fd = s->so.stdin_pipe ? lg_service_stdout_fd(s->svc) : -1;
  lo->rate_scale = o->rate_scale;
  lo->duration_scale = o->duration_scale;
  lo->max_requests = o->max_requests;
  lo->out_dir = o->out_dir;
  lo->interrupt = o->interrupt;
  lo->hold = o->hold_first > 0;
  lo->on_group = on_load_group;
  lo->group_ctx = &s->wd;
  lo->max_duration_s = lg__early_max_duration(&s->es);
  if ((rc = lg_load_new(lo, &s->load, err)) != 0)
    return rc;
  if (lo->hold)
    lg_load_set_budget(s->load, o->hold_first);
  if (s->have_g)
    lg__rtgc_load_started(&s->g, s->load);
  if (o->csv) {
    smo->interval_s = sc->sampling_interval_s;
    smo->container = s->box;
    smo->root_pid = lg_service_pid(s->svc);
    smo->writer = o->csv;
    smo->requests = lg_load_completed_cb;
    smo->requests_ctx = s->load;
    smo->phase = lg_load_phase_cb;
    smo->phase_ctx = s->load;
    smo->on_sample = on_sample;
    smo->on_sample_ctx = &s->lf;
    /* Gated on PSS: read it on a bounded cadence, not only at phase
     * boundaries (two rows cannot be judged). */
    if (sc->analysis.metric == LG_METRIC_PSS)
      smo->pss_duty = LG_SAMPLER_PSS_DUTY;
    smo->gc = s->have_g ? lg__rtgc_sample : NULL;
    smo->gc_ctx = &s->g;
    if ((rc = lg_sampler_start(smo, &s->sampler, err)) != 0)
      return rc;
  }
  if ((rc = lg_load_start(s->load, err)) != 0)
    return rc;
  lg_metrics_stage(o->metrics, o->stage);
  return 0;
}

/* What ends the steady load early: an interrupt, an output that can no
 * longer be written, the service's death, an early-stop decision. */
static void watch_ends(session *s, int done) {
  const session_opts *o = s->o;
  session_out *out = s->out;
  lg_service_status st;
  if (o->interrupt && *o->interrupt && !out->interrupted) {
    out->interrupted = true;
    lg_load_stop(s->load);
  }
  /* An output that can no longer be written (disk full): stop now, and
   * that first failure is what the run reports. */
  if (!s->fail_rc &&
      ((s->sampler && lg_sampler_error(s->sampler, &s->first) != 0) ||
       lg_service_log_error(s->svc, &s->first) != 0)) {
    s->fail_rc = s->first.code;
    lg_load_stop(s->load);
  }
  if (!out->died_early && lg_service_poll(s->svc, &st) == 0 && !st.running) {
    /* The service died under load: stop driving a corpse, keep samples. */
    out->died_early = true;
    atomic_store(&s->lf.dead, 1);
    lg_load_stop(s->load);
  }
  if (!done && !out->stopped_early &&
      lg__early_poll(&s->es, out->limit_bytes)) {
    /* Decided (docs/analysis.md "Early stop"): the steady load ends. */
    out->stopped_early = true;
    out->decided_after_s = s->es.st.decided_s;
    out->decided_leak = s->es.leak;
    lg_load_stop(s->load);
  }
}

/* What the loop feeds as the load runs: phase marks, the runtime's looks
 * and ticks, the caller's tick, the metrics endpoint, the progress line. */
static void feed(session *s, int done, double now) {
  const session_opts *o = s->o;
  session_out *out = s->out;
  lg_load_progress lp;
  lg_load_progress_get(s->load, &lp);
  if (lp.phase_index != s->last_phase) {
    if (s->sampler && s->last_phase != (size_t)-1)
      lg_sampler_mark_phase(s->sampler);
    /* What the runtime holds at each phase boundary (its class
     * histogram): the first and last looks name what grew. */
    if (s->have_g && s->last_phase != (size_t)-1 && !done)
      lg__rtgc_look(&s->g, lp.completed);
    s->last_phase = lp.phase_index;
  }
  /* Ticks only while the load runs: once it is done its connections are
   * closed, and a Massif snapshot then shows their buffers freed - a drop
   * the heap analysis would read as a step. */
  if (s->have_g && !out->died_early && !done)
    lg__rtgc_tick(&s->g, lp.completed);
  if (o->on_tick && !out->died_early && !done)
    o->on_tick(o->tick_ctx, s->load, lp.completed, lg_service_pid(s->svc),
               &s->wd);
  lg_metrics_load(o->metrics, &lp);
  if (o->metrics && (now - s->last_look >= LOOK_INTERVAL_S || done)) {
    lg_analysis look;
    lg_error le;
    if (lg__live_look(&s->lv, s->sc, out->limit_bytes, &look, &le) == 0)
      lg_metrics_analysis(o->metrics, &look, false);
    s->last_look = now;
  }
  if (o->progress &&
      (now - s->last_progress >= o->progress_interval_s || done)) {
    progress_stage(s, o->stage, &lp);
    s->last_progress = now;
  }
}

/* The main loop: every 50 ms until the load is done. */
static void drive(session *s) {
  for (;;) {
    int done = lg_load_wait(s->load, 0.05);
    double now = lg__now_s();
    watch_ends(s, done);
    if (s->none)
      watch_adopted(&s->wd, s->out->pid, &s->adopted);
    feed(s, done, now);
    if (done)
      return;
  }
}

/* After the loop: the runtime's last look, the last row (the loaded state,
 * PSS included: before the stop), the load's result. */
static int end_load(session *s, lg_error *err) {
  session_out *out = s->out;
  lg_error e2;
  int rc;
  if (s->have_g && !out->died_early && !out->interrupted) {
    lg_load_progress lp;
    lg_load_progress_get(s->load, &lp);
    lg__rtgc_look(&s->g,
                  lp.completed); /* the last look: the load's end state */
  }
  if (s->sampler) {
    lg_sampler_mark_phase(s->sampler);
    if (lg_sampler_sample_now(s->sampler, &e2) != 0)
      lg_error_clear(&e2); /* the service may be gone; rows so far stand */
  }
  if ((rc = lg_load_finish(s->load, &out->load, err)) != 0)
    return rc;
  if (s->fail_rc)
    return lg_error_set(err, s->fail_rc, "%s", s->first.msg);
  return 0;
}

/* Teardown runs on every path, in reverse order of creation; returns rc
 * or the first failure of the teardown itself. */
static int end_session(session *s, int rc, lg_error *err) {
  session_out *out = s->out;
  lg_sampler_stats sstats;
  lg_container_stats cst;
  lg_error e2;
  if (s->sampler) {
    int src = lg_sampler_stop(s->sampler, &sstats, rc ? NULL : err);
    s->sampler = NULL;
    out->samples = sstats.samples;
    out->peak_bytes = sstats.peak_cgroup_bytes > 0 ? sstats.peak_cgroup_bytes
                                                   : sstats.peak_rss_bytes;
    if (src && !rc)
      rc = src;
  }
  if (s->have_g)
    lg__rtgc_load_stopped(&s->g); /* the service still runs and reports */
  lg_load_free(s->load);
  if (s->box && lg_container_read(s->box, &cst, &e2) == 0) {
    out->oom_kills = cst.oom_kills;
    if (!isnan(cst.peak_bytes))
      out->peak_bytes = cst.peak_bytes;
  }
  if (s->svc) {
    lg_service_status st;
    if (lg_service_stop(s->svc, &st, &e2) == 0)
      out->status = st;
    if (!out->status.stopped_by_us && out->started)
      out->died_early = true;
    lg_service_free(s->svc); /* reaped: its ids may be handed out again */
    lg__watchdog_watch(&s->wd, LG_WATCH_SESSION, out->pid, false, NULL);
  }
  if (s->none) {
    end_adopted(&s->wd, out->pid, out);
    if (!s->was_subreaper)
      (void)prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  if (out->died_early)
    out->live_until_t_s = atomic_load(&s->lf.last_live_t);
  if (s->have_g) {
    /* The capture thread is joined: every line the service wrote is in. */
    lg__rtgc_finish(&s->g, s->sc, s->o->duration_scale, &out->runtime);
    lg__rtgc_cleanup(&s->g);
  }
  if (s->box && lg_container_destroy(s->box, &e2) != 0 && !rc) {
    /* A cgroup we cannot remove is an infrastructure failure to report. */
    rc = lg_error_set(err, e2.code, "%s", e2.msg);
  }
  if (rc) {
    out->failure_code = rc;
    snprintf(out->failure, sizeof out->failure, "%s",
             err && err->msg[0] ? err->msg : lg_strerror(rc));
  }
  lg__watchdog_stop(&s->wd);
  free(s->ready_target);
  free(s->env);
  lg__live_cleanup(&s->lv);
  return rc;
}

int lg__session_run(const session_opts *o, session_out *out, lg_error *err) {
  session s;
  int rc;
  session_init(&s, o, out);
  if ((rc = start_box(&s, err)) == 0 && (rc = start_service(&s, err)) == 0 &&
      (rc = start_load(&s, err)) == 0) {
    drive(&s);
    rc = end_load(&s, err);
  }
  return end_session(&s, rc, err);
}
