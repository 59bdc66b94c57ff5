/* leakgate/load.h - the load engine: drives the service through the
 * scenario's phases and counts every completed request.
 *
 * Drivers: http (HTTP/1.1 keep-alive, parsed with http-parser), tcp and stdin
 * (a flow of {send, expect} items), exec (an external load command).
 * Models: a phase with a rate is open-model (requests scheduled at intended
 * times; latency measured from the intended time, so a stalled server cannot
 * hide); a phase without one is closed-model (send on response); ramp_to
 * ramps linearly; rate 0 is a quiet phase.
 * One epoll loop per thread (load.threads), fixed per-connection buffers.
 * The completed-request counter is lock-free: lg_load_completed() may be
 * called from any thread at any time (the sampler does, at each sample).
 * Counting: a request is completed when its whole response arrived without
 * error (HTTP status < 400; the expect delimiter for tcp/stdin); every other
 * request is one error of a class (connect, read, write, timeout, status,
 * parse). Completed and errors are disjoint. The exec driver counts nothing
 * (lg_load_completed stays 0; the result has -1 counts): time is its x-axis.
 * Never a hang: every wait has a timeout (load.timeout per request and per
 * connect), failed connections reconnect with a capped backoff, and the
 * threads end by themselves at the end of the last phase.
 * Typical use: opts_init, set fields, new, start, then poll progress_get and
 * wait(l, 0.2) until it returns 1 (stop on interrupt), finish, free.
 * Ownership: lg_load_new allocates; lg_load_free frees (stopping first).
 * The stdin driver's fds stay the caller's: never closed here, but set
 * O_NONBLOCK.
 */
#ifndef LEAKGATE_LOAD_H
#define LEAKGATE_LOAD_H

#include <leakgate/error.h>
#include <leakgate/result.h>
#include <leakgate/scenario.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct lg_load lg_load;

typedef struct lg_load_opts {
  const lg_load_spec *spec; /* read by lg_load_new only (copied) */
  unsigned port;      /* {{port}} */
  int stdin_fd;       /* stdin driver: service stdin (write end); else -1 */
  int stdout_fd;      /* stdin driver: service stdout (read end); else -1 */
  double rate_scale;  /* multiplies every phase rate; default 1 */
  double duration_scale; /* multiplies every phase duration; default 1 */
  uint64_t max_requests; /* stop after this many completed; 0 = no cap */
  const char *out_dir;   /* exec driver: load.stdout.log, load.stderr.log
                            (created by lg_load_new; read by it only) */
  volatile int *interrupt; /* set by a signal handler: stop now (read, never
                              written; must outlive the load) */
  bool hold;               /* send only while requests sent < the budget set
                              with lg_load_set_budget (starts at 0): lets a
                              caller pause the load at exact request counts,
                              e.g. for request-aligned Massif snapshots */
  /* exec driver: told the command's process group once it runs (alive)
   * and again right before its leader is reaped (!alive: the id may be
   * handed out again after), from whichever thread does it. A caller's
   * watchdog ends the group should leakgate die in between. NULL: none. */
  void (*on_group)(void *ctx, pid_t pgid, bool alive);
  void *group_ctx;
  double max_duration_s;   /* > the phases' (scaled) total: one more phase,
                              "<last>.extended", repeats the last phase's
                              load (at its final rate) up to this total, for
                              a caller that stops the load once it has seen
                              enough (early stop); 0: none */
} lg_load_opts;

/* Fill opts with defaults (scales 1, no cap, fds -1). */
void lg_load_opts_init(lg_load_opts *o);

/* A consistent-enough snapshot for progress lines. */
typedef struct lg_load_progress {
  uint64_t completed, errors;
  size_t phase_index;     /* index into spec->phases */
  const char *phase_name;
  double elapsed_s;       /* since lg_load_start */
  double total_s;         /* planned duration */
  bool done;
} lg_load_progress;

/* Validate the spec, compile requests and allocate every connection; resolve
 * the target (http url host, tcp address); nothing is sent yet. */
int lg_load_new(const lg_load_opts *o, lg_load **out, lg_error *err);
/* Start the threads; phases begin now (t = 0 of samples.csv). */
int lg_load_start(lg_load *l, lg_error *err);
/* Completed requests so far; lock-free, callable from any thread. */
uint64_t lg_load_completed(const lg_load *l);
/* Name of the current phase; the pointer stays valid while l lives. */
const char *lg_load_phase(const lg_load *l);
void lg_load_progress_get(const lg_load *l, lg_load_progress *p);
/* Wait up to timeout_s for the load to finish; 1 if finished, 0 if not. */
int lg_load_wait(lg_load *l, double timeout_s);
/* Ask the load to stop early (thread-safe, idempotent). */
void lg_load_stop(lg_load *l);
/* With opts.hold: allow requests up to budget in total (thread-safe; the
 * budget only grows; idle connections resume within 50 ms). A
 * held load still ends when its phases end. */
void lg_load_set_budget(lg_load *l, uint64_t budget);
/* Join threads (they end at the end of the last phase, or soon after
 * lg_load_stop) and fill the result's load section. *out is overwritten,
 * not freed first; its strings and arrays are malloc'd (lg_result_free or
 * lg_load_result_cleanup frees them). */
int lg_load_finish(lg_load *l, lg_load_result *out, lg_error *err);
/* Stop, join and free everything (NULL is fine). */
void lg_load_free(lg_load *l);
/* Free what lg_load_finish put into r and reset it (for callers without an
 * lg_result). */
void lg_load_result_cleanup(lg_load_result *r);

/* Counters callable as sampler callbacks (ctx = lg_load *). */
uint64_t lg_load_completed_cb(void *ctx);
const char *lg_load_phase_cb(void *ctx);

#endif
