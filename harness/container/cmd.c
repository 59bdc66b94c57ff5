/* container/cmd.c - helper commands of the wrapping backends and probes:
 * find a tool in PATH, run it with a deadline and capture its output,
 * make unique unit/container names (see container/ct_int.h).
 *
 * ct_run forks one child in its own process group and waits only for that
 * pid (never waitpid(-1): the service module owns the service's pid). The
 * child does only async-signal-safe work between fork and exec, so it is
 * safe while the sampler thread runs. Output beyond cap is read and
 * dropped, so a chatty tool cannot block on a full pipe. On timeout the
 * whole group is SIGKILLed and reaped. Nothing outlives a call.
 */
#include "container/ct_int.h"

#include "core/clock.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *ct_which(const char *prog) {
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
      cand = lg_path_join(dir, prog);
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

int ct_run(char *const *argv, char *const *envp, double timeout_s, char *out,
           size_t cap, int *status, lg_error *err) {
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
  close(pfd[1]);
  pfd[1] = -1;
  (void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
  deadline = lg_now_s() + timeout_s;
  for (;;) {
    double now = lg_now_s();
    if (!exited && waitpid(pid, &st, WNOHANG) == pid) {
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
        (void)waitpid(pid, &st, 0);
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
      lg_sleep_s(0.002, NULL);
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

const char *ct_first_line(const char *out, char *buf, size_t cap) {
  size_t n = 0;
  while (*out == '\n' || *out == ' ')
    out++;
  while (out[n] && out[n] != '\n' && n < 300 && n + 1 < cap)
    n++;
  memcpy(buf, out, n);
  buf[n] = '\0';
  if (n == 0)
    snprintf(buf, cap, "(no output)");
  return buf;
}

void ct_clean_name(char *out, size_t cap, const char *name) {
  size_t i = 0;
  for (; name && *name && i + 1 < cap && i < 64; name++) {
    char ch = *name;
    out[i++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.')
                   ? ch
                   : '_';
  }
  if (i == 0)
    ct_setf(out, cap, "run");
  else
    out[i] = '\0';
}

char *ct_unique_name(const char *name) {
  char clean[72], *out = NULL;
  ct_clean_name(clean, sizeof clean, name);
  /* The monotonic clock in ns is unique per call within the process; the
   * pid makes it unique across processes. */
  if (asprintf(&out, "leakgate-%ld-%llx-%s", (long)getpid(),
               (unsigned long long)lg_now_ns(), clean) < 0)
    return NULL;
  return out;
}

void ct_appendf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  size_t len = strnlen(buf, cap);
  if (len + 1 >= cap)
    return;
  va_start(ap, fmt);
  (void)vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
}

void ct_setf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  if (!cap)
    return;
  va_start(ap, fmt);
  (void)vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}
