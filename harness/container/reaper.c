/* container/reaper.c - the watchdog that takes the run's box down when
 * leakgate itself dies without cleaning up (see ct_int.h).
 *
 * SIGKILL, a crash or the OOM killer end leakgate with no chance to clean
 * up, and the service would go on running in its cgroup or container. So
 * once the box exists (before any service starts), leakgate forks this
 * small process. It sits outside the cgroup, in
 * a session of its own (a terminal's ^C does not reach it), with every
 * inherited descriptor closed (holding a copy of the service's stdin pipe
 * would keep the service from ever seeing EOF), and blocks reading one end
 * of a socket pair whose other end only leakgate holds (close-on-exec, so no
 * service inherits it). A 'D' says leakgate removed the cgroup itself; end
 * of file without one says leakgate is gone: the watchdog calls the
 * backend's orphan function (the cgroup backends: kill every process in
 * the leaf and remove it; docker/podman: `rm -f` the container), says so
 * on stderr and exits.
 *
 * Owns: in the caller's ct_reaper, the socket end and the watchdog's pid;
 * the watchdog is reaped by lg__ct_reaper_stop. systemd removes its scope by
 * itself once the service (its own child, killed by the kernel's
 * reparenting) has gone, so only the cgroup and engine backends use it.
 */
#include "container/ct_int.h"

#include "core/watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The watchdog: never returns. Runs in a child of a possibly threaded
 * process; glibc's fork leaves malloc usable, and nothing here takes a
 * stdio lock (messages go through snprintf and write). */
static void reaper_main(lg_container *c, ct_orphan_fn orphan, int fd) {
  char what[900], msg[1024], b = 0;
  ssize_t n;
  int code = 0;

  fd = lg__watchdog_detach(fd, "leakgate-reaper");
  do
    n = read(fd, &b, 1);
  while (n < 0 && errno == EINTR);
  if (n == 1 && b == 'D')
    _exit(0);
  what[0] = '\0';
  code = orphan(c, what, sizeof what) == 0 ? 0 : 1;
  snprintf(msg, sizeof msg,
           code == 0 ? "leakgate: the run ended without cleaning up (leakgate "
                       "was killed?): its watchdog %s\n"
                     : "leakgate: the run ended without cleaning up, and its "
                       "watchdog could not clean up: %s\n",
           what);
  lg__watchdog_say(msg);
  _exit(code);
}

typedef struct reaper_args {
  lg_container *c;
  ct_orphan_fn orphan;
} reaper_args;

static void reaper_child(int fd, void *ctx) {
  reaper_args *a = ctx;
  reaper_main(a->c, a->orphan, fd);
}

int lg__ct_reaper_start(lg_container *c, ct_reaper *r, ct_orphan_fn orphan,
                        lg_error *err) {
  reaper_args a = {c, orphan};
  return lg__watchdog_fork(SOCK_STREAM, reaper_child, &a, &r->fd, &r->pid, err);
}

void lg__ct_reaper_stop(ct_reaper *r, bool removed) {
  if (r->pid <= 0)
    return;
  /* MSG_NOSIGNAL: a watchdog that died must not take leakgate with it. */
  if (removed)
    (void)send(r->fd, "D", 1, MSG_NOSIGNAL);
  close(r->fd);
  r->fd = -1;
  /* Without a 'D' the watchdog removes the cgroup now; it is bounded by
   * the kill and rmdir deadlines of lg__ct_remove_leaf. */
  while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  r->pid = 0;
}
