/* leakgate/container.h - the memory-limited box a service runs in.
 *
 * Backends: cgroup v2 (memory.max, memory.swap.max, memory.oom.group=1),
 * cgroup v1 (memory.limit_in_bytes, then memory.memsw.limit_in_bytes), and
 * "none" (no limit, no OOM detection - said plainly). systemd-run scopes and
 * docker/podman are not implemented yet: asking for them is LG_ENOTSUP.
 * Backend auto uses the cgroup when a writable one is found, else none,
 * with the reason in lg_container_note().
 * The run's cgroup is a new leaf "leakgate-<pid>-<n>-<name>" below the
 * cgroup leakgate itself runs in. cgroup v2 forbids processes in a cgroup
 * that enables controllers for its children, so when leakgate's own cgroup
 * holds processes and does not enable memory below it, the leaf is made
 * beside it, in the parent, which does (lg_cgroup_info.strategy "sibling";
 * needs write access there: root, or a systemd delegation). The service joins it between fork and exec
 * (lg_container_child_enter), so it never runs outside.
 * lg_container_destroy kills every process left in it and removes it: no
 * process and no cgroup of a run survives the run.
 * Ownership: lg_container_create allocates; lg_container_destroy frees.
 */
#ifndef LEAKGATE_CONTAINER_H
#define LEAKGATE_CONTAINER_H

#include <leakgate/error.h>
#include <leakgate/scenario.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct lg_container lg_container;

typedef struct lg_container_opts {
  lg_backend_kind backend;
  uint64_t memory_bytes; /* 0 = no limit */
  uint64_t swap_bytes;
  const char *name;       /* leaf name hint; made unique */
  const char *image;      /* docker/podman */
  const char *rootfs;     /* podman */
  /* Test hooks: a directory standing in for /sys/fs/cgroup, and a file
   * standing in for /proc/self/cgroup. NULL = the real ones. */
  const char *cgroupfs_root;
  const char *proc_self_cgroup;
} lg_container_opts;

/* Counters read from the container; NAN / -1 when the backend lacks them. */
typedef struct lg_container_stats {
  double usage_bytes;  /* memory.current / memory.usage_in_bytes */
  double peak_bytes;   /* memory.peak / memory.max_usage_in_bytes */
  double anon_bytes;   /* memory.stat anon / total_rss */
  double file_bytes;   /* memory.stat file / total_cache */
  double limit_bytes;
  int64_t oom_kills;   /* memory.events oom_kill / memory.oom_control oom_kill */
} lg_container_stats;

/* Create the container (for cgroups: mkdir the leaf and set limits). */
int lg_container_create(const lg_container_opts *o, lg_container **out,
                        lg_error *err);

/* Backend name as recorded in result.json ("cgroup-v1", "cgroup-v2", ...). */
const char *lg_container_backend(const lg_container *c);

/* The cgroup directory in use, or NULL (backend none, not yet attached). */
const char *lg_container_path(const lg_container *c);

/* Rewrite the service argv for wrapping backends (systemd-run, docker run);
 * *out is a new NULL-terminated argv owned by the container (freed with it),
 * or argv itself for backends that do not wrap. */
int lg_container_wrap_argv(lg_container *c, char *const *argv,
                           char *const **out, lg_error *err);

/* In the forked child before exec: join the cgroup. Async-signal-safe
 * (open/write/close only); returns 0 or -errno. */
int lg_container_child_enter(const lg_container *c);

/* After the service started: find or confirm its cgroup (wrapping backends
 * locate the scope or container cgroup of pid). */
int lg_container_attach(lg_container *c, pid_t pid, lg_error *err);

/* Read memory counters. */
int lg_container_read(lg_container *c, lg_container_stats *st, lg_error *err);

/* List pids in the container (recursively); *n is set to the count found,
 * which may exceed cap (only cap are stored). */
int lg_container_pids(lg_container *c, pid_t *pids, size_t cap, size_t *n,
                      lg_error *err);

/* Kill every process in the container and wait until it is empty. */
int lg_container_kill_all(lg_container *c, lg_error *err);

/* Kill everything, remove the cgroup, free c (NULL is fine). */
int lg_container_destroy(lg_container *c, lg_error *err);

/* Why the container is weaker than asked, or NULL: e.g. backend auto fell
 * back to "none" because no writable memory cgroup was found, or swap could
 * not be limited (no swap accounting). Valid until destroy. */
const char *lg_container_note(const lg_container *c);

/* The memory limit in bytes that is enforced, 0 when none is. */
uint64_t lg_container_limit(const lg_container *c);

/* Detection summary for doctor: version, controller, writability. */
typedef struct lg_cgroup_info {
  int version;            /* 1, 2 or 0 when no memory controller */
  char mount[1024];       /* memory hierarchy mount point */
  char self[1024];        /* leakgate's own cgroup path relative to mount */
  bool writable;          /* a child cgroup can be created there */
  bool swap_accounting;   /* memsw / memory.swap.max exists */
  bool has_cgroup_kill;   /* v2 cgroup.kill */
  bool has_peak;          /* v2 memory.peak */
  /* Where run leaves go and why (cgroup v2 "no internal processes" rule):
   * "child" = below leakgate's own cgroup (memory already enabled for its
   * children, or v1), "enable" = below it after writing +memory to its
   * cgroup.subtree_control (allowed only for a cgroup without processes,
   * e.g. the root), "sibling" = beside it in the parent, which already
   * enables memory (needs write access to the parent: root, or a systemd
   * delegation); "" = nowhere (writable is false). */
  char strategy[16];
  char leaf_parent[1024]; /* absolute directory the leaves are made in */
  char dir[1024];         /* absolute directory of leakgate's own cgroup */
} lg_cgroup_info;

/* Detect the cgroup setup (test hooks as in lg_container_opts). */
int lg_cgroup_detect(const char *cgroupfs_root, const char *proc_self_cgroup,
                     lg_cgroup_info *info, lg_error *err);

#endif
