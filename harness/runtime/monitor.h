/* runtime/monitor.h - internal: the runtime's GC view of one run
 * (runtime/monitor.c).
 *
 * The monitor reads every GC report the run switched on - lines of the
 * service's stdout/stderr handed over by the capture thread, and the GC
 * logs each process writes into the out dir (JVM gc-PID.log, Node
 * node-gc-PID.log), tailed on every sampler tick - maps each event onto the
 * run's clock and request count, streams it to gc.csv, and keeps what the
 * samples.csv row and the checks need. It also scans the service's
 * processes for a managed runtime when the command did not say (a wrapper).
 * Threads: lg__rt_monitor_line runs on the capture thread, lg__rt_monitor_poll
 * and lg__rt_monitor_state on the sampler thread, the rest on the run's thread;
 * one mutex guards everything. Ownership: lg__rt_monitor_new allocates,
 * lg__rt_monitor_free frees (and closes gc.csv); a failure to write gc.csv is
 * kept and reported in the summary, never stops the run.
 */
#ifndef LG_RUNTIME_MONITOR_H
#define LG_RUNTIME_MONITOR_H

#include <leakgate/error.h>
#include <leakgate/runtime.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define RT_MAX_PHASES 32

typedef struct rt_monitor rt_monitor;

typedef struct rt_monitor_opts {
  lg_runtime_info info;    /* detection before the start */
  bool switched_on;        /* the run turned a GC report on (inject.c) */
  const char *out_dir;     /* the per-process GC logs are read here */
  const char *gc_csv;      /* gc.csv path; NULL = not written */
  const char *procfs_root; /* test hook; NULL = /proc */
  /* Lists root and its descendants (lg_procfs_tree of leakgate/sampler.h):
   * a wrapper's processes are looked at for a runtime; NULL = never. */
  int (*tree)(const char *procfs_root, pid_t root, pid_t *pids, size_t cap,
              size_t *n);
} rt_monitor_opts;

/* GC figures of one phase of the load (events attributed by the phase the
 * load was in when they were seen). */
typedef struct rt_phase_gc {
  char name[64];
  int64_t events, full_events;
  double pause_s;         /* sum of the pauses */
  double first_t, last_t; /* run clock of its first and last event */
  double last_live_bytes; /* live heap after its last full collection */
  double max_after_bytes; /* largest occupancy after a collection */
} rt_phase_gc;

/* A stretch of the load: counters at its ends and the collections in it. */
typedef struct rt_window {
  double t0, t1;           /* run clock; t1 <= t0: no such stretch */
  double requests, errors; /* completed, failed in it */
  double pause_s;          /* GC pauses in it */
  int64_t full_events;
  double live_bytes; /* live heap after its last full collection */
} rt_window;

typedef struct rt_summary {
  lg_runtime_info info; /* as finally known (versions from the logs, a
                           runtime found among the processes) */
  int64_t events, full_events, bad_lines;
  double pause_s;        /* all collections */
  double heap_max_bytes; /* the heap's ceiling (JVM max capacity, V8 heap
                            limit), summed over processes; NAN unknown */
  double live_bytes;     /* live heap after the last full collection */
  double peak_live_bytes;
  int processes; /* processes that reported */
  int64_t oom_lines;
  lg_runtime_kind oom_who;
  char oom_line[240]; /* the first such line of the service's output */
  rt_phase_gc phases[RT_MAX_PHASES];
  size_t n_phases;
  /* The first and the last fifth (at least a second each) of the steady
   * load, for the throughput-collapse check, and the last fifth of the time
   * the runtime was collecting (ending at its last collection: a JVM that
   * stopped collecting because it stopped serving is judged on its end),
   * for heap-exhaustion. */
  rt_window first, last, collecting;
  char gc_csv_error[256]; /* "" when gc.csv was written completely */
  /* The live heap after each full collection of the load (x: requests, y:
   * bytes), at most RT_MAX_FULL points (every other one is dropped when
   * full, so they stay spread over the run); malloc'd, freed by
   * lg__rt_summary_cleanup. */
  double *full_x, *full_y;
  size_t n_full;
} rt_summary;

#define RT_MAX_FULL 4096

void lg__rt_summary_cleanup(rt_summary *s);

int lg__rt_monitor_new(const rt_monitor_opts *o, rt_monitor **out,
                       lg_error *err);
/* One complete line of the service's stdout (stream 0) or stderr (1). */
void lg__rt_monitor_line(rt_monitor *m, int stream, const char *line,
                         size_t len);
/* The load's counters (completed and failed requests) and its current
 * phase; thread-safe, called on the monitor's callers' threads. */
typedef void (*rt_counters_fn)(void *ctx, uint64_t *completed,
                               uint64_t *errors);
/* The load starts now: events get t_s from here, requests and phase from
 * these callbacks. Earlier events are written with negative t_s and phase
 * "startup". */
void lg__rt_monitor_load_started(rt_monitor *m, rt_counters_fn counters,
                                 const char *(*phase)(void *), void *ctx);
/* The load is about to be freed: later events get its final count and
 * last phase (the callbacks are not called again). */
void lg__rt_monitor_load_stopped(rt_monitor *m);
/* Read what the per-process logs gained and look for a runtime among the
 * processes under root (at most once a second). */
void lg__rt_monitor_poll(rt_monitor *m, pid_t root);
/* The sampler's columns: live heap after the last full collection (NAN
 * before one), collections and pause seconds so far (-1 and NAN when the
 * runtime reports nothing). */
void lg__rt_monitor_state(rt_monitor *m, double *live, int64_t *count,
                          double *pause_s);
/* The runtime as known now (a wrapper's child may have named it). */
lg_runtime_kind lg__rt_monitor_kind(rt_monitor *m);
/* The first process that reported with its pid (a JVM's gc-PID.log, a
 * Node preload's), or 0: the process to ask for a class histogram. */
pid_t lg__rt_monitor_runtime_pid(rt_monitor *m);
/* A last read of the logs (the service has stopped), then the summary;
 * steady_s is where the steady load starts on the run's clock (the first
 * and last windows are taken from there to the load's end). */
void lg__rt_monitor_summary(rt_monitor *m, double steady_s, rt_summary *s);
void lg__rt_monitor_free(rt_monitor *m);

#endif
