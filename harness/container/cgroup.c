/* container/cgroup.c - backends cgroup-v2 and cgroup-v1: leakgate makes a
 * leaf cgroup itself, writes the limit and swap 0, and the service joins it
 * between fork and exec (see leakgate/container.h, docs/backends.md).
 *
 * Owns: on the system, the leaf cgroup directory it made and its watchdog
 * process (reaper.c), which removes the leaf should leakgate die first.
 * Destroy kills what is left in the leaf, removes it (and any child cgroup
 * a service made below it) and dismisses the watchdog. A failed create
 * removes the leaf it made and leaves nothing behind.
 *
 * The two tables differ in the files the limit is written to (v2:
 * memory.max, memory.swap.max, memory.oom.group=1; v1:
 * memory.limit_in_bytes, then memory.memsw.limit_in_bytes); which one a
 * run gets is decided by detection (lg__ct_cgroup_plan), before anything is
 * made.
 *
 * Leaf name: leakgate-<pid>-<n>-<name>, where n is the first number whose
 * mkdir succeeds (EEXIST moves on), so no counter state is kept; name keeps
 * [A-Za-z0-9_.-] (others become '_') and is cut at 64 bytes.
 */
#include "container/ct_int.h"

#include "container/cgfs.h"
#include "core/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long rmdir retries while v1 answers EBUSY. */
#define RMDIR_WAIT_S 3.0

typedef struct cg_state {
  ct_reaper reaper;
} cg_state;

int lg__ct_cgroup_unusable(const lg_cgroup_info *info, char *why, size_t cap) {
  if (info->version == 0)
    lg__ct_setf(why, cap,
                "no cgroup with the memory controller found for this process");
  else if (!info->writable)
    lg__ct_setf(why, cap,
                "cgroup v%d at %s: no writable place for a run cgroup (needs "
                "root or a delegated cgroup)",
                info->version, info->dir);
  else
    return 0;
  return 1;
}

int lg_container_probe_cgroup(const lg_container_opts *o, char *why,
                              size_t cap) {
  lg_cgroup_info info;
  lg_error e;
  lg_error_clear(&e);
  if (lg_cgroup_detect(o->cgroupfs_root, o->proc_self_cgroup, &info, &e) != 0) {
    lg__ct_setf(why, cap, "%s", e.msg);
    return 0;
  }
  if (lg__ct_cgroup_unusable(&info, why, cap))
    return 0;
  lg__ct_setf(why, cap, "cgroup v%d, run cgroups in %s (%s)", info.version,
              info.leaf_parent, info.strategy);
  return 1;
}

int lg__ct_cgroup_plan(const lg_container_opts *o, bool from_auto, ct_plan *p,
                       lg_error *err) {
  char why[1200];
  int rc =
      lg_cgroup_detect(o->cgroupfs_root, o->proc_self_cgroup, &p->info, err);
  if (rc)
    return rc;
  if (lg__ct_cgroup_unusable(&p->info, why, sizeof why)) {
    if (!from_auto)
      return lg_error_set(err, LG_ECGROUP, "%s", why);
    p->ops = &lg__ct_none_ops;
    lg__ct_setf(p->note, sizeof p->note,
                "backend auto fell back to none: %s; no memory limit, no OOM "
                "detection",
                why);
    return 0;
  }
  p->ops = p->info.version == 2 ? &lg__ct_cgroup_v2_ops : &lg__ct_cgroup_v1_ops;
  return 0;
}

/* mkdir a unique leaf in parent; fills c->dir. */
static int make_leaf(lg_container *c, const char *parent, const char *name,
                     lg_error *err) {
  char clean[80], leaf[160];
  unsigned n;
  lg__ct_clean_name(clean, sizeof clean, name);
  for (n = 0; n < 10000; n++) {
    snprintf(leaf, sizeof leaf, "leakgate-%ld-%u-%s", (long)getpid(), n, clean);
    c->dir = lg__cg_join(parent, leaf);
    if (!c->dir)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    if (mkdir(c->dir, 0755) == 0)
      return 0;
    if (errno != EEXIST) {
      int e = errno;
      free(c->dir);
      c->dir = NULL;
      return lg_error_set(err, LG_ECGROUP,
                          "%s: cannot create the run's cgroup "
                          "in %s: %s",
                          leaf, parent, strerror(e));
    }
    free(c->dir);
    c->dir = NULL;
  }
  return lg_error_set(err, LG_ECGROUP, "%s: no free leaf name", parent);
}

static int write_limit(lg_container *c, const char *file, uint64_t v,
                       lg_error *err) {
  char val[32];
  int r;
  snprintf(val, sizeof val, "%" PRIu64, v);
  r = lg__cg_write(c->dir, file, val, c->fake);
  if (r)
    return lg_error_set(err, LG_ECGROUP, "%s/%s: cannot write %s: %s", c->dir,
                        file, val, strerror(-r));
  return 0;
}

static int setup_v2(lg_container *c, const lg_container_opts *o,
                    const lg_cgroup_info *info, lg_error *err) {
  int rc;
  c->has_kill = info->has_cgroup_kill || lg__cg_exists(c->dir, "cgroup.kill");
  c->has_peak = info->has_peak || lg__cg_exists(c->dir, "memory.peak");
  if (o->memory_bytes) {
    if ((rc = write_limit(c, "memory.max", o->memory_bytes, err)))
      return rc;
    c->limit = o->memory_bytes;
  }
  if (info->swap_accounting || lg__cg_exists(c->dir, "memory.swap.max")) {
    if ((rc = write_limit(c, "memory.swap.max", o->swap_bytes, err)))
      return rc;
  } else {
    snprintf(c->note, sizeof c->note,
             "swap is not limited: %s has no "
             "memory.swap.max (no swap accounting)",
             c->dir);
  }
  /* OOM kills the whole group at once: a clean verdict, no half-dead tree.
   * Best effort (kernels before 4.19 lack the file). */
  if (c->fake || lg__cg_exists(c->dir, "memory.oom.group"))
    (void)lg__cg_write(c->dir, "memory.oom.group", "1", c->fake);
  return 0;
}

static int setup_v1(lg_container *c, const lg_container_opts *o,
                    const lg_cgroup_info *info, lg_error *err) {
  int rc;
  c->has_kill = false;
  c->has_peak = true;
  if (!o->memory_bytes)
    return 0;
  /* limit first: memsw must stay >= limit at every write. */
  if ((rc = write_limit(c, "memory.limit_in_bytes", o->memory_bytes, err)))
    return rc;
  c->limit = o->memory_bytes;
  if (info->swap_accounting ||
      lg__cg_exists(c->dir, "memory.memsw.limit_in_bytes")) {
    if (o->swap_bytes > UINT64_MAX - o->memory_bytes)
      return lg_error_set(err, LG_EINPUT, "memory + swap overflows");
    rc = write_limit(c, "memory.memsw.limit_in_bytes",
                     o->memory_bytes + o->swap_bytes, err);
    if (rc)
      return rc;
  } else {
    snprintf(c->note, sizeof c->note,
             "swap is not limited: %s has no "
             "memory.memsw.limit_in_bytes (no swap accounting)",
             c->dir);
  }
  return 0;
}

/* The leaf, its limits and (on a real tree) its watchdog. A failure
 * removes the leaf again: nothing has joined it yet. */
static int orphan_leaf(lg_container *c, char *msg, size_t cap);

typedef int (*setup_fn)(lg_container *c, const lg_container_opts *o,
                        const lg_cgroup_info *info, lg_error *err);

static int create_leaf(lg_container *c, const lg_container_opts *o,
                       const ct_plan *p, const ct_cgv *cgv, setup_fn setup,
                       lg_error *err) {
  const lg_cgroup_info *info = &p->info;
  cg_state *s = c->state;
  int rc;

  c->fake = o->cgroupfs_root != NULL;
  if (strcmp(info->strategy, "enable") == 0) {
    rc = lg__cg_write(info->leaf_parent, "cgroup.subtree_control", "+memory",
                      c->fake);
    if (rc)
      return lg_error_set(err, LG_ECGROUP,
                          "%s/cgroup.subtree_control: cannot "
                          "enable the memory controller: %s",
                          info->leaf_parent, strerror(-rc));
  }
  if ((rc = make_leaf(c, info->leaf_parent, o->name, err)))
    return rc;
  c->cgv = cgv;
  c->procs_path = lg__cg_join(c->dir, "cgroup.procs");
  if (!c->procs_path) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  rc = setup(c, o, info, err);
  /* The watchdog: even a SIGKILLed leakgate leaves no process and no
   * cgroup behind. A fake tree (the test hook) has no processes to watch. */
  if (!rc && !c->fake)
    rc = lg__ct_reaper_start(c, &s->reaper, orphan_leaf, err);
cleanup:
  if (rc) {
    (void)lg__cg_rmdir_tree(c->dir, c->fake);
    free(c->dir);
    c->dir = NULL;
    c->cgv = NULL;
  }
  return rc;
}

static int create_v2(lg_container *c, const lg_container_opts *o,
                     const ct_plan *p, lg_error *err) {
  return create_leaf(c, o, p, &lg__ct_cgv2, setup_v2, err);
}

static int create_v1(lg_container *c, const lg_container_opts *o,
                     const ct_plan *p, lg_error *err) {
  return create_leaf(c, o, p, &lg__ct_cgv1, setup_v1, err);
}

int lg__ct_remove_leaf(lg_container *c, lg_error *err) {
  lg_error kerr = {0, ""};
  double deadline;
  int rc, r;

  rc = lg_container_kill_all(c, &kerr);
  /* v1 may answer EBUSY for a moment after the last task exits. */
  deadline = lg__now_s() + RMDIR_WAIT_S;
  while ((r = lg__cg_rmdir_tree(c->dir, c->fake)) == -EBUSY &&
         lg__now_s() < deadline)
    lg__sleep_s(0.01, NULL);
  if (rc)
    return lg_error_set(err, rc, "%s", kerr.msg);
  if (r)
    return lg_error_set(err, LG_ECGROUP,
                        "%s: cannot remove the run's cgroup: %s", c->dir,
                        strerror(-r));
  return 0;
}

/* The watchdog's work for a leaf (reaper.c). */
static int orphan_leaf(lg_container *c, char *msg, size_t cap) {
  lg_error e = {0, ""};
  if (lg__ct_remove_leaf(c, &e) != 0) {
    lg__ct_setf(msg, cap, "%s", e.msg);
    return -1;
  }
  lg__ct_setf(msg, cap, "killed what was left in %s and removed it", c->dir);
  return 0;
}

static int destroy_leaf(lg_container *c, lg_error *err) {
  cg_state *s = c->state;
  int rc;
  if (!c->dir)
    return 0;
  rc = lg__ct_remove_leaf(c, err);
  lg__ct_reaper_stop(&s->reaper, rc == 0);
  return rc;
}

const ct_ops lg__ct_cgroup_v2_ops = {
    .name = "cgroup-v2",
    .state_size = sizeof(cg_state),
    .host_program = true,
    .create = create_v2,
    .destroy = destroy_leaf,
};

const ct_ops lg__ct_cgroup_v1_ops = {
    .name = "cgroup-v1",
    .state_size = sizeof(cg_state),
    .host_program = true,
    .create = create_v1,
    .destroy = destroy_leaf,
};
