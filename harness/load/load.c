/* load/load.c - the load engine's public API (leakgate/load.h): the phase
 * timeline, the worker threads, the lock-free counters and the result.
 *
 * lg_load_new validates the spec, copies the phases (scaled by rate_scale
 * and duration_scale), compiles the requests and allocates every worker's
 * connections, so lg_load_start can only fail to create threads or to spawn
 * the exec command. t = 0 of the timeline is lg_load_start. Workers end by
 * themselves at the end of the last phase; lg_load_stop ends them early.
 * Counters: each worker publishes its completed/error counts in its own
 * cache line (relaxed atomics); readers sum them, so counting never contends.
 * Owns: everything it allocates; lg_load_free stops, joins and frees it all.
 * A failed lg_load_new frees what it built and leaves *out NULL.
 */
#include "load/load_int.h"

#include "core/buf.h"
#include "core/clock.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void lg_load_opts_init(lg_load_opts *o) {
  memset(o, 0, sizeof *o);
  o->stdin_fd = o->stdout_fd = -1;
  o->rate_scale = 1.0;
  o->duration_scale = 1.0;
}

size_t lg__load_phase_at(const lg_load *l, uint64_t t_ns) {
  size_t i;
  for (i = 0; i + 1 < l->n_phases; i++)
    if (t_ns < l->phases[i].start_ns + l->phases[i].dur_ns)
      return i;
  return l->n_phases - 1;
}

void lg__load_worker_done(lg_load *l) {
  pthread_mutex_lock(&l->mu);
  if (l->running > 0 && --l->running == 0) {
    atomic_store(&l->end_ns, lg__now_ns());
    pthread_cond_broadcast(&l->cv);
  }
  pthread_mutex_unlock(&l->mu);
}

/* The phase after the last one that early stop may run into: the last
 * phase's load at its final rate (a ramp is not ramped again), until
 * max_duration_s. */
static int extend_phases(lg_load *l, lg_error *err) {
  const lgl_phase *last = &l->phases[l->n_phases - 1];
  lgl_phase *q = &l->phases[l->n_phases];
  double d = l->o.max_duration_s;
  char name[96];
  if (!isfinite(d) || d > 1e7)
    return lg_error_set(err, LG_EINPUT, "load.max_duration: %g s is not a "
                        "duration", d);
  if (d * 1e9 <= (double)l->total_ns)
    return 0;
  snprintf(name, sizeof name, "%s.extended", last->name);
  if (!(q->name = strdup(name)))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  q->start_ns = l->total_ns;
  q->dur_ns = (uint64_t)llround(d * 1e9) - l->total_ns;
  q->open = last->open;
  q->r0 = q->r1 = last->r1;
  l->total_ns += q->dur_ns;
  l->n_phases++;
  return 0;
}

static int copy_phases(lg_load *l, lg_error *err) {
  const lg_load_spec *s = l->o.spec;
  size_t i;
  uint64_t at = 0;
  if (s->n_phases == 0 || !s->phases)
    return lg_error_set(err, LG_EINPUT, "load.phases: at least one phase is "
                        "needed (e.g. {name: steady, duration: 30s})");
  /* One spare slot for the extension early stop may run into. */
  l->phases = calloc(s->n_phases + 1, sizeof *l->phases);
  if (!l->phases)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  l->n_phases = s->n_phases;
  for (i = 0; i < s->n_phases; i++) {
    const lg_phase *p = &s->phases[i];
    lgl_phase *q = &l->phases[i];
    double d = p->duration_s * l->o.duration_scale;
    char name[32];
    if (!isfinite(d) || d < 0 || d > 1e7)
      return lg_error_set(err, LG_EINPUT, "load.phases[%zu].duration: %g s is "
                          "not a duration", i, p->duration_s);
    if ((!isnan(p->rate) && (!isfinite(p->rate) || p->rate < 0)) ||
        (!isnan(p->ramp_to) && (!isfinite(p->ramp_to) || p->ramp_to < 0)))
      return lg_error_set(err, LG_EINPUT, "load.phases[%zu]: rates must be "
                          "finite and >= 0", i);
    if (isnan(p->rate) && !isnan(p->ramp_to))
      return lg_error_set(err, LG_EINPUT, "load.phases[%zu].ramp_to: needs a "
                          "rate to ramp from", i);
    snprintf(name, sizeof name, "phase%zu", i + 1);
    q->name = strdup(p->name && *p->name ? p->name : name);
    if (!q->name)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    q->start_ns = at;
    q->dur_ns = (uint64_t)llround(d * 1e9);
    at += q->dur_ns;
    q->open = !isnan(p->rate);
    q->r0 = q->open ? p->rate * l->o.rate_scale : 0;
    q->r1 = q->open ? (isnan(p->ramp_to) ? p->rate : p->ramp_to) * l->o.rate_scale
                    : 0;
  }
  l->total_ns = at;
  return l->o.max_duration_s > 0 ? extend_phases(l, err) : 0;
}

/* Make sure the process may open the connections (raising the soft
 * RLIMIT_NOFILE up to the hard one when needed). */
static int check_fds(unsigned conns, lg_error *err) {
  struct rlimit rl;
  rlim_t need = (rlim_t)conns + 64;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
    return 0;
  if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
      return 0;
  }
  return lg_error_set(err, LG_ELIMIT, "load.connections: %u connections need "
                      "about %llu file descriptors; the limit is %llu "
                      "(ulimit -n)", conns, (unsigned long long)need,
                      (unsigned long long)rl.rlim_max);
}

static int make_workers(lg_load *l, lg_error *err) {
  const lg_load_spec *s = l->o.spec;
  unsigned conns, threads, i;
  int rc;

  if (l->driver == LG_DRIVER_STDIN) {
    if (l->o.stdin_fd < 0 || l->o.stdout_fd < 0)
      return lg_error_set(err, LG_EUSAGE, "load: the stdin driver needs the "
                          "service's stdin and stdout pipes");
    conns = threads = 1;
    l->connections = s->connections < 1 ? 1
                     : s->connections > LGL_MAX_DEPTH ? LGL_MAX_DEPTH
                                                      : (unsigned)s->connections;
  } else {
    conns = s->connections > 0 ? (unsigned)s->connections : 8;
    threads = s->threads > 0 ? (unsigned)s->threads : 1;
    if (conns > LGL_MAX_CONNS)
      return lg_error_set(err, LG_EINPUT, "load.connections: %u is above the "
                          "limit of %d", conns, LGL_MAX_CONNS);
    if (threads > LGL_MAX_THREADS)
      threads = LGL_MAX_THREADS;
    if (threads > conns)
      threads = conns; /* a thread without a connection has nothing to do */
    if ((rc = check_fds(conns, err)) != 0)
      return rc;
    l->connections = conns;
  }
  /* Workers hold 64-byte aligned counters: allocate them aligned. */
  {
    size_t sz = (size_t)threads * sizeof(lgl_worker);
    l->workers = aligned_alloc(64, (sz + 63) / 64 * 64);
    if (!l->workers)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    memset(l->workers, 0, sz);
  }
  l->n_workers = threads;
  for (i = 0; i < threads; i++) {
    uint32_t n = conns / threads + (i < conns % threads ? 1 : 0);
    if ((rc = lg__load_worker_init(&l->workers[i], l, i, n, err)) != 0)
      return rc;
  }
  return 0;
}

int lg_load_new(const lg_load_opts *o, lg_load **out, lg_error *err) {
  lg_load *l = NULL;
  pthread_condattr_t ca;
  int rc;

  *out = NULL;
  if (!o || !o->spec)
    return lg_error_set(err, LG_EUSAGE, "load: no load spec given");
  if (!(o->rate_scale > 0) || !(o->duration_scale > 0) ||
      !isfinite(o->rate_scale) || !isfinite(o->duration_scale))
    return lg_error_set(err, LG_EUSAGE, "load: rate_scale and duration_scale "
                        "must be positive");
  l = calloc(1, sizeof *l);
  if (!l)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  l->o = *o;
  l->driver = o->spec->driver;
  l->timeout_ns = o->spec->timeout_s > 0 && isfinite(o->spec->timeout_s)
                      ? (uint64_t)(o->spec->timeout_s * 1e9)
                      : 5000000000ull;
  l->seed = o->spec->seed ? o->spec->seed : 1;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, &ca);
  pthread_condattr_destroy(&ca);
  l->sync_init = true;
  if ((rc = copy_phases(l, err)) != 0)
    goto cleanup;
  switch (l->driver) {
  case LG_DRIVER_HTTP:
  case LG_DRIVER_TCP:
  case LG_DRIVER_STDIN:
    if ((rc = lg__load_requests_build(l, err)) != 0 ||
        (rc = make_workers(l, err)) != 0)
      goto cleanup;
    break;
  case LG_DRIVER_EXEC:
    if ((rc = lg__load_exec_new(l, err)) != 0)
      goto cleanup;
    break;
  default:
    rc = lg_error_set(err, LG_EINPUT, "load.driver: unknown driver %d",
                      (int)l->driver);
    goto cleanup;
  }
  *out = l;
  l = NULL;
cleanup:
  lg_load_free(l);
  return rc;
}

int lg_load_start(lg_load *l, lg_error *err) {
  sigset_t block, old;
  unsigned i;
  int rc = 0;

  if (l->started)
    return lg_error_set(err, LG_EUSAGE, "load: already started");
  l->t0_ns = lg__now_ns();
  l->started = true;
  if (l->driver == LG_DRIVER_EXEC) {
    l->running = 1;
    rc = lg__load_exec_start(l, err);
    if (rc) {
      l->running = 0;
      atomic_store(&l->end_ns, lg__now_ns());
    }
    return rc;
  }
  /* Workers inherit a mask with SIGPIPE blocked: a write to a closed pipe
   * then only returns EPIPE, whatever the process does with SIGPIPE. */
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_mutex_lock(&l->mu);
  for (i = 0; i < l->n_workers; i++) {
    int e = pthread_create(&l->workers[i].tid, NULL, lg__load_worker_main,
                           &l->workers[i]);
    if (e) {
      rc = lg_error_set(err, LG_ESYS, "load: cannot start thread %u: %s", i,
                        strerror(e));
      break;
    }
    l->workers[i].thread_started = true;
    l->running++;
  }
  pthread_mutex_unlock(&l->mu);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc) {
    lg_load_stop(l);
    if (l->running == 0)
      atomic_store(&l->end_ns, lg__now_ns());
  }
  return rc;
}

uint64_t lg_load_completed(const lg_load *l) {
  uint64_t n = 0;
  unsigned i;
  if (!l)
    return 0;
  for (i = 0; i < l->n_workers; i++)
    n += atomic_load_explicit(&((lg_load *)l)->workers[i].completed,
                              memory_order_relaxed);
  return n;
}

static uint64_t errors_now(const lg_load *l) {
  uint64_t n = 0;
  unsigned i;
  for (i = 0; i < l->n_workers; i++)
    n += atomic_load_explicit(&((lg_load *)l)->workers[i].errors,
                              memory_order_relaxed);
  return n;
}

/* Offset of "now" on the timeline (frozen once the load ended). */
static uint64_t elapsed_ns(const lg_load *l) {
  uint64_t end, now;
  if (!l->started)
    return 0;
  end = atomic_load(&((lg_load *)l)->end_ns);
  now = end ? end : lg__now_ns();
  return now > l->t0_ns ? now - l->t0_ns : 0;
}

const char *lg_load_phase(const lg_load *l) {
  return l->phases[lg__load_phase_at(l, elapsed_ns(l))].name;
}

void lg_load_progress_get(const lg_load *l, lg_load_progress *p) {
  uint64_t t = elapsed_ns(l);
  p->completed = lg_load_completed(l);
  p->errors = errors_now(l);
  p->phase_index = lg__load_phase_at(l, t);
  p->phase_name = l->phases[p->phase_index].name;
  p->elapsed_s = (double)t / 1e9;
  p->total_s = (double)l->total_ns / 1e9;
  p->done = l->started && atomic_load(&((lg_load *)l)->end_ns) != 0;
}

int lg_load_wait(lg_load *l, double timeout_s) {
  struct timespec dl;
  int done;
  if (!l->started)
    return 1;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  if (timeout_s > 0) {
    double s = timeout_s > 1e6 ? 1e6 : timeout_s;
    dl.tv_sec += (time_t)s;
    dl.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
    if (dl.tv_nsec >= 1000000000L) {
      dl.tv_sec++;
      dl.tv_nsec -= 1000000000L;
    }
  }
  pthread_mutex_lock(&l->mu);
  while (l->running > 0 && timeout_s > 0)
    if (pthread_cond_timedwait(&l->cv, &l->mu, &dl) == ETIMEDOUT)
      break;
  done = l->running == 0;
  pthread_mutex_unlock(&l->mu);
  return done;
}

void lg_load_stop(lg_load *l) {
  if (l)
    atomic_store(&l->stop, 1);
}

void lg_load_set_budget(lg_load *l, uint64_t budget) {
  uint64_t cur;
  if (!l)
    return;
  cur = atomic_load(&l->budget);
  while (budget > cur &&
         !atomic_compare_exchange_weak(&l->budget, &cur, budget)) {
  }
}

void lg__load_join_all(lg_load *l) {
  unsigned i;
  if (!l->started || l->joined)
    return;
  for (i = 0; i < l->n_workers; i++)
    if (l->workers[i].thread_started)
      pthread_join(l->workers[i].tid, NULL);
  if (l->driver == LG_DRIVER_EXEC)
    lg__load_exec_join(l);
  l->joined = true;
}

void lg_load_free(lg_load *l) {
  unsigned i;
  size_t p;
  if (!l)
    return;
  if (l->started && !l->joined) {
    lg_load_stop(l);
    lg__load_join_all(l);
  }
  for (i = 0; l->workers && i < l->n_workers; i++)
    lg__load_worker_cleanup(&l->workers[i]);
  free(l->workers);
  lg__load_exec_free(l);
  lg__load_requests_free(l);
  for (p = 0; l->phases && p < l->n_phases; p++)
    free(l->phases[p].name);
  free(l->phases);
  if (l->sync_init) {
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
  }
  free(l);
}

uint64_t lg_load_completed_cb(void *ctx) { return lg_load_completed(ctx); }

const char *lg_load_phase_cb(void *ctx) { return lg_load_phase(ctx); }
