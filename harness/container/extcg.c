/* container/extcg.c - the cgroup of a wrapped service (systemd scope,
 * docker/podman container), found from /proc/PID/cgroup after start, and
 * what is left to say once that cgroup is gone (see container/ct_int.h).
 *
 * The mapping from a /proc/PID/cgroup line to a directory is
 * lg_cgroup_detect's (mount points and mount roots from mountinfo, or the
 * fake tree's layout under the test hook), given PROC/PID/cgroup in place
 * of /proc/self/cgroup. Adopting checks the limit actually landed: systemd
 * accepts -p MemoryMax= for a scope whose manager has no memory controller
 * and silently runs it unlimited; that is an error here, not a pass.
 * Owns: c->dir (freed by the dispatcher), the ct_ext's parent_dir (freed
 * by lg__ct_ext_release from the backend's release).
 */
#include "container/ct_int.h"

#include "container/cgfs.h"
#include "core/fsutil.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest gap between the asked limit and what the kernel reports: it
 * rounds memory.max down to whole pages (64 KiB pages on some arm64). */
#define LIMIT_SLACK 65536

static void proc_file(char *out, size_t cap, const char *proc_root, pid_t pid,
                      const char *file) {
  lg__ct_setf(out, cap, "%s/%ld/%s", proc_root ? proc_root : "/proc", (long)pid,
              file);
}

/* 1 when path's last component is leaf ("/a/b/leaf"). */
static bool ends_in_leaf(const char *path, const char *leaf) {
  size_t pl = strlen(path), ll = strlen(leaf);
  return pl > ll && path[pl - ll - 1] == '/' &&
         strcmp(path + pl - ll, leaf) == 0;
}

int lg__ct_extcg_pid_in(const char *proc_root, pid_t pid, const char *leaf) {
  char path[1200], buf[8192], *line, *save = NULL;
  long n;
  proc_file(path, sizeof path, proc_root, pid, "cgroup");
  n = lg__read_small(path, buf, sizeof buf);
  if (n < 0)
    return (int)n;
  for (line = strtok_r(buf, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    /* "ID:CONTROLLERS:PATH"; PATH may itself hold ':' */
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 && ends_in_leaf(c2 + 1, leaf))
      return 1;
  }
  return 0;
}

/* Children of pid from PROC/pid/task/pid/children ("1 2 3 "). */
static size_t children(const char *proc_root, pid_t pid, pid_t *out,
                       size_t cap) {
  char path[1200], buf[4096], *p, *end;
  size_t n = 0;
  lg__ct_setf(path, sizeof path, "%s/%ld/task/%ld/children",
              proc_root ? proc_root : "/proc", (long)pid, (long)pid);
  if (lg__read_small(path, buf, sizeof buf) < 0)
    return 0;
  for (p = buf; n < cap;) {
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    if (v > 0)
      out[n++] = (pid_t)v;
    p = end;
  }
  return n;
}

int lg__ct_extcg_find(const char *proc_root, pid_t pid, const char *leaf,
                      pid_t *found) {
  /* Breadth-first over at most 64 processes, 4 levels: sudo, its monitor,
   * systemd-run. O(processes). */
  pid_t queue[64];
  int depth[64];
  size_t head = 0, tail = 0;
  int r = lg__ct_extcg_pid_in(proc_root, pid, leaf);
  if (r < 0)
    return -ESRCH;
  queue[tail] = pid;
  depth[tail++] = 0;
  while (head < tail) {
    pid_t p = queue[head], kids[16];
    int d = depth[head++];
    size_t k, nk;
    if (lg__ct_extcg_pid_in(proc_root, p, leaf) == 1) {
      *found = p;
      return 1;
    }
    if (d >= 4)
      continue;
    nk = children(proc_root, p, kids, 16);
    for (k = 0; k < nk && tail < 64; k++) {
      queue[tail] = kids[k];
      depth[tail++] = d + 1;
    }
  }
  return 0;
}

static int64_t parent_ooms(const char *parent) {
  char buf[LG_CG_FILE_MAX];
  uint64_t v;
  if (!parent || lg__cg_read(parent, "memory.events", buf, sizeof buf) < 0 ||
      lg__cg_keyed(buf, "oom_kill", &v) != 0)
    return -1;
  return (int64_t)v;
}

static int check_limit(lg_container *c, const ct_ext *x, const char *what,
                       lg_error *err) {
  const char *file = c->cgv->limit;
  uint64_t v = 0;
  int r;
  if (!x->memory)
    return 0;
  r = lg__cg_read_u64(c->dir, file, &v);
  if (r)
    return lg_error_set(err, LG_ECGROUP,
                        "%s: %s/%s: cannot read the limit: %s (no memory "
                        "controller for it; see docs/backends.md)",
                        what, c->dir, file, strerror(-r));
  if (v > x->memory || x->memory - v >= LIMIT_SLACK) {
    char shown[32];
    if (v == UINT64_MAX || v >= (UINT64_C(1) << 62))
      lg__ct_setf(shown, sizeof shown, "max");
    else
      lg__ct_setf(shown, sizeof shown, "%" PRIu64, v);
    return lg_error_set(err, LG_ECGROUP,
                        "%s: the memory limit was not applied: %s/%s reads "
                        "%s, asked for %" PRIu64
                        " (the manager or engine ignored it; see "
                        "docs/backends.md)",
                        what, c->dir, file, shown, x->memory);
  }
  c->limit = v;
  return 0;
}

static void check_swap(lg_container *c, const ct_ext *x) {
  uint64_t v;
  if (!c->cgv->swap_max)
    return; /* v1: memsw is the engine's business; docker sets it */
  if (lg__cg_read_u64(c->dir, c->cgv->swap_max, &v) != 0)
    lg__ct_setf(c->note, sizeof c->note,
                "swap is not limited: %s has no memory.swap.max (no swap "
                "accounting)",
                c->dir);
  else if (v != x->swap)
    lg__ct_setf(c->note, sizeof c->note,
                "swap is not limited as asked: %s/memory.swap.max reads %s",
                c->dir, v == UINT64_MAX ? "max" : "another value");
}

int lg__ct_extcg_adopt(lg_container *c, ct_ext *x, pid_t pid, const char *leaf,
                       const char *what, lg_error *err) {
  lg_cgroup_info info;
  char path[1200], *slash;
  int rc;

  proc_file(path, sizeof path, c->proc_root, pid, "cgroup");
  rc = lg_cgroup_detect(c->cg_root, path, &info, err);
  if (rc)
    return lg_error_prefix(err, rc, "%s", what);
  if (info.version == 0 || !info.dir[0])
    return lg_error_set(err, LG_ECGROUP,
                        "%s: no cgroup with the memory controller holds pid "
                        "%ld (%s): the manager or engine does not delegate "
                        "memory here; see docs/backends.md",
                        what, (long)pid, path);
  if (leaf && !ends_in_leaf(info.dir, leaf))
    return lg_error_set(err, LG_ECGROUP,
                        "%s: pid %ld's memory cgroup is %s, not the scope "
                        "(cgroup v%d: systemd places scopes in the memory "
                        "hierarchy only on cgroup v2 with memory delegated)",
                        what, (long)pid, info.dir, info.version);
  free(c->dir);
  c->dir = strdup(info.dir);
  if (!c->dir)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  c->cgv = info.version == 2 ? &lg__ct_cgv2 : &lg__ct_cgv1;
  c->fake = c->cg_root != NULL;
  c->has_peak = lg__cg_exists(c->dir, c->cgv->peak);
  /* cgroup.kill of a root-owned scope (sudo mode) is not ours to write. */
  {
    char *kill = c->cgv->kill ? lg__cg_join(c->dir, c->cgv->kill) : NULL;
    c->has_kill = kill && access(kill, W_OK) == 0;
    free(kill);
  }
  if ((rc = check_limit(c, x, what, err)))
    return rc;
  check_swap(c, x);
  free(x->parent_dir);
  x->parent_dir = strdup(c->dir);
  if (!x->parent_dir)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  slash = strrchr(x->parent_dir, '/');
  if (slash && slash != x->parent_dir)
    *slash = '\0';
  x->parent_oom0 =
      c->cgv->hierarchical_events ? parent_ooms(x->parent_dir) : -1;
  return 0;
}

void lg__ct_extcg_vanished(lg_container *c, ct_ext *x, lg_container_stats *st) {
  int64_t now;
  if (c->have_last) {
    *st = c->last;
  } else {
    st->usage_bytes = st->peak_bytes = st->anon_bytes = st->file_bytes = NAN;
    st->limit_bytes = c->limit ? (double)c->limit : NAN;
    st->oom_kills = -1;
  }
  /* The scope is gone with its memory.events; the parent's count is
   * hierarchical on v2, so the kills since attach happened below it - in
   * this scope unless a sibling was OOM-killed at the same time. */
  if (x->parent_oom0 >= 0 && (now = parent_ooms(x->parent_dir)) >= 0 &&
      now - x->parent_oom0 > st->oom_kills)
    st->oom_kills = now - x->parent_oom0;
  /* No reading of a cgroup that is gone; peak, limit and kills stand. */
  st->usage_bytes = st->anon_bytes = st->file_bytes = NAN;
}

void lg__ct_extcg_settle(lg_container *c, ct_ext *x,
                         const lg_container_stats *st) {
  c->last = *st;
  c->have_last = true;
  x->parent_oom0 = -1; /* counted once, into last */
}

void lg__ct_ext_release(ct_ext *x) {
  free(x->parent_dir);
  x->parent_dir = NULL;
}
