/* valgrind/tool.c - finding valgrind and talking to a running Massif
 * through vgdb.
 *
 * Child processes (valgrind --version, vgdb) are spawned with stdin from
 * /dev/null and stdout+stderr into a pipe read with a cap (4 KiB kept for
 * the error message), and waited for with a deadline: on timeout the child
 * is killed (SIGKILL) and reaped, so nothing is left behind and nothing
 * blocks longer than the caller's timeout.
 * Owns nothing beyond each call.
 */
#include <leakgate/valgrind.h>

#include "core/clock.h"
#include "core/fsutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h> /* environ (_GNU_SOURCE) */

#define OUT_CAP 4096

/* Find an executable named name in an absolute PATH entry into out. A
 * relative (or empty) entry is skipped: the service module resolves a
 * relative program against the service's cwd, not ours. */
static int which(const char *name, char *out, size_t cap) {
  const char *path = getenv("PATH"), *p;
  if (!path || !*path)
    path = "/usr/local/bin:/usr/bin:/bin";
  for (p = path; *p;) {
    const char *e = strchr(p, ':');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    struct stat st;
    int w = snprintf(out, cap, "%.*s/%s", (int)n, p, name);
    if (p[0] == '/' && w > 0 && (size_t)w < cap && stat(out, &st) == 0 &&
        S_ISREG(st.st_mode) && access(out, X_OK) == 0)
      return 0;
    p += n + (e ? 1 : 0);
  }
  return -1;
}

/* Run argv with a deadline; capture at most OUT_CAP-1 bytes of its output
 * into out (NUL-terminated). *status is the wait status. Returns 0,
 * LG_ETIMEOUT (the child was killed) or LG_ESYS. */
static int run_capture(char *const *argv, double timeout_s, char *out,
                       int *status) {
  posix_spawn_file_actions_t fa;
  int fds[2] = {-1, -1}, rc = 0, fa_ok = 0;
  size_t len = 0;
  pid_t pid = -1;
  double deadline = lg_now_s() + timeout_s;

  out[0] = '\0';
  *status = -1;
  if (pipe2(fds, O_CLOEXEC) != 0)
    return LG_ESYS;
  if (posix_spawn_file_actions_init(&fa) != 0) {
    rc = LG_ESYS;
    goto cleanup;
  }
  fa_ok = 1;
  if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
      posix_spawn_file_actions_adddup2(&fa, fds[1], 1) ||
      posix_spawn_file_actions_adddup2(&fa, fds[1], 2) ||
      posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
    pid = -1;
    rc = LG_ESYS;
    goto cleanup;
  }
  close(fds[1]);
  fds[1] = -1;
  for (;;) { /* read until EOF or the deadline */
    struct pollfd pfd = {fds[0], POLLIN, 0};
    double left = deadline - lg_now_s();
    char tmp[1024];
    ssize_t n;
    if (left <= 0) {
      rc = LG_ETIMEOUT;
      break;
    }
    if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR) {
      rc = LG_ESYS;
      break;
    }
    if (!pfd.revents)
      continue;
    n = read(fds[0], tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (len < OUT_CAP - 1) {
      size_t k = (size_t)n < OUT_CAP - 1 - len ? (size_t)n : OUT_CAP - 1 - len;
      memcpy(out + len, tmp, k);
      len += k;
      out[len] = '\0';
    }
  }
  while (rc == 0) { /* output closed: wait for the exit, still bounded */
    pid_t w = waitpid(pid, status, WNOHANG);
    if (w == pid) {
      pid = -1;
      break;
    }
    if (w < 0 && errno != EINTR) {
      rc = LG_ESYS;
      break;
    }
    if (lg_now_s() > deadline) {
      rc = LG_ETIMEOUT;
      break;
    }
    {
      struct timespec ts = {0, 5 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
cleanup:
  if (pid > 0) { /* timed out or failed: kill and reap */
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
      ;
  }
  if (fa_ok)
    posix_spawn_file_actions_destroy(&fa);
  if (fds[0] >= 0)
    close(fds[0]);
  if (fds[1] >= 0)
    close(fds[1]);
  return rc;
}

/* The first line of s, trimmed, for messages. */
static const char *first_line(char *s) {
  char *nl = strchr(s, '\n');
  if (nl)
    *nl = '\0';
  return s;
}

int lg_valgrind_find(char *path, size_t cap, char *version, size_t vcap,
                     lg_error *err) {
  char out[OUT_CAP], exe[4096];
  char *argv[3];
  int st, rc;
  if (which("valgrind", exe, sizeof exe) != 0)
    return lg_error_set(err, LG_ETOOL,
                        "valgrind not found on PATH: install the 'valgrind' "
                        "package (apt-get install valgrind)");
  argv[0] = exe;
  argv[1] = "--version";
  argv[2] = NULL;
  rc = run_capture(argv, 30.0, out, &st);
  if (rc || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
      strncmp(out, "valgrind-", 9) != 0)
    return lg_error_set(err, LG_ETOOL, "%s --version failed: %s", exe,
                        rc ? lg_strerror(rc) : first_line(out));
  if (path && cap)
    snprintf(path, cap, "%s", exe);
  if (version && vcap)
    snprintf(version, vcap, "%s", first_line(out));
  return 0;
}

int lg_massif_vgdb_snapshot(const char *vgdb_prefix, pid_t pid,
                            const char *path, bool detailed, double timeout_s,
                            lg_error *err) {
  char exe[4096], out[OUT_CAP], pidarg[32], *prefix = NULL, *abspath = NULL;
  char *argv[7];
  const char *p;
  size_t i = 0;
  struct stat st;
  int ws, rc;

  if (path[0] != '/') { /* Massif writes relative to the service's cwd */
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || !(abspath = lg_path_join(cwd, path)))
      return lg_error_set(err, LG_ESYS, "%s: cannot make the path absolute",
                          path);
    path = abspath;
  }
  /* Checked on the absolute path: our cwd may hold the space. */
  for (p = path; *p; p++)
    if (isspace((unsigned char)*p)) {
      rc = lg_error_set(err, LG_EUSAGE,
                        "%s: a vgdb snapshot path cannot contain spaces "
                        "(Massif splits monitor commands on spaces)",
                        path);
      goto cleanup;
    }
  if (which("vgdb", exe, sizeof exe) != 0) {
    rc = lg_error_set(err, LG_ETOOL,
                      "vgdb not found on PATH: it ships with the 'valgrind' "
                      "package");
    goto cleanup;
  }
  snprintf(pidarg, sizeof pidarg, "--pid=%ld", (long)pid);
  argv[i++] = exe;
  if (vgdb_prefix) {
    if (asprintf(&prefix, "--vgdb-prefix=%s", vgdb_prefix) < 0) {
      prefix = NULL;
      rc = lg_error_set(err, LG_ENOMEM, "vgdb: out of memory");
      goto cleanup;
    }
    argv[i++] = prefix;
  }
  argv[i++] = pidarg;
  argv[i++] = detailed ? "detailed_snapshot" : "snapshot";
  argv[i++] = (char *)path;
  argv[i] = NULL;
  unlink(path); /* so a stale file cannot pass for a new snapshot */
  rc = run_capture(argv, timeout_s, out, &ws);
  if (rc == LG_ETIMEOUT) {
    rc = lg_error_set(err, LG_ETIMEOUT,
                      "vgdb --pid=%ld %s did not answer within %.1f s (is "
                      "ptrace allowed? see 'leakgate doctor')",
                      (long)pid, argv[i - 2], timeout_s);
    goto cleanup;
  }
  if (rc || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0 || stat(path, &st) != 0 ||
      st.st_size == 0) {
    /* vgdb's output starts with "sending command ..."; keep the end. */
    const char *msg = out;
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
      out[--n] = '\0';
    if (n > 300)
      msg = out + n - 300;
    rc = lg_error_set(err, LG_ETOOL, "vgdb --pid=%ld %s %s failed: %s",
                      (long)pid, argv[i - 2], path,
                      rc     ? lg_strerror(rc)
                      : *msg ? msg
                             : "no snapshot written");
    goto cleanup;
  }
  rc = 0;
cleanup:
  free(prefix);
  free(abspath);
  return rc;
}

int lg_vgdb_pids(const char *vgdb_prefix, pid_t *pids, size_t cap) {
  const char *slash = strrchr(vgdb_prefix, '/');
  char dir[4096], want[512];
  size_t n = 0, wl;
  DIR *d;
  struct dirent *e;
  if (slash)
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - vgdb_prefix + 1),
             vgdb_prefix);
  else
    snprintf(dir, sizeof dir, ".");
  snprintf(want, sizeof want, "%s-from-vgdb-to-",
           slash ? slash + 1 : vgdb_prefix);
  wl = strlen(want);
  d = opendir(dir);
  if (!d)
    return LG_ESYS;
  while ((e = readdir(d)) != NULL && n < cap) {
    char *end;
    long v;
    if (strncmp(e->d_name, want, wl) != 0)
      continue;
    errno = 0;
    v = strtol(e->d_name + wl, &end, 10);
    if (errno == 0 && end != e->d_name + wl && *end == '-' && v > 0)
      pids[n++] = (pid_t)v;
  }
  closedir(d);
  return (int)n;
}
