/* leakgate/sampler.h - samples memory from outside the service.
 *
 * A thread driven by a timerfd at the sampling interval reads, for every pid
 * in the container (or the service's process tree for backend none),
 * /proc/PID/statm and fd counts, plus the container's usage and anon
 * counters (per-process RssAnon from /proc/PID/status where no cgroup anon
 * exists). PSS (smaps_rollup takes the target's mmap lock) is read at
 * phase boundaries and, with pss_duty, on a cadence that bounds its share of
 * the time (analysis.metric: pss). Every row goes to samples.csv and is
 * flushed at once.
 * The completed-request counter is read at each sample through a callback;
 * callbacks run on the sampler thread (or the caller of sample_now), so
 * requests() and phase() must be thread-safe. t_s counts from
 * lg_sampler_start; the first row is taken at once. A samples.csv write
 * error stops sampling and is returned by sample_now and stop.
 * Ownership: lg_sampler_start allocates; lg_sampler_stop joins and frees.
 */
#ifndef LEAKGATE_SAMPLER_H
#define LEAKGATE_SAMPLER_H

#include <leakgate/container.h>
#include <leakgate/error.h>
#include <leakgate/series.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct lg_sampler lg_sampler;

/* Called on the sampler thread with each new row (for a live view). */
typedef void (*lg_sample_cb)(const lg_sample *s, void *ctx);

typedef struct lg_sampler_opts {
  double interval_s;
  lg_container *container; /* may be NULL */
  pid_t root_pid;          /* service pid: used when there is no cgroup */
  const char *csv_path;    /* samples.csv; NULL = keep in memory only */
  lg_samples_writer *writer; /* rows go here instead of csv_path: the
                                caller's, who opened it and closes it */
  uint64_t (*requests)(void *ctx); /* completed requests; NULL = 0 */
  void *requests_ctx;
  const char *(*phase)(void *ctx); /* current phase name; NULL = "" */
  void *phase_ctx;
  lg_sample_cb on_sample;
  void *on_sample_ctx;
  /* Fills a row's GC columns (heap_live_bytes, gc_count, gc_pause_s) from
   * the managed runtime's report, on the sampler thread; NULL = empty. */
  void (*gc)(void *ctx, lg_sample *row);
  void *gc_ctx;
  const char *procfs_root; /* test hook: stands in for /proc */
  double pss_duty;         /* > 0: also read PSS on a cadence, at most this
                              share of the time (LG_SAMPLER_PSS_DUTY); 0:
                              only after lg_sampler_mark_phase */
} lg_sampler_opts;

/* The share of time PSS reads may take when a run gates on PSS: 1%. After
 * a read that took d seconds the next comes d / 0.01 later (at least one
 * sampling interval later): 0.1 ms reads on a small service give PSS in
 * every row, 20 ms reads on a large one every 2 s. */
#define LG_SAMPLER_PSS_DUTY 0.01

typedef struct lg_sampler_stats {
  size_t samples;
  size_t read_errors;
  double peak_rss_bytes, peak_anon_bytes, peak_cgroup_bytes;
  int64_t oom_kills; /* last value read from the container, -1 unknown */
  int max_procs;
  size_t pss_reads; /* rows whose PSS was read (asked or on the cadence) */
} lg_sampler_stats;

int lg_sampler_start(const lg_sampler_opts *o, lg_sampler **out,
                     lg_error *err);
/* Ask for PSS on the next sample (phase boundary); thread-safe. */
void lg_sampler_mark_phase(lg_sampler *s);
/* Take one sample now, synchronously (used for the final sample). */
int lg_sampler_sample_now(lg_sampler *s, lg_error *err);
/* The sticky failure that stopped the thread (a samples.csv write), or 0;
 * thread-safe, so a caller can stop the run as soon as sampling stops. */
int lg_sampler_error(lg_sampler *s, lg_error *err);
/* Stop the thread, close the CSV, fill stats, free s. */
int lg_sampler_stop(lg_sampler *s, lg_sampler_stats *st, lg_error *err);

/* One measurement of a set of processes (exposed for tests and doctor). */
typedef struct lg_proc_mem {
  double rss_bytes, anon_bytes, pss_bytes; /* sums; pss NAN unless asked */
  int procs, fds; /* processes measured (vanished ones skipped); fds -1
                     when no fd/ directory could be read */
  int errors;     /* reads that failed other than by the process exiting */
} lg_proc_mem;
/* lg_procfs_measure flags (0: rss, anon and fds). */
#define LG_PROCFS_PSS 1    /* also smaps_rollup Pss (takes the mmap lock) */
#define LG_PROCFS_NO_FDS 2 /* leave fds out (-1) */
/* Measure pids from statm (rss; anon = resident - shared, which is RssAnon),
 * the open fd count (the size of /proc/PID/fd on Linux 6.2+, else its
 * entries), and smaps_rollup Pss with LG_PROCFS_PSS. Always 0. */
int lg_procfs_measure(const char *procfs_root, const pid_t *pids, size_t n,
                      int flags, lg_proc_mem *out);
/* The pid and all its descendants (via /proc/PID/task/TID/children). */
int lg_procfs_tree(const char *procfs_root, pid_t root, pid_t *pids,
                   size_t cap, size_t *n);

#endif
