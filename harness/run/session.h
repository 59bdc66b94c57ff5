/* run/session.h - one start-drive-stop session of a scenario's service:
 * container -> service (optionally under a wrapper such as valgrind) ->
 * readiness -> sampler + load -> stop -> container removed.
 * The RSS run and each Valgrind tier run are one session each.
 * Ownership: session_out.load is moved into the caller's result; every
 * process and cgroup of the session is gone when lg__session_run returns,
 * whatever happened (that is the point of this module). */
#ifndef LG_RUN_SESSION_H
#define LG_RUN_SESSION_H

#include "core/watchdog.h"
#include "run/rtgc.h"

#include <leakgate/leakgate.h>
#include <stdbool.h>
#include <stdint.h>

/* Called on the main loop about every 50 ms with the completed count; a
 * holding session (hold_first > 0) raises the load's budget from here
 * with lg_load_set_budget. wd is the session's watchdog, for the helper
 * processes a tick starts (vgdb). */
typedef void (*session_tick_fn)(void *ctx, lg_load *load, uint64_t completed,
                                pid_t pid, lg_watchdog *wd);

typedef struct session_opts {
  const lg_scenario *sc;
  const char *out_dir;
  const char *log_prefix;  /* service log file prefix: "service", "memcheck" */
  const char *stage;       /* progress stage name */
  char *const *wrapper;    /* argv prefix (valgrind ...) or NULL */
  double ready_scale;      /* readiness timeout factor (slow tools) */
  double stop_scale;       /* stop timeout factor (leak check at exit) */
  bool no_memory_limit;    /* tool runs: the tool's RSS is not the service's */
  double rate_scale, duration_scale;
  uint64_t max_requests;
  lg_samples_writer *csv;  /* the run's samples.csv; NULL: no sampler */
  const char *cgroupfs_root;
  volatile int *interrupt;
  lg_progress_cb progress;
  void *progress_ctx;
  double progress_interval_s;
  bool early_stop;         /* analysis.early_stop applies (the RSS session,
                              with csv): looks end or extend the steady load */
  uint64_t hold_first;     /* > 0: the load holds at this many requests
                              until on_tick raises its budget */
  session_tick_fn on_tick;
  void *tick_ctx;
  lg_metrics *metrics;     /* live endpoint fed by this session, or NULL */
  const lg_kv *extra_env;  /* added to the service's environment, replacing
                              a scenario variable of the same name */
  size_t n_extra_env;
  bool runtime_gc;         /* detect a managed runtime and read its GC
                              report (the main run; run/rtgc.h) */
} session_opts;

typedef struct session_out {
  lg_load_result load;        /* moved to the caller */
  lg_service_status status;   /* how the service ended */
  bool started, ready;
  pid_t pid;                  /* the service (or its wrapper) pid */
  bool died_early;            /* ended before we stopped it */
  bool stopped_early;         /* a look decided: the steady load was ended */
  double decided_after_s;     /* stopped_early: steady seconds of that look
                                 (the replay must decide there too); NAN */
  lg_leak decided_leak;       /* stopped_early: that look's verdict */
  bool interrupted;
  double ready_s;
  char backend[32];
  char cgroup[512];
  char note[512];             /* lg_container_note(): a weaker box than asked */
  double limit_bytes;         /* NAN without a limit */
  double peak_bytes;          /* container peak, else sampler peak */
  int64_t oom_kills;          /* -1 unknown (backend none) */
  size_t samples;
  double last_t_s;            /* t_s of the last sample */
  double live_until_t_s;      /* died_early: t_s of the last row with a
                                 live process before the death was seen
                                 (the fit stops there); else NAN */
  uint64_t last_requests;
  char stdout_log[1024], stderr_log[1024];
  char failure[LG_ERROR_MSG_MAX]; /* why it could not start/run; "" if fine */
  int failure_code;
  rtgc_out runtime;           /* runtime_gc: what the runtime reported */
} session_out;

void lg__session_opts_init(session_opts *o);
/* Run one session. Returns 0 when the session ran (the service may still
 * have crashed: see out); a negative code when it could not (out->failure
 * says why); processes and cgroups are cleaned up in both cases. */
int lg__session_run(const session_opts *o, session_out *out, lg_error *err);

#endif
