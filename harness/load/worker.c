/* load/worker.c - one load thread: an epoll loop over its share of the
 * connections, the open-model schedule, timeouts and the end conditions.
 *
 * Loop: wait (epoll_pwait2, nanosecond timeout) -> note the phase -> handle
 * events -> every 10 ms sweep timeouts and reconnect backoffs -> send what
 * the schedule says is due. Nothing blocks: every wait is bounded by the next
 * intended send, the next sweep, the phase end and 50 ms (stop latency).
 *
 * Open model (a phase with a rate): this worker's share of the rate,
 * r(t) = r0 + a*t, is integrated so request n (from 0) is intended at the t
 * with N(t) = r0*t + a*t^2/2 = n, i.e. t = 2n / (r0 + sqrt(r0^2 + 2an)),
 * which is exact for ramps and stable when r0 = 0. A due request goes to an
 * idle connection; when none is idle the schedule waits (catch-up: the
 * backlog is sent as fast as connections free up) and latency still counts
 * from the intended time (no coordinated omission). Requests a phase still
 * owed at its end are dropped and reported.
 * Closed model (no rate): each connection sends again as soon as its
 * response arrived. Quiet (rate 0): nothing is sent; connections stay open.
 * Owns: the worker's epoll fd, connections, buffers and counters.
 */
#include "load/load_int.h"

#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#if defined(__GLIBC__) &&                                                     \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define HAVE_EPOLL_PWAIT2 1
#endif

#define TIMER_TOKEN UINT64_MAX /* epoll data of the fallback timerfd */

/* ---- counting (called from conn.c) --------------------------------- */

void lg__load_worker_count_response(lgl_worker *w, uint64_t latency_ns,
                                    int status) {
  if (status >= 400) { /* an answer, but a failed request: an error only */
    lg__load_worker_count_err(w, LGL_E_STATUS, 1, "HTTP status %d from %s",
                              status,
                              w->l->url ? w->l->url : w->l->target.name);
    lg__load_worker_unclaim(w, 1);
    return;
  }
  w->per_phase[w->phase].completed++;
  /* Single writer: a relaxed load+store is enough and cheaper than a
   * locked add; readers see a value at most one request old. */
  atomic_store_explicit(&w->completed,
                        atomic_load_explicit(&w->completed, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  lg__load_hist_record(&w->hist, latency_ns);
}

void lg__load_worker_vcount_err(lgl_worker *w, int cls, uint64_t n,
                                const char *fmt, va_list ap) {
  if (n == 0)
    return;
  w->per_phase[w->phase].errors += n;
  w->err_class[cls] += n;
  atomic_store_explicit(&w->errors,
                        atomic_load_explicit(&w->errors, memory_order_relaxed) + n,
                        memory_order_relaxed);
  if (!w->first_err[cls][0]) /* format only the first of each class */
    vsnprintf(w->first_err[cls], LGL_MSG, fmt, ap);
}

void lg__load_worker_count_err(lgl_worker *w, int cls, uint64_t n,
                               const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lg__load_worker_vcount_err(w, cls, n, fmt, ap);
  va_end(ap);
}

/* max_requests and hold: a ticket per request sent; a failed request gives
 * its ticket back so the cap counts completed requests. The cap is the
 * smaller of max_requests and, with hold, the caller's budget. */
bool lg__load_worker_claim(lgl_worker *w) {
  lg_load *l = w->l;
  uint64_t cap = l->o.max_requests;
  if (l->o.hold) {
    uint64_t b = atomic_load_explicit(&l->budget, memory_order_acquire);
    if (!cap || b < cap)
      cap = b;
  } else if (!cap) {
    return true;
  }
  if (atomic_fetch_add_explicit(&l->tickets, 1, memory_order_relaxed) < cap) {
    w->capped = false;
    return true;
  }
  atomic_fetch_sub_explicit(&l->tickets, 1, memory_order_relaxed);
  w->capped = true;
  return false;
}

void lg__load_worker_unclaim(lgl_worker *w, uint64_t n) {
  if ((w->l->o.max_requests || w->l->o.hold) && n)
    atomic_fetch_sub_explicit(&w->l->tickets, n, memory_order_relaxed);
}

int lg__load_worker_set_events(lgl_worker *w, lgl_conn *c, bool want_out) {
  struct epoll_event ev;
  bool pipe = w->l->driver == LG_DRIVER_STDIN;
  ev.events = pipe ? (want_out ? EPOLLOUT : 0)
                   : (EPOLLIN | (want_out ? EPOLLOUT : 0));
  ev.data.u64 = lgl_token(c, pipe);
  if (epoll_ctl(w->ep, EPOLL_CTL_MOD, pipe ? c->wfd : c->rfd, &ev) != 0)
    return -1;
  c->want_out = want_out;
  return 0;
}

/* ---- scheduling ------------------------------------------------------ */

static void push_idle(lgl_worker *w, lgl_conn *c) {
  if (!c->on_idle) {
    c->on_idle = true;
    w->idle[w->n_idle++] = c->idx;
  }
}

static lgl_conn *pop_idle(lgl_worker *w) {
  while (w->n_idle) {
    lgl_conn *c = &w->conns[w->idle[--w->n_idle]];
    c->on_idle = false;
    if (lg__load_conn_can_send(c))
      return c;
  }
  return NULL;
}

/* Intended time of request number sched_n of the current phase; 0 once the
 * phase has sent all it should. */
static void sched_next(lgl_worker *w) {
  const lgl_phase *ph = &w->l->phases[w->phase];
  double n = w->sched_n, disc, t;
  if (n >= w->sched_total) {
    w->next_ns = 0;
    return;
  }
  disc = w->r0 * w->r0 + 2.0 * w->a * n;
  t = disc > 0 ? 2.0 * n / (w->r0 + sqrt(disc)) : 0.0;
  if (!(t * 1e9 < (double)ph->dur_ns)) { /* rounding at the phase end */
    w->sched_total = n;
    w->next_ns = 0;
    return;
  }
  w->next_ns = w->l->t0_ns + ph->start_ns + (uint64_t)(t * 1e9);
}

static void phase_enter(lgl_worker *w, size_t p) {
  const lgl_phase *ph = &w->l->phases[p];
  double nw = (double)w->l->n_workers, d = (double)ph->dur_ns / 1e9;
  w->phase = p;
  w->next_ns = 0;
  w->sched_n = w->sched_total = 0;
  if (ph->open && (ph->r0 > 0 || ph->r1 > 0) && d > 0) {
    w->r0 = ph->r0 / nw;
    w->a = (ph->r1 / nw - w->r0) / d;
    w->sched_total = ceil((ph->r0 + ph->r1) / (2.0 * nw) * d - 1e-9);
    sched_next(w);
  }
  if (!ph->open) { /* closed model: every idle connection starts sending */
    uint32_t i;
    for (i = 0; i < w->n_conns; i++)
      if (lg__load_conn_can_send(&w->conns[i]))
        lg__load_worker_conn_ready(w, &w->conns[i]);
  }
}

static void phase_update(lgl_worker *w, uint64_t now) {
  size_t p = lg__load_phase_at(w->l, now - w->l->t0_ns);
  if (p == w->phase)
    return;
  if (w->sched_total > w->sched_n)
    w->dropped += (uint64_t)(w->sched_total - w->sched_n);
  phase_enter(w, p);
}

void lg__load_worker_conn_ready(lgl_worker *w, lgl_conn *c) {
  const lgl_phase *ph = &w->l->phases[w->phase];
  if (w->in_batch) {
    /* Send after the whole batch of events, like wrk: the requests then
     * reach the server back to back, and one wake-up serves them all. */
    if (!c->on_ready) {
      c->on_ready = true;
      w->ready[w->n_ready++] = c->idx;
    }
    return;
  }
  while (lg__load_conn_can_send(c)) {
    uint64_t intended = 0;
    if (ph->open) {
      if (!w->next_ns || w->next_ns > lg__now_ns())
        break;
      intended = w->next_ns;
    }
    if (!lg__load_worker_claim(w))
      break;
    if (ph->open) {
      w->sched_n += 1;
      sched_next(w);
    }
    if (lg__load_conn_dispatch(c, intended) != 0)
      return;
  }
  if (lg__load_conn_can_send(c))
    push_idle(w, c);
}

static void dispatch_due(lgl_worker *w, uint64_t now) {
  while (w->next_ns && w->next_ns <= now) {
    lgl_conn *c = pop_idle(w);
    if (!c)
      break; /* all busy: catch up as responses free connections */
    lg__load_worker_conn_ready(w, c);
    if (lg__load_conn_can_send(c) && w->next_ns && w->next_ns <= now)
      break; /* not sent: the ticket cap was reached */
  }
}

/* hold: when the caller raised the budget, idle connections of a closed
 * phase send again (open phases resume through their schedule). Each idle
 * connection is tried once; one that still cannot claim goes back idle. */
static void resume_held(lgl_worker *w) {
  uint64_t b = atomic_load_explicit(&w->l->budget, memory_order_acquire);
  uint32_t k, n;
  if (b == w->seen_budget)
    return;
  w->seen_budget = b;
  w->capped = false;
  if (w->l->phases[w->phase].open)
    return;
  n = w->n_idle;
  for (k = 0; k < n; k++) {
    lgl_conn *c = pop_idle(w);
    if (!c)
      break;
    lg__load_worker_conn_ready(w, c);
  }
}

/* ---- the loop ---------------------------------------------------------- */

bool lg__load_should_end(lgl_worker *w, uint64_t now) {
  lg_load *l = w->l;
  if (now >= l->t0_ns + l->total_ns)
    return true;
  if (atomic_load_explicit(&l->stop, memory_order_relaxed))
    return true;
  /* an atomic read: the flag is set on another thread (signal handler) */
  if (l->o.interrupt && __atomic_load_n(l->o.interrupt, __ATOMIC_RELAXED))
    return true;
  if (l->o.max_requests && w->capped &&
      lg_load_completed(l) >= l->o.max_requests) {
    atomic_store(&l->stop, 1);
    return true;
  }
  return false;
}

static uint64_t wait_ns(lgl_worker *w, uint64_t now) {
  const lg_load *l = w->l;
  const lgl_phase *ph = &l->phases[w->phase];
  uint64_t d = LGL_MAX_WAIT_NS, end = l->t0_ns + l->total_ns;
  uint64_t ph_end = l->t0_ns + ph->start_ns + ph->dur_ns;
#define LGL_UNTIL(t) ((t) > now ? (t) - now : 0)
  if (LGL_UNTIL(end) < d)
    d = LGL_UNTIL(end);
  if (ph_end > now && ph_end - now < d)
    d = ph_end - now;
  if (LGL_UNTIL(w->next_sweep_ns) < d)
    d = LGL_UNTIL(w->next_sweep_ns);
  if (w->next_ns && w->n_idle && !w->capped && LGL_UNTIL(w->next_ns) < d)
    d = LGL_UNTIL(w->next_ns);
#undef LGL_UNTIL
  return d;
}

/* epoll_pwait2 gives a nanosecond timeout; kernels before 5.11 get a
 * timerfd armed at the absolute wake-up time instead. */
static int wait_events(lgl_worker *w, int *tfd, struct epoll_event *evs,
                       int max, uint64_t ns, uint64_t now) {
  struct itimerspec its;
#ifdef HAVE_EPOLL_PWAIT2
  if (*tfd < 0) {
    struct timespec ts = {(time_t)(ns / 1000000000ull),
                          (long)(ns % 1000000000ull)};
    int n = epoll_pwait2(w->ep, evs, max, &ts, NULL);
    if (n >= 0 || errno != ENOSYS)
      return n;
  }
#endif
  if (*tfd < 0) {
    struct epoll_event ev;
    *tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (*tfd < 0)
      return epoll_wait(w->ep, evs, max, (int)((ns + 999999) / 1000000));
    ev.events = EPOLLIN;
    ev.data.u64 = TIMER_TOKEN;
    epoll_ctl(w->ep, EPOLL_CTL_ADD, *tfd, &ev);
  }
  memset(&its, 0, sizeof its);
  its.it_value.tv_sec = (time_t)((now + ns) / 1000000000ull);
  its.it_value.tv_nsec = (long)((now + ns) % 1000000000ull);
  if (ns == 0)
    return epoll_wait(w->ep, evs, max, 0);
  timerfd_settime(*tfd, TFD_TIMER_ABSTIME, &its, NULL);
  return epoll_wait(w->ep, evs, max, -1);
}

static void start_conns(lgl_worker *w, uint64_t now) {
  uint32_t i;
  for (i = 0; i < w->n_conns; i++) {
    lgl_conn *c = &w->conns[i];
    if (w->l->driver == LG_DRIVER_STDIN) {
      struct epoll_event ev;
      ev.events = EPOLLIN;
      ev.data.u64 = lgl_token(c, false);
      c->rfd = w->l->o.stdout_fd;
      c->wfd = w->l->o.stdin_fd;
      fcntl(c->rfd, F_SETFL, fcntl(c->rfd, F_GETFL) | O_NONBLOCK);
      fcntl(c->wfd, F_SETFL, fcntl(c->wfd, F_GETFL) | O_NONBLOCK);
      c->state = LGL_C_OPEN;
      if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->rfd, &ev) != 0) {
        lg__load_worker_count_err(w, LGL_E_READ, 1,
                                  "epoll on the service's stdout: %s",
                                  strerror(errno));
        c->state = LGL_C_DEAD;
        continue;
      }
      ev.events = 0;
      ev.data.u64 = lgl_token(c, true);
      if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->wfd, &ev) != 0) {
        lg__load_worker_count_err(w, LGL_E_WRITE, 1,
                                  "epoll on the service's stdin: %s",
                                  strerror(errno));
        epoll_ctl(w->ep, EPOLL_CTL_DEL, c->rfd, NULL);
        c->state = LGL_C_DEAD;
        continue;
      }
      lg__load_worker_conn_ready(w, c);
    } else {
      lg__load_conn_connect(c, now);
    }
  }
}

void *lg__load_worker_main(void *arg) {
  lgl_worker *w = arg;
  lg_load *l = w->l;
  struct epoll_event evs[256];
  int tfd = -1, n, i;
  uint64_t now = lg__now_ns();
  uint32_t k;

  phase_enter(w, lg__load_phase_at(l, now - l->t0_ns));
  start_conns(w, now);
  w->next_sweep_ns = now + LGL_SWEEP_NS;
  while (!lg__load_should_end(w, now = lg__now_ns())) {
    n = wait_events(w, &tfd, evs, 256, wait_ns(w, now), now);
    now = lg__now_ns();
    phase_update(w, now);
    w->in_batch = true;
    for (i = 0; i < n; i++) {
      uint64_t tok = evs[i].data.u64;
      if (tok == TIMER_TOKEN) {
        uint64_t exp;
        if (read(tfd, &exp, sizeof exp) < 0) { /* EAGAIN: already drained */
        }
        continue;
      }
      {
        lgl_conn *c = &w->conns[(tok & 0xffffffffu) >> 1];
        if ((uint32_t)(tok >> 32) != c->gen)
          continue; /* for a socket closed earlier in this batch */
        lg__load_conn_on_event(c, evs[i].events, (tok & 1) != 0);
      }
    }
    w->in_batch = false;
    for (k = 0; k < w->n_ready; k++) {
      lgl_conn *c = &w->conns[w->ready[k]];
      c->on_ready = false;
      lg__load_worker_conn_ready(w, c);
    }
    w->n_ready = 0;
    now = lg__now_ns();
    if (now >= w->next_sweep_ns) {
      for (k = 0; k < w->n_conns; k++)
        lg__load_conn_sweep(&w->conns[k], now);
      w->next_sweep_ns = now + LGL_SWEEP_NS;
    }
    dispatch_due(w, now);
    if (l->o.hold)
      resume_held(w);
  }
  /* Ended by time: what the last phase still owed was never sent. (Ended by
   * stop, interrupt or the request cap: nothing was owed any more.) */
  if (now >= l->t0_ns + l->total_ns && w->sched_total > w->sched_n)
    w->dropped += (uint64_t)(w->sched_total - w->sched_n);
  for (k = 0; k < w->n_conns; k++)
    lg__load_conn_close(&w->conns[k]); /* requests in flight are abandoned */
  if (tfd >= 0)
    close(tfd);
  w->ended_ns = now;
  atomic_store(&w->finished, 1);
  lg__load_worker_done(l);
  return NULL;
}

int lg__load_worker_init(lgl_worker *w, lg_load *l, unsigned index,
                         uint32_t n_conns, lg_error *err) {
  size_t i, obuf = 0;
  uint32_t k, depth = 1;

  w->l = l;
  w->index = index;
  w->ep = -1;
  w->rng = l->seed ^ ((uint64_t)(index + 1) * 0x9E3779B97F4A7C15ull);
  if (!w->rng)
    w->rng = 1;
  if (l->driver == LG_DRIVER_STDIN)
    depth = l->connections; /* requests in flight on the one pipe pair */
  for (i = 0; i < l->n_items; i++)
    if (!l->items[i].fixed && l->items[i].max_len > obuf)
      obuf = l->items[i].max_len;
  w->ep = epoll_create1(EPOLL_CLOEXEC);
  w->conns = calloc(n_conns, sizeof *w->conns);
  w->idle = calloc(n_conns, sizeof *w->idle);
  w->ready = calloc(n_conns, sizeof *w->ready);
  w->rbuf = malloc(LGL_RBUF);
  w->per_phase = calloc(l->n_phases, sizeof *w->per_phase);
  if (w->ep < 0)
    return lg_error_set(err, LG_ESYS, "load: epoll_create1: %s", strerror(errno));
  if (!w->conns || !w->idle || !w->ready || !w->rbuf || !w->per_phase)
    return lg_error_set(err, LG_ENOMEM, "load: out of memory for %u connections",
                        n_conns);
  for (k = 0; k < n_conns; k++) {
    lgl_conn *c = &w->conns[k];
    c->w = w;
    c->idx = k;
    c->rfd = c->wfd = -1;
    c->depth = depth;
    /* n_conns grows as connections are set up: after a failed allocation
     * the cleanup sees only these (calloc's rfd 0 would be closed: stdin). */
    w->n_conns = k + 1;
    c->ring = calloc(depth, sizeof *c->ring);
    c->obuf = obuf ? malloc(obuf) : NULL;
    if (!c->ring || (obuf && !c->obuf))
      return lg_error_set(err, LG_ENOMEM, "load: out of memory for connections");
  }
  return 0;
}

void lg__load_worker_cleanup(lgl_worker *w) {
  uint32_t k;
  if (!w->l)
    return;
  for (k = 0; w->conns && k < w->n_conns; k++) {
    lgl_conn *c = &w->conns[k];
    if (w->l->driver != LG_DRIVER_STDIN && c->rfd >= 0)
      close(c->rfd);
    free(c->ring);
    free(c->obuf);
  }
  free(w->conns);
  free(w->idle);
  free(w->ready);
  free(w->rbuf);
  free(w->per_phase);
  if (w->ep >= 0)
    close(w->ep);
  w->conns = NULL;
  w->ep = -1;
}
