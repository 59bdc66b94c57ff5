/* container/self.c - backend self: leakgate runs inside the box it
 * measures, a container or pod it shares with the service, and reads the
 * cgroup it is in (see leakgate/container.h, docs/backends.md "leakgate
 * inside a container").
 *
 * An unprivileged container sees its own cgroup read-only (docker and
 * Kubernetes mount /sys/fs/cgroup so; in a cgroup namespace it is the
 * namespace's root), so leakgate can neither make a leaf nor set a limit.
 * It can read: memory.current/usage, memory.stat, memory.events or
 * memory.oom_control, and the limit the engine or the kubelet set
 * (memory.max / memory.limit_in_bytes), which becomes the run's limit in
 * place of container.memory. The price, said in the run's note: leakgate's
 * own few MiB (and anything else in the container) count in cgroup_bytes;
 * the per-process columns count only the service's processes (the
 * descendants of the pid leakgate started that are in the cgroup).
 *
 * The service's processes get oom_score_adj 1000 so the kernel's OOM
 * killer takes the service rather than leakgate when the box is full: the
 * kill is then counted and the run still writes its result.
 *
 * The cgroup-v2 and cgroup-v1 tables differ only in the files read (ct_cgv,
 * and their names in result.json). Owns nothing on the system: destroy
 * kills the service's processes and leaves the cgroup alone.
 */
#include "container/ct_int.h"

#include "container/cgfs.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ancestors followed from a process in the cgroup up to the service. */
#define MAX_DEPTH 64

typedef struct self_state {
  pid_t service; /* the pid leakgate started (0 before attach) */
} self_state;

/* The limit of the cgroup at dir, 0 when it has none ("max", or v1's
 * PAGE_COUNTER_MAX) or it cannot be read. */
static uint64_t own_limit(const char *dir, const ct_cgv *f) {
  uint64_t v;
  if (lg__cg_read_u64(dir, f->limit, &v) != 0 || v >= (UINT64_C(1) << 62))
    return 0;
  return v;
}

int lg_container_probe_self(const lg_container_opts *o, char *why, size_t cap) {
  lg_cgroup_info info;
  lg_error e;
  uint64_t limit;
  lg_error_clear(&e);
  if (lg_cgroup_detect(o->cgroupfs_root, o->proc_self_cgroup, &info, &e) != 0) {
    lg__ct_setf(why, cap, "%s", e.msg);
    return 0;
  }
  if (info.version == 0) {
    lg__ct_setf(why, cap,
                "no cgroup with the memory controller holds leakgate");
    return 0;
  }
  limit = own_limit(info.dir, info.version == 2 ? &lg__ct_cgv2 : &lg__ct_cgv1);
  if (!limit) {
    lg__ct_setf(why, cap,
                "leakgate's own cgroup %s has no memory limit (not a "
                "memory-limited container)",
                info.dir);
    return 0;
  }
  lg__ct_setf(why, cap,
              "leakgate's own cgroup %s (v%d), limit %" PRIu64 " bytes",
              info.dir, info.version, limit);
  return 1;
}

int lg__ct_self_plan(const lg_container_opts *o, ct_plan *p, lg_error *err) {
  int rc =
      lg_cgroup_detect(o->cgroupfs_root, o->proc_self_cgroup, &p->info, err);
  if (rc)
    return lg_error_prefix(err, rc, "backend self");
  if (p->info.version == 0 || !p->info.dir[0])
    return lg_error_set(err, LG_ECGROUP,
                        "backend self: no cgroup with the memory controller "
                        "holds leakgate (is /sys/fs/cgroup mounted in the "
                        "container?)");
  p->ops = p->info.version == 2 ? &lg__ct_self_v2_ops : &lg__ct_self_v1_ops;
  return 0;
}

static int self_create(lg_container *c, const lg_container_opts *o,
                       const ct_plan *p, lg_error *err) {
  const ct_cgv *f = p->info.version == 2 ? &lg__ct_cgv2 : &lg__ct_cgv1;
  char asked[64] = "";
  c->dir = strdup(p->info.dir);
  if (!c->dir)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  c->cgv = f;
  c->fake = o->cgroupfs_root != NULL;
  c->has_kill = false; /* cgroup.kill would take leakgate too */
  c->has_peak = lg__cg_exists(c->dir, f->peak);
  c->limit = own_limit(c->dir, f);
  if (o->memory_bytes && o->memory_bytes != c->limit)
    lg__ct_setf(asked, sizeof asked,
                " (container.memory %" PRIu64 " not applied)", o->memory_bytes);
  if (c->limit)
    lg__ct_setf(
        c->note, sizeof c->note,
        "leakgate runs inside the box it measures (%s): the limit is the "
        "cgroup's own%s, and leakgate's own memory counts in "
        "cgroup_bytes",
        c->dir, asked);
  else
    lg__ct_setf(c->note, sizeof c->note,
                "leakgate runs inside the box it measures (%s), which has no "
                "memory limit: no OOM kill will end a leak; leakgate's own "
                "memory counts in cgroup_bytes",
                c->dir);
  return 0;
}

/* Async-signal-safe: the service, not leakgate, is what the OOM killer
 * takes in the box they share. Raising one's own score needs no
 * privilege. */
static int self_child_enter(const lg_container *c) {
  int fd;
  (void)c;
  fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (write(fd, "1000", 4) != 4) {
    int e = errno;
    close(fd);
    return -e;
  }
  close(fd);
  return 0;
}

static int self_attach(lg_container *c, pid_t pid, lg_error *err) {
  self_state *s = c->state;
  (void)err;
  s->service = pid;
  return 0;
}

/* The parent of pid from PROC/pid/stat, 0 when unreadable. */
static pid_t parent_of(const char *proc_root, pid_t pid) {
  char path[1100], buf[1024], *rp, *end;
  long pp;
  lg__ct_setf(path, sizeof path, "%s/%ld/stat", proc_root ? proc_root : "/proc",
              (long)pid);
  if (lg__read_small(path, buf, sizeof buf) < 0)
    return 0;
  rp = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  if (!rp || rp[1] != ' ' || !rp[2] || rp[3] != ' ')
    return 0;
  pp = strtol(rp + 4, &end, 10);
  return end != rp + 4 && pp > 0 ? (pid_t)pp : 0;
}

static bool below_service(const char *proc_root, pid_t pid, pid_t service) {
  int depth;
  for (depth = 0; depth < MAX_DEPTH && pid > 1; depth++) {
    if (pid == service)
      return true;
    if (pid == getpid())
      return false;
    pid = parent_of(proc_root, pid);
  }
  return false;
}

/* The service's processes: those in the cgroup below the pid leakgate
 * started. O(processes x depth). */
static int self_pids(lg_container *c, pid_t *pids, size_t cap, size_t *n) {
  const self_state *s = c->state;
  size_t all = 0, i, kept = 0;
  int r;
  *n = 0;
  if (s->service <= 0)
    return 0;
  if ((r = lg__cg_pids(c->dir, pids, cap, &all)))
    return r;
  for (i = 0; i < all && i < cap; i++)
    if (below_service(c->proc_root, pids[i], s->service))
      pids[kept++] = pids[i];
  /* More than cap in the cgroup: report them all so the caller grows. */
  *n = all > cap ? all : kept;
  return 0;
}

/* Only the service's processes die; the cgroup is not ours to remove. */
static int self_destroy(lg_container *c, lg_error *err) {
  return lg_container_kill_all(c, err);
}

/* The two differ only in the name result.json shows; the files read
 * follow c->cgv. */
#define SELF_OPS(backend_name)                                                 \
  {                                                                            \
    .name = (backend_name), .state_size = sizeof(self_state),                  \
    .host_program = true, .create = self_create,                               \
    .child_enter = self_child_enter, .attach = self_attach, .pids = self_pids, \
    .destroy = self_destroy                                                    \
  }

const ct_ops lg__ct_self_v2_ops = SELF_OPS("self-cgroup-v2");
const ct_ops lg__ct_self_v1_ops = SELF_OPS("self-cgroup-v1");
