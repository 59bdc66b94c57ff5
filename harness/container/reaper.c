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
 * the watchdog is reaped by ct_reaper_stop. systemd removes its scope by
 * itself once the service (its own child, killed by the kernel's
 * reparenting) has gone, so only the cgroup and engine backends use it.
 */
#include "container/ct_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where the watchdog keeps its end, after closing everything else. */
#define REAPER_FD 3

static void say(const char *msg) {
  size_t n = strlen(msg);
  while (n > 0) {
    ssize_t w = write(2, msg, n);
    if (w <= 0 && errno != EINTR)
      return;
    if (w > 0)
      msg += w, n -= (size_t)w;
  }
}

/* Close every descriptor from lo up (close_range needs Linux 5.9). */
static void close_from(int lo) {
  long max, fd;
  if (close_range((unsigned)lo, ~0U, 0) == 0)
    return;
  max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536)
    max = 65536;
  for (fd = lo; fd < max; fd++)
    (void)close((int)fd);
}

/* The watchdog: never returns. Runs in a child of a possibly threaded
 * process; glibc's fork leaves malloc usable, and nothing here takes a
 * stdio lock (messages go through snprintf and write). */
static void reaper_main(lg_container *c, ct_orphan_fn orphan, int fd) {
  static const int quiet[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,
                              SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2};
  sigset_t none;
  char what[900], msg[1024], b = 0;
  ssize_t n;
  int keep, null, code = 0;
  size_t i;

  for (i = 0; i < sizeof quiet / sizeof *quiet; i++)
    signal(quiet[i], SIG_IGN);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  (void)setsid();
  (void)prctl(PR_SET_NAME, "leakgate-reaper", 0, 0, 0);
  if (chdir("/") != 0) {
    /* "/" always exists; staying put only pins a directory */
  }
  /* stdin and stdout on /dev/null, stderr kept for the message. */
  keep = fcntl(fd, F_DUPFD, 100);
  null = open("/dev/null", O_RDWR);
  if (keep < 0 || null < 0)
    _exit(1);
  (void)dup2(null, 0);
  (void)dup2(null, 1);
  if (dup2(keep, REAPER_FD) != REAPER_FD)
    _exit(1);
  close_from(REAPER_FD + 1);

  do
    n = read(REAPER_FD, &b, 1);
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
  say(msg);
  _exit(code);
}

int ct_reaper_start(lg_container *c, ct_reaper *r, ct_orphan_fn orphan,
                    lg_error *err) {
  int sv[2];
  pid_t pid;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return lg_error_set(err, LG_ESYS, "socketpair: %s", strerror(errno));
  pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return lg_error_set(err, LG_ESYS, "cannot start the cgroup watchdog: %s",
                        strerror(e));
  }
  if (pid == 0) {
    close(sv[1]);
    reaper_main(c, orphan, sv[0]);
  }
  close(sv[0]);
  r->fd = sv[1];
  r->pid = pid;
  return 0;
}

void ct_reaper_stop(ct_reaper *r, bool removed) {
  if (r->pid <= 0)
    return;
  /* MSG_NOSIGNAL: a watchdog that died must not take leakgate with it. */
  if (removed)
    (void)send(r->fd, "D", 1, MSG_NOSIGNAL);
  close(r->fd);
  r->fd = -1;
  /* Without a 'D' the watchdog removes the cgroup now; it is bounded by
   * the kill and rmdir deadlines of ct_remove_leaf. */
  while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  r->pid = 0;
}
