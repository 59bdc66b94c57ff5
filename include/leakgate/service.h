/* leakgate/service.h - the service's lifecycle: start inside a container,
 * wait until ready, watch, stop gracefully.
 *
 * Start forks, joins the container (before exec, so the service never runs
 * outside it), sets exactly the scenario's environment plus LEAKGATE_PORT
 * (and LEAKGATE_MEMORY_LIMIT when a limit is enforced) - no PATH or HOME of
 * leakgate's - and execs argv (never a shell unless spec->shell). argv[0]
 * is resolved before fork: with a '/' against the service's cwd, else in
 * the scenario env's PATH or, without one, leakgate's PATH; so a missing
 * program is LG_ESTART naming it. Only this module may wait for the
 * service's pid (no waitpid(-1), no SIGCHLD set to SIG_IGN elsewhere). stdout and
 * stderr are drained by a capture thread into files in the out dir with a
 * size cap, so a flooding service never blocks and never fills the disk.
 * Stop sends the configured signal, waits its timeout, then SIGKILLs.
 * Ownership: lg_service_start allocates; lg_service_free frees (and kills
 * the process if it still runs).
 */
#ifndef LEAKGATE_SERVICE_H
#define LEAKGATE_SERVICE_H

#include <leakgate/container.h>
#include <leakgate/error.h>
#include <leakgate/scenario.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct lg_service lg_service;

typedef struct lg_service_opts {
  const lg_service_spec *spec;
  const char *scenario_dir; /* base for a relative cwd / argv[0] */
  unsigned port;            /* {{port}} and LEAKGATE_PORT */
  lg_container *container;  /* may be NULL (no box at all) */
  const char *out_dir;      /* where <prefix>.stdout.log/.stderr.log go */
  const char *log_prefix;   /* default "service" */
  size_t log_cap;           /* bytes kept per stream; default 16 MiB */
  bool stdin_pipe;          /* stdin driver: keep stdin/stdout as pipes */
  char *const *wrapper;     /* argv prefix (valgrind ...), NULL-terminated */
  double ready_timeout_scale; /* slowdown factor for readiness; default 1 */
  volatile int *interrupt;  /* set by a signal handler to abort waits;
                               negative (a second signal: hurry) also cuts
                               lg_service_stop's graceful wait short */
  /* Every complete line of the service's stdout (stream 0) and stderr (1),
   * newline removed, called on the capture thread after the line went to
   * its log (the log stays complete); NULL = none. */
  void (*on_line)(void *ctx, int stream, const char *line, size_t len);
  void *line_ctx;
  /* NULL, or a value for LEAKGATE_RUN: a mark every process of this run
   * inherits, by which a watchdog finds a daemon no cgroup holds */
  const char *run_mark;
} lg_service_opts;

typedef struct lg_service_status {
  bool running;
  bool exited;     /* exited normally */
  int exit_status; /* when exited */
  int signal;      /* when killed by a signal */
  bool stopped_by_us;  /* we sent the stop signal before it died */
  bool escalated;      /* needed SIGKILL */
  bool crashed;        /* died by a signal we did not send (crash, OOM kill) */
  bool daemonized;     /* its command exited 0 leaving processes in the
                          container: those are the service now (its pid
                          was reaped) */
} lg_service_status;

int lg_service_start(const lg_service_opts *o, lg_service **out,
                     lg_error *err);
/* Wait for the readiness probe; LG_ENOTREADY on timeout, LG_ESTART when the
 * service exits first (message includes the tail of its stderr). */
int lg_service_wait_ready(lg_service *s, lg_error *err);
pid_t lg_service_pid(const lg_service *s);
/* stdin driver: the write end of the service's stdin / read end of stdout.
 * Owned by the service (closed by lg_service_free); -1 without stdin_pipe.
 * Writing to a dead service raises SIGPIPE: the caller ignores it. */
int lg_service_stdin_fd(const lg_service *s);
int lg_service_stdout_fd(const lg_service *s);
/* Non-blocking check whether the service is still running. */
int lg_service_poll(lg_service *s, lg_service_status *st);
/* Stop: signal, wait timeout, SIGKILL; fills st with how it ended. */
int lg_service_stop(lg_service *s, lg_service_status *st, lg_error *err);
/* Seconds from start to ready, NAN before. */
double lg_service_ready_seconds(const lg_service *s);
/* The last up to cap bytes of captured stderr (for messages). */
size_t lg_service_stderr_tail(lg_service *s, char *buf, size_t cap);
/* LG_EIO naming the log file when capturing the service's output into it
 * failed (disk full; the output is still drained), else 0. */
int lg_service_log_error(lg_service *s, lg_error *err);
const char *lg_service_stdout_path(const lg_service *s);
const char *lg_service_stderr_path(const lg_service *s);
void lg_service_free(lg_service *s);

/* The absolute path of the program spec runs, resolved as lg_service_start
 * resolves argv[0] (against the service's cwd, or in PATH); "/bin/sh" for
 * a shell command. *out is the caller's. LG_ESTART when it is not an
 * executable file. */
int lg_service_program(const lg_service_spec *spec, const char *scenario_dir,
                       unsigned port, char **out, lg_error *err);

/* Pick a free loopback TCP port (bind to 0, read it back, close). */
int lg_pick_port(unsigned *port, lg_error *err);

#endif
