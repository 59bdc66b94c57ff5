/* core/proc.h - find a program on PATH; run a short helper command (a
 * probe, vgdb, docker inspect) with a deadline and capture its output.
 * Shared by the container backends and the Valgrind tool code. */
#ifndef LG_CORE_PROC_H
#define LG_CORE_PROC_H

#include <leakgate/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Absolute path of prog in leakgate's PATH (or "/usr/bin:/bin"), newly
 * allocated, or NULL when not found. Only absolute PATH entries count (a
 * relative one would depend on a cwd), and only regular executable files;
 * a prog containing '/' is returned as is when executable. */
char *lg__which(const char *prog);

/* Run argv (argv[0] absolute) with envp (NULL = leakgate's environment),
 * stdin /dev/null, stdout and stderr captured together into out (cut at
 * cap, NUL-terminated). Waits at most timeout_s, then SIGKILLs its process
 * group. *status is the wait status. Returns 0 when the command ran and
 * exited (whatever its status), LG_ETIMEOUT, or LG_ESYS (err may be NULL).
 * Only waits for the pid it forked. */
int lg__run_capture(char *const *argv, char *const *envp, double timeout_s,
                    char *out, size_t cap, int *status, lg_error *err);

/* Told of a helper's process group as it starts (alive) and again (!alive)
 * while its leader is an unreaped zombie, before the reap: what a watchdog
 * registration needs (core/watchdog.h), so a helper left running by a
 * killed leakgate is ended and an id handed out again is never hit. */
typedef void (*lg_group_fn)(void *ctx, pid_t pgid, bool alive);

/* lg__run_capture, telling on_group (NULL: nobody) of the command's process
 * group. */
int lg__run_capture_watched(char *const *argv, char *const *envp,
                            double timeout_s, char *out, size_t cap,
                            int *status, lg_group_fn on_group, void *group_ctx,
                            lg_error *err);

#endif
