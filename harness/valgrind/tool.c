/* valgrind/tool.c - finding valgrind and talking to a running Massif
 * through vgdb.
 *
 * Child processes (valgrind --version, vgdb) run through lg__run_capture
 * (core/proc.h): stdin from /dev/null, output captured with a cap (4 KiB
 * kept for the error message), a deadline after which the child's process
 * group is killed and reaped, so nothing is left behind and nothing blocks
 * longer than the caller's timeout.
 * Owns nothing beyond each call.
 */
#include <leakgate/valgrind.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_CAP 4096

/* lg__which into a caller buffer (only absolute PATH entries: the service
 * module resolves a relative program against the service's cwd, not ours). */
static int find_tool(const char *name, char *out, size_t cap) {
  char *p = lg__which(name);
  int rc = p && strlen(p) < cap ? 0 : -1;
  if (rc == 0)
    memcpy(out, p, strlen(p) + 1);
  free(p);
  return rc;
}

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
  if (find_tool("valgrind", exe, sizeof exe) != 0)
    return lg_error_set(err, LG_ETOOL,
                        "valgrind not found on PATH: install the 'valgrind' "
                        "package (apt-get install valgrind)");
  argv[0] = exe;
  argv[1] = "--version";
  argv[2] = NULL;
  rc = lg__run_capture(argv, NULL, 30.0, out, sizeof out, &st, NULL);
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
  return lg_massif_vgdb_snapshot_watched(vgdb_prefix, pid, path, detailed,
                                         timeout_s, NULL, NULL, err);
}

int lg_massif_vgdb_snapshot_watched(
    const char *vgdb_prefix, pid_t pid, const char *path, bool detailed,
    double timeout_s, void (*on_group)(void *ctx, pid_t pgid, bool alive),
    void *group_ctx, lg_error *err) {
  char exe[4096], out[OUT_CAP], pidarg[32], *prefix = NULL, *abspath = NULL;
  char *argv[7];
  const char *p;
  size_t i = 0;
  struct stat st;
  int ws, rc;

  if (path[0] != '/') { /* Massif writes relative to the service's cwd */
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || !(abspath = lg__path_join(cwd, path)))
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
  if (find_tool("vgdb", exe, sizeof exe) != 0) {
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
  rc = lg__run_capture_watched(argv, NULL, timeout_s, out, sizeof out, &ws,
                               on_group, group_ctx, NULL);
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
