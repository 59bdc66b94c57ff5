/* core/watchdog.h - a watchdog process that ends what leakgate started when
 * leakgate dies without cleaning up (SIGKILL, a crash, the OOM killer), and
 * the process-session helpers it and the service module share.
 *
 * lg__watchdog_start forks a small process that sits outside every cgroup
 * leakgate makes, in a session of its own, with every inherited descriptor
 * closed, blocked on a socket whose other end only leakgate holds
 * (close-on-exec). Leakgate tells it what to end: process groups and
 * sessions it started (the service, an exec load command), and single
 * processes it adopted (a daemon that left the service's session, with
 * backend none), and an environment entry every process of a none session
 * inherits (LEAKGATE_RUN=mark), for a daemon that left the session and was
 * not yet seen as adopted when leakgate died. Each is registered while its
 * leader is leakgate's unreaped child and unregistered before leakgate reaps
 * it, so an id the kernel hands out again later is never hit. lg__watchdog_stop
 * dismisses it. End of file without a stop: it SIGKILLs everything registered,
 * says so on stderr and exits. Cgroups are not its business: the container
 * module's own watchdog (container/reaper.c) removes those.
 *
 * Owns: in lg_watchdog, the socket end and the watchdog's pid (reaped by
 * lg__watchdog_stop). The watchdog holds at most LG_WATCHDOG_MAX ids.
 */
#ifndef LG_CORE_WATCHDOG_H
#define LG_CORE_WATCHDOG_H

#include <leakgate/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LG_WATCHDOG_MAX 256

typedef enum {
  LG_WATCH_GROUP = 'G',   /* kill(-id): a process group */
  LG_WATCH_SESSION = 'S', /* every process whose session id is id */
  LG_WATCH_PID = 'P',     /* one process */
  LG_WATCH_ENV = 'E'      /* every process whose environment holds the
                             entry given as the label ("NAME=VALUE"); id is
                             any pid > 1 (the service's), for the message */
} lg_watch_kind;

typedef struct lg_watchdog {
  int fd;    /* -1 when not started */
  pid_t pid; /* 0 when not started */
} lg_watchdog;

/* A watchdog that is not started (start, watch and stop accept it). */
#define LG_WATCHDOG_INIT                                                       \
  { -1, 0 }

/* Fork the watchdog; its name (comm) is name. */
int lg__watchdog_start(lg_watchdog *w, const char *name, lg_error *err);
/* Register (on) or unregister (!on) id of kind, with a short label for its
 * message ("the service", "the load command"; at most 31 bytes used).
 * Thread-safe (one datagram per call); a no-op without a watchdog. */
void lg__watchdog_watch(lg_watchdog *w, lg_watch_kind kind, pid_t id, bool on,
                        const char *label);
/* Dismiss the watchdog (it exits without ending anything) and reap it. */
void lg__watchdog_stop(lg_watchdog *w);

/* Fork a watchdog process: a socketpair of sock_type (SOCK_STREAM,
 * SOCK_SEQPACKET; close-on-exec), the child runs child(its end, ctx), which
 * must not return; the parent keeps the other end in *fd and the pid in
 * *pid. */
int lg__watchdog_fork(int sock_type, void (*child)(int fd, void *ctx),
                      void *ctx, int *fd, pid_t *pid, lg_error *err);

/* In a child just forked to be a watchdog: ignore the signals a terminal or
 * a process group sends, leave the session, move to "/", put stdin and
 * stdout on /dev/null (stderr stays, for its message), set its name, and
 * close every descriptor but keep_fd, which becomes descriptor 3. Returns
 * 3; exits the child when that is impossible. */
int lg__watchdog_detach(int keep_fd, const char *name);

/* Write msg to stderr with write(2) alone (no stdio lock: safe in a child
 * forked from a threaded process). */
void lg__watchdog_say(const char *msg);

/* State letter ('R', 'S', 'Z', ...) and session id of pid from
 * /proc/PID/stat (either may be NULL); 0, or -1 when it cannot be read. */
int lg__proc_stat(pid_t pid, char *state, pid_t *sid);

/* SIGKILL every process whose environment holds the entry (NAME=VALUE,
 * whole), except the caller; scans /proc (O(processes), the first 256 KiB
 * of each environment), up to three times while a pass finds new ones. A
 * process that
 * rewrote its environment area is not found. Returns how many it
 * signalled. */
int lg__kill_marked(const char *entry);

/* A fresh random mark for LEAKGATE_RUN: 16 hex digits into buf (cap >= 17). */
void lg__run_mark(char *buf, size_t cap);

/* SIGKILL every process whose session id is sid, except the caller; scans
 * /proc (O(processes)), twice when the first pass found any (a member may
 * fork while the scan runs; the second signals only new ones). Returns how
 * many it signalled. */
int lg__kill_session(pid_t sid);

/* The calling process's children (every thread's, from
 * /proc/self/task/TID/children) other than the n_except pids of except:
 * with PR_SET_CHILD_SUBREAPER set, the orphans it adopted. Up to cap into
 * out; returns how many there are (may exceed cap). */
size_t lg__adopted_children(pid_t *out, size_t cap, const pid_t *except,
                            size_t n_except);

#endif
