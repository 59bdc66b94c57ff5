/* sampler/sampler.c - the sampling thread (see leakgate/sampler.h).
 *
 * A timerfd (CLOCK_MONOTONIC) at interval_s wakes the thread; the first
 * sample is taken at once (t_s ~ 0). Overruns (a slow tick) coalesce into
 * one sample: rows never pile up behind a stall. Each sample:
 *   pids    - the container's cgroup.procs (recursive), else the service's
 *             process tree from /proc/PID/task/TID/children;
 *   rss     - sum of statm resident; anon - the sum of per-process anon
 *             (statm resident - shared, i.e. RssAnon), exact and current.
 *             Not the cgroup's memory.stat anon: the kernel updates that in
 *             per-CPU batches, and its noise around the trend was many times
 *             the per-process sum's (docs/samples.md has the measurement:
 *             10.3 vs 0.7 KiB, MDS ~90x larger). The
 *             cgroup counter is used only when no process can be read;
 *   pss     - sum of smaps_rollup Pss, for the first sample after
 *             lg_sampler_mark_phase and, with pss_duty > 0, on a cadence
 *             that keeps the reads under that share of the time: after a
 *             read that took d seconds the next waits d / pss_duty (and
 *             for a tick). smaps_rollup walks the page tables
 *             under the target's mmap lock, so the cost scales with the
 *             service's mappings: a small service gets PSS every sample,
 *             a 4 GiB one every few seconds. Empty otherwise;
 *   cgroup  - memory.current / memory.usage_in_bytes;
 *   fds     - open fds of those processes, at a cadence bounded by its
 *             cost: a count that took c CPU seconds, more than the rest of
 *             the sample and more than 1/FD_COST_RATIO of the interval, is
 *             next due c * FD_COST_RATIO later, so it never takes more than
 *             ~2% of a core or doubles what sampling costs anyway. The count
 *             is ~2 us per process on Linux 6.2+ (the size of
 *             /proc/PID/fd), so every row has it; where it is a walk of the
 *             fd directory (older kernels), a service with 20,000 fds (~5
 *             ms a walk) gets it about every quarter second and the rows in
 *             between leave it empty - a tick stays cheap whatever the
 *             service holds (issue 13 item 6: 11 s of CPU in 11 s before);
 *   procs, the request counter and phase from the callbacks.
 * With no live process, rss/anon/pss/fds are empty and procs is 0.
 * Samples are serialized by a mutex, so lg_sampler_sample_now may run
 * beside the thread. Callbacks run on the sampler thread (or the caller of
 * sample_now): requests() and phase() must be thread-safe.
 * A samples.csv write failure stops the thread and is returned by
 * sample_now and stop: rows are never dropped silently.
 * Owns: the thread, timerfd, eventfd, pid buffer, the process-tree walk's
 * buffers (kept across ticks) and the CSV writer it opened (a writer given
 * in opts stays the caller's);
 * lg_sampler_stop joins and frees all of it.
 */
#include <leakgate/sampler.h>

#include "core/clock.h"
#include "sampler/procfs_int.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PIDS_START 256
#define PIDS_MAX 65536
#define MIN_INTERVAL_S 0.001
/* An fd count that took c seconds is next due c * FD_COST_RATIO later. */
#define FD_COST_RATIO 50.0

struct lg_sampler {
  lg_sampler_opts o;
  lg_samples_writer *w;
  bool own_w; /* opened from csv_path here (else the caller's writer) */
  pthread_t thread;
  bool started;
  int timer_fd, stop_fd;
  pthread_mutex_t mu; /* one sample at a time; guards everything below */
  atomic_int pss_pending;
  double pss_next; /* pss_duty: monotonic time of the next cadence read */
  double t0;
  pid_t *pids;
  size_t pids_cap;
  lg_procfs_scratch tree; /* kept across ticks: no per-tick allocation */
  lg_sampler_stats st;
  double fds_due; /* lg__now_s() when fds are next counted */
  int failed; /* sticky error code */
  lg_error ferr;
};

static void pids_of(lg_sampler *s, size_t *n) {
  lg_error err = {0, ""};
  int r;
  for (;;) {
    if (s->o.container && lg_container_path(s->o.container))
      r = lg_container_pids(s->o.container, s->pids, s->pids_cap, n, &err);
    else
      r = lg__procfs_tree(s->o.procfs_root, s->o.root_pid, s->pids, s->pids_cap,
                          n, &s->tree);
    if (r) {
      s->st.read_errors++;
      *n = 0;
      return;
    }
    if (*n <= s->pids_cap || s->pids_cap >= PIDS_MAX)
      break;
    {
      size_t nc = *n < PIDS_MAX ? *n * 2 : PIDS_MAX;
      pid_t *p = realloc(s->pids, nc * sizeof *p);
      if (!p)
        break;
      s->pids = p;
      s->pids_cap = nc > PIDS_MAX ? PIDS_MAX : nc;
    }
  }
  if (*n > s->pids_cap)
    *n = s->pids_cap;
}

/* CPU seconds of the calling thread. */
static double thread_cpu_s(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void peak(double *p, double v) {
  if (isfinite(v) && (!isfinite(*p) || v > *p))
    *p = v;
}

/* Take one sample; called with s->mu held. */
static int take_sample(lg_sampler *s, lg_error *err) {
  lg_container_stats cs;
  lg_proc_mem pm;
  lg_sample row;
  lg_error rerr = {0, ""};
  size_t n = 0;
  int with_pss;
  double now, took, cpu0 = thread_cpu_s();

  if (s->failed)
    return lg_error_set(err, s->failed, "%s", s->ferr.msg);
  with_pss = atomic_exchange(&s->pss_pending, 0);
  lg_sample_init(&row);
  now = lg__now_s();
  if (s->o.pss_duty > 0 && now >= s->pss_next)
    with_pss = 1;
  row.t_s = now - s->t0;
  pids_of(s, &n);
  lg_procfs_measure(s->o.procfs_root, s->pids, n,
                    LG_PROCFS_NO_FDS | (with_pss ? LG_PROCFS_PSS : 0), &pm);
  if (with_pss && s->o.pss_duty > 0) {
    /* The whole measurement is timed (statm too): an upper bound of the
     * PSS read's cost, so the share stays under pss_duty. */
    took = lg__now_s() - now;
    s->pss_next = now + took / s->o.pss_duty; /* ticks bound it below */
    s->st.pss_reads++;
  } else if (with_pss) {
    s->st.pss_reads++;
  }
  if (pm.procs > 0 && lg__now_s() >= s->fds_due) {
    double c0 = thread_cpu_s(), cost;
    pm.fds = lg__procfs_fds(s->o.procfs_root, s->pids, n, &pm.errors);
    /* CPU time, not wall: a count preempted on a busy machine is not an
     * expensive one. Within budget - no more than the rest of the sample
     * or 1/FD_COST_RATIO of the interval - every row has it. */
    cost = thread_cpu_s() - c0;
    s->fds_due = cost <= fmax(c0 - cpu0, s->o.interval_s / FD_COST_RATIO)
                     ? 0
                     : lg__now_s() + cost * FD_COST_RATIO;
  }
  s->st.read_errors += (size_t)pm.errors;
  if (lg_container_read(s->o.container, &cs, &rerr) != 0)
    s->st.read_errors++;
  row.requests = s->o.requests ? (int64_t)s->o.requests(s->o.requests_ctx) : 0;
  row.procs = pm.procs;
  row.rss_bytes = pm.procs ? pm.rss_bytes : NAN;
  row.anon_bytes = pm.procs                  ? pm.anon_bytes
                   : isfinite(cs.anon_bytes) ? cs.anon_bytes
                                             : NAN;
  row.pss_bytes = pm.pss_bytes;
  row.cgroup_bytes = cs.usage_bytes;
  row.fds = pm.procs ? pm.fds : -1;
  row.phase = s->o.phase ? s->o.phase(s->o.phase_ctx) : "";
  if (s->o.gc)
    s->o.gc(s->o.gc_ctx, &row);
  if (s->w && lg_samples_writer_append(s->w, &row, &s->ferr) != 0) {
    s->failed = s->ferr.code;
    return lg_error_set(err, s->failed, "%s", s->ferr.msg);
  }
  s->st.samples++;
  peak(&s->st.peak_rss_bytes, row.rss_bytes);
  peak(&s->st.peak_anon_bytes, row.anon_bytes);
  peak(&s->st.peak_cgroup_bytes, row.cgroup_bytes);
  if (pm.procs > s->st.max_procs)
    s->st.max_procs = pm.procs;
  if (cs.oom_kills >= 0)
    s->st.oom_kills = cs.oom_kills;
  if (s->o.on_sample)
    s->o.on_sample(&row, s->o.on_sample_ctx);
  return 0;
}

static void *sampler_main(void *arg) {
  lg_sampler *s = arg;
  struct pollfd p[2];
  uint64_t ticks;
  p[0].fd = s->timer_fd;
  p[0].events = POLLIN;
  p[1].fd = s->stop_fd;
  p[1].events = POLLIN;
  for (;;) {
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 || (p[1].revents & POLLIN))
      break;
    if (p[0].revents & POLLIN) {
      int failed;
      /* several expirations since the last read: one sample */
      if (read(s->timer_fd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
        break;
      pthread_mutex_lock(&s->mu);
      (void)take_sample(s, NULL);
      failed = s->failed;
      pthread_mutex_unlock(&s->mu);
      if (failed)
        break;
    }
  }
  return NULL;
}

static void sampler_free(lg_sampler *s) {
  if (s->timer_fd >= 0)
    close(s->timer_fd);
  if (s->stop_fd >= 0)
    close(s->stop_fd);
  pthread_mutex_destroy(&s->mu);
  free(s->pids);
  lg__procfs_scratch_free(&s->tree);
  free(s);
}

int lg_sampler_start(const lg_sampler_opts *o, lg_sampler **out,
                     lg_error *err) {
  struct itimerspec its;
  lg_sampler *s;
  int r, rc = 0;

  *out = NULL;
  if (!(o->interval_s >= MIN_INTERVAL_S))
    return lg_error_set(err, LG_EUSAGE,
                        "sampling.interval: %g s is below "
                        "the minimum of 1 ms",
                        o->interval_s);
  s = calloc(1, sizeof *s);
  if (!s)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  s->o = *o;
  s->timer_fd = s->stop_fd = -1;
  pthread_mutex_init(&s->mu, NULL);
  atomic_init(&s->pss_pending, 0);
  s->st.peak_rss_bytes = s->st.peak_anon_bytes = NAN;
  s->st.peak_cgroup_bytes = NAN;
  s->st.oom_kills = -1;
  s->pids_cap = PIDS_START;
  s->pids = malloc(s->pids_cap * sizeof *s->pids);
  if (!s->pids) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if (o->writer) {
    s->w = o->writer;
  } else if (o->csv_path) {
    if ((rc = lg_samples_writer_open(o->csv_path, &s->w, err)))
      goto cleanup;
    s->own_w = true;
  }
  s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->timer_fd < 0 || s->stop_fd < 0) {
    rc = lg_error_set(err, LG_ESYS, "sampler: timerfd/eventfd: %s",
                      strerror(errno));
    goto cleanup;
  }
  memset(&its, 0, sizeof its);
  its.it_interval.tv_sec = (time_t)o->interval_s;
  its.it_interval.tv_nsec =
      (long)((o->interval_s - (double)its.it_interval.tv_sec) * 1e9);
  its.it_value.tv_nsec = 1000; /* first sample right away */
  s->t0 = lg__now_s();
  if (timerfd_settime(s->timer_fd, 0, &its, NULL) != 0) {
    rc = lg_error_set(err, LG_ESYS, "sampler: timerfd_settime: %s",
                      strerror(errno));
    goto cleanup;
  }
  r = pthread_create(&s->thread, NULL, sampler_main, s);
  if (r) {
    rc = lg_error_set(err, LG_ESYS, "sampler: cannot start thread: %s",
                      strerror(r));
    goto cleanup;
  }
  s->started = true;
  *out = s;
  s = NULL;
cleanup:
  if (s) {
    if (s->own_w)
      lg_samples_writer_close(s->w, NULL);
    sampler_free(s);
  }
  return rc;
}

void lg_sampler_mark_phase(lg_sampler *s) {
  if (s)
    atomic_store(&s->pss_pending, 1);
}

int lg_sampler_sample_now(lg_sampler *s, lg_error *err) {
  int rc;
  pthread_mutex_lock(&s->mu);
  rc = take_sample(s, err);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int lg_sampler_error(lg_sampler *s, lg_error *err) {
  int rc = 0;
  pthread_mutex_lock(&s->mu);
  if (s->failed)
    rc = lg_error_set(err, s->failed, "%s", s->ferr.msg);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int lg_sampler_stop(lg_sampler *s, lg_sampler_stats *st, lg_error *err) {
  uint64_t one = 1;
  int rc = 0;
  if (!s)
    return 0;
  if (s->started) {
    if (write(s->stop_fd, &one, sizeof one) < 0) {
      /* eventfd writes fail only on counter overflow: already signalled */
    }
    pthread_join(s->thread, NULL);
  }
  if (s->failed)
    rc = lg_error_set(err, s->failed, "%s", s->ferr.msg);
  if (s->own_w && lg_samples_writer_close(s->w, rc ? NULL : err) != 0 && !rc)
    rc = LG_EIO;
  if (st)
    *st = s->st;
  sampler_free(s);
  return rc;
}
