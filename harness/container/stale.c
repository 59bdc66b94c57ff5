/* container/stale.c - leftovers of leakgate runs whose leakgate is gone
 * (lg_container_stale, for `leakgate doctor`).
 *
 * Every box a run makes is named after the leakgate that made it:
 * cgroup leaves "leakgate-<pid>-<n>-<name>" (cgroup.c) and docker/podman
 * containers "leakgate-<pid>-<hex>-<name>" (lg__ct_unique_name). Normally they
 * go with the run, or the watchdog removes them when leakgate is killed;
 * one left behind (the watchdog killed too, a reboot of a container
 * engine, an older leakgate) is found here by its name when no process
 * <pid> exists any more. A live pid is never reported, even when it was
 * reused by another program: a false "stale" would invite removing a
 * running test's cgroup.
 * Cgroups: every mounted memory hierarchy (v1 memory, v2) is walked to
 * LG_STALE_DEPTH levels, not into the leaves themselves. Containers:
 * `docker|podman ps -a --filter name=leakgate-`, bounded by
 * o->probe_timeout_s. Owns nothing past the call.
 */
#include "container/cgfs.h"
#include "container/ct_int.h"

#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LG_STALE_DEPTH 8

/* The pid in "leakgate-<pid>-..." when s is such a name, else 0. */
static long name_pid(const char *s) {
  char *end;
  long pid;
  if (strncmp(s, "leakgate-", 9) != 0)
    return 0;
  pid = strtol(s + 9, &end, 10);
  return pid > 0 && *end == '-' ? pid : 0;
}

/* No process pid exists (kill(0) answers ESRCH; EPERM means it does). */
static bool gone(long pid) {
  return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void add(lg_stale *out, size_t cap, size_t *n, const char *kind,
                const char *name, long pid) {
  if (*n < cap) {
    snprintf(out[*n].kind, sizeof out[*n].kind, "%s", kind);
    snprintf(out[*n].name, sizeof out[*n].name, "%s", name);
    out[*n].pid = pid;
  }
  (*n)++;
}

static void walk(const char *dir, int depth, lg_stale *out, size_t cap,
                 size_t *n) {
  DIR *d;
  struct dirent *de;
  if (depth > LG_STALE_DEPTH || !(d = opendir(dir)))
    return;
  while ((de = readdir(d))) {
    char *path;
    long pid;
    if (de->d_name[0] == '.' || de->d_type != DT_DIR)
      continue;
    path = lg__path_join(dir, de->d_name);
    if (!path)
      break;
    if ((pid = name_pid(de->d_name)) > 0) {
      if (gone(pid))
        add(out, cap, n, "cgroup", path, pid);
    } else {
      walk(path, depth + 1, out, cap, n);
    }
    free(path);
  }
  closedir(d);
}

/* What walk fills, through lg__cg_memory_mounts. */
typedef struct stale_out {
  lg_stale *out;
  size_t cap, *n;
} stale_out;

/* Every mounted memory hierarchy (v1 memory, v2) is walked in turn. */
static void walk_mount(void *ctx, int version, const char *point,
                       const char *root) {
  stale_out *so = ctx;
  (void)version;
  (void)root;
  walk(point, 0, so->out, so->cap, so->n);
}

static void engine_names(const char *tool, const char *kind, double timeout,
                         lg_stale *out, size_t cap, size_t *n) {
  char *path = lg__which(tool), buf[CT_OUT_CAP], *line, *save = NULL;
  int st = 0;
  if (!path)
    return;
  {
    char *const argv[] = {
        path,       "ps",         "-a", "--filter", "name=leakgate-",
        "--format", "{{.Names}}", NULL};
    if (lg__run_capture(argv, NULL, timeout, buf, sizeof buf, &st, NULL) != 0 ||
        !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      free(path);
      return; /* no daemon answering: nothing can be listed */
    }
  }
  for (line = strtok_r(buf, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    long pid = name_pid(line);
    if (pid > 0 && gone(pid))
      add(out, cap, n, kind, line, pid);
  }
  free(path);
}

size_t lg_container_stale(const lg_container_opts *o, lg_stale *out,
                          size_t cap) {
  size_t n = 0;
  stale_out so = {out, cap, &n};
  (void)lg__cg_memory_mounts("/proc/self/mountinfo", walk_mount, &so);
  engine_names("docker", "docker", lg__ct_probe_timeout(o), out, cap, &n);
  engine_names("podman", "podman", lg__ct_probe_timeout(o), out, cap, &n);
  return n;
}
