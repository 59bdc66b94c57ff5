/* core/proc.c - finding a program on PATH and running a short helper
 * command with a deadline (see core/proc.h). Used by the container backends
 * (systemd-run, docker, podman, sudo probes) and the Valgrind tool code
 * (valgrind --version, vgdb). Owns nothing beyond each call; a command that
 * overruns its deadline is SIGKILLed with its process group and reaped. A
 * caller with a watchdog (a run's vgdb) is told of the group so that a
 * SIGKILL of leakgate mid-call does not leave it running. */
#include "core/proc.h"

#include "core/clock.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h> /* environ (_GNU_SOURCE) */

char *lg__which(const char *prog) {
  const char *path = getenv("PATH"), *p, *end;
  if (!path || !*path)
    path = "/usr/bin:/bin";
  if (strchr(prog, '/'))
    return access(prog, X_OK) == 0 ? strdup(prog) : NULL;
  for (p = path;; p = end + 1) {
    char dir[4096], *cand;
    size_t len;
    struct stat st;
    end = strchr(p, ':');
    len = end ? (size_t)(end - p) : strlen(p);
    /* Only absolute PATH entries: a relative one would make the result
     * depend on the service's cwd. */
    if (len > 0 && len < sizeof dir && p[0] == '/') {
      memcpy(dir, p, len);
      dir[len] = '\0';
      cand = lg__path_join(dir, prog);
      if (!cand)
        return NULL;
      if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
          access(cand, X_OK) == 0)
        return cand;
      free(cand);
    }
    if (!end)
      return NULL;
  }
}

static void append(char *out, size_t cap, size_t *len, const char *d,
                   size_t n) {
  if (!cap || *len + 1 >= cap)
    return;
  if (n > cap - 1 - *len)
    n = cap - 1 - *len;
  memcpy(out + *len, d, n);
  *len += n;
  out[*len] = '\0';
}

/* Whether pid has exited (waiting for it when block), reaping it then;
 * on_group hears of its group first, while pid is a zombie that still
 * holds the id. */
static bool reaped(pid_t pid, int *st, bool block, lg_group_fn on_group,
                   void *ctx) {
  siginfo_t si;
  int r;
  memset(&si, 0, sizeof si);
  while ((r = waitid(P_PID, (id_t)pid, &si,
                     WEXITED | WNOWAIT | (block ? 0 : WNOHANG))) != 0 &&
         errno == EINTR)
    ;
  if (r != 0 || si.si_pid != pid)
    return false;
  if (on_group)
    on_group(ctx, pid, false);
  while (waitpid(pid, st, 0) < 0 && errno == EINTR)
    ;
  return true;
}

int lg__run_capture(char *const *argv, char *const *envp, double timeout_s,
                    char *out, size_t cap, int *status, lg_error *err) {
  return lg__run_capture_watched(argv, envp, timeout_s, out, cap, status, NULL,
                                 NULL, err);
}

int lg__run_capture_watched(char *const *argv, char *const *envp,
                            double timeout_s, char *out, size_t cap,
                            int *status, lg_group_fn on_group, void *group_ctx,
                            lg_error *err) {
  int pfd[2] = {-1, -1}, devnull = -1, st = 0, rc = 0;
  size_t len = 0;
  double deadline, exited_at = 0;
  bool exited = false, eof = false;
  pid_t pid;

  if (cap)
    out[0] = '\0';
  *status = 0;
  if (pipe2(pfd, O_CLOEXEC) != 0)
    return lg_error_set(err, LG_ESYS, "pipe: %s", strerror(errno));
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    rc = lg_error_set(err, LG_ESYS, "/dev/null: %s", strerror(errno));
    goto cleanup;
  }
  pid = fork();
  if (pid < 0) {
    rc = lg_error_set(err, LG_ESYS, "fork: %s", strerror(errno));
    goto cleanup;
  }
  if (pid == 0) {
    /* Async-signal-safe only. */
    (void)setpgid(0, 0);
    if (dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
      _exit(126);
    execve(argv[0], argv, envp ? envp : environ);
    _exit(127);
  }
  (void)setpgid(pid, pid);
  if (on_group)
    on_group(group_ctx, pid, true);
  close(pfd[1]);
  pfd[1] = -1;
  (void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
  deadline = lg__now_s() + timeout_s;
  for (;;) {
    double now = lg__now_s();
    if (!exited && reaped(pid, &st, false, on_group, group_ctx)) {
      exited = true;
      exited_at = now;
    }
    /* A daemon the tool left behind may hold the pipe open: stop reading
     * 100 ms after the tool itself exited. */
    if (exited && (eof || now - exited_at > 0.1))
      break;
    if (now >= deadline) {
      (void)kill(-pid, SIGKILL);
      (void)kill(pid, SIGKILL);
      if (!exited)
        (void)reaped(pid, &st, true, on_group, group_ctx);
      rc = lg_error_set(err, LG_ETIMEOUT, "%s did not finish within %.0f s",
                        argv[0], timeout_s);
      goto cleanup;
    }
    if (!eof) {
      struct pollfd p = {pfd[0], POLLIN, 0};
      double left = deadline - now;
      int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
      if (poll(&p, 1, ms) > 0) {
        char tmp[4096];
        ssize_t n = read(pfd[0], tmp, sizeof tmp);
        if (n > 0)
          append(out, cap, &len, tmp, (size_t)n);
        else if (n == 0 || (errno != EINTR && errno != EAGAIN))
          eof = true;
      }
    } else {
      lg__sleep_s(0.002, NULL);
    }
  }
  *status = st;
cleanup:
  if (pfd[0] >= 0)
    close(pfd[0]);
  if (pfd[1] >= 0)
    close(pfd[1]);
  if (devnull >= 0)
    close(devnull);
  return rc;
}
