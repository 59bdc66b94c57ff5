/* container/container.c - the dispatcher of the container module, and the
 * cgroup backends: create a leaf, set the limit and swap 0, read its
 * counters, list and kill its processes, remove it (see
 * leakgate/container.h).
 *
 * Owns: the lg_container and its strings; on the system, the leaf cgroup
 * directory it made and its watchdog process (reaper.c), which removes the
 * leaf should leakgate die first. lg_container_destroy kills what is left
 * in the leaf, removes it (and any child cgroup a service made below it),
 * dismisses the watchdog and frees.
 * A failed create removes the leaf it made and leaves nothing behind.
 *
 * Backends: "cgroup-v2", "cgroup-v1" and "none" (no limit, no OOM
 * detection) here; "systemd" (systemd.c) and "docker"/"podman" (oci.c)
 * wrap the command and adopt a cgroup their manager made (extcg.c), which
 * this file then reads and kills like its own but never removes. Backend
 * auto asks lg_container_choose (auto.c) and, when nothing works, falls
 * back to none, saying why in lg_container_note().
 *
 * Leaf name: leakgate-<pid>-<n>-<name>, where n is the first number whose
 * mkdir succeeds (EEXIST moves on), so no counter state is kept; name keeps
 * [A-Za-z0-9_.-] (others become '_') and is cut at 64 bytes.
 */
#include <leakgate/container.h>

#include "container/cgfs.h"
#include "container/ct_int.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long kill_all waits for the cgroup to empty, and rmdir retries. */
#define KILL_WAIT_S 5.0
#define RMDIR_WAIT_S 3.0
#define KILL_PIDS_CAP 4096

/* mkdir a unique leaf in parent; fills c->dir. */
static int make_leaf(lg_container *c, const char *parent, const char *name,
                     lg_error *err) {
  char clean[80], leaf[160];
  unsigned n;
  ct_clean_name(clean, sizeof clean, name);
  for (n = 0; n < 10000; n++) {
    snprintf(leaf, sizeof leaf, "leakgate-%ld-%u-%s", (long)getpid(), n, clean);
    c->dir = lg_cg_join(parent, leaf);
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
  r = lg_cg_write(c->dir, file, val, c->fake);
  if (r)
    return lg_error_set(err, LG_ECGROUP, "%s/%s: cannot write %s: %s", c->dir,
                        file, val, strerror(-r));
  return 0;
}

static int setup_v2(lg_container *c, const lg_container_opts *o,
                    const lg_cgroup_info *info, lg_error *err) {
  int rc;
  c->has_kill = info->has_cgroup_kill || lg_cg_exists(c->dir, "cgroup.kill");
  c->has_peak = info->has_peak || lg_cg_exists(c->dir, "memory.peak");
  if (o->memory_bytes) {
    if ((rc = write_limit(c, "memory.max", o->memory_bytes, err)))
      return rc;
    c->limit = o->memory_bytes;
  }
  if (info->swap_accounting || lg_cg_exists(c->dir, "memory.swap.max")) {
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
  if (c->fake || lg_cg_exists(c->dir, "memory.oom.group"))
    (void)lg_cg_write(c->dir, "memory.oom.group", "1", c->fake);
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
      lg_cg_exists(c->dir, "memory.memsw.limit_in_bytes")) {
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

static int create_cgroup(lg_container *c, const lg_container_opts *o,
                         bool is_auto, lg_error *err) {
  lg_cgroup_info info;
  char why[1200];
  int rc;

  rc = lg_cgroup_detect(o->cgroupfs_root, o->proc_self_cgroup, &info, err);
  if (rc)
    return rc;
  if (ct_cgroup_unusable(&info, why, sizeof why)) {
    if (is_auto) {
      c->kind = CT_NONE;
      snprintf(c->note, sizeof c->note,
               "backend auto fell back to none: %s; "
               "no memory limit, no OOM detection",
               why);
      return 0;
    }
    return lg_error_set(err, LG_ECGROUP, "%s", why);
  }
  c->fake = o->cgroupfs_root != NULL;
  if (strcmp(info.strategy, "enable") == 0) {
    rc = lg_cg_write(info.leaf_parent, "cgroup.subtree_control", "+memory",
                     c->fake);
    if (rc)
      return lg_error_set(err, LG_ECGROUP,
                          "%s/cgroup.subtree_control: cannot "
                          "enable the memory controller: %s",
                          info.leaf_parent, strerror(-rc));
  }
  rc = make_leaf(c, info.leaf_parent, o->name, err);
  if (rc)
    return rc;
  c->kind = info.version == 2 ? CT_V2 : CT_V1;
  c->procs_path = lg_cg_join(c->dir, "cgroup.procs");
  if (!c->procs_path)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  rc = c->kind == CT_V2 ? setup_v2(c, o, &info, err)
                        : setup_v1(c, o, &info, err);
  return rc;
}

static int create_auto(lg_container *c, const lg_container_opts *o,
                       lg_error *err) {
  lg_container_choice ch;
  int rc = lg_container_choose(o, &ch, err);
  if (rc)
    return rc;
  switch (ch.backend) {
  case LG_BACKEND_CGROUP:
    return create_cgroup(c, o, true, err);
  case LG_BACKEND_SYSTEMD:
    return ct_systemd_create(c, o, ch.systemd_mode, true, err);
  case LG_BACKEND_DOCKER:
  case LG_BACKEND_PODMAN:
    return ct_oci_create(c, o, ch.backend, true, err);
  default:
    c->kind = CT_NONE;
    ct_setf(c->note, sizeof c->note,
            "backend auto fell back to none: %s; no memory limit, no OOM "
            "detection",
            ch.why);
    return 0;
  }
}

static void free_container(lg_container *c) {
  free(c->dir);
  free(c->procs_path);
  free(c->tool);
  free(c->sudo);
  free(c->unit);
  free(c->scope);
  free(c->image);
  free(c->rootfs);
  free(c->cg_root);
  free(c->proc_root);
  free(c->parent_dir);
  lg_strv_free(c->argv_out);
  lg_strv_free(c->envp_out);
  free(c);
}

int lg_container_create(const lg_container_opts *o, lg_container **out,
                        lg_error *err) {
  lg_container *c;
  int rc = 0;

  *out = NULL;
  c = calloc(1, sizeof *c);
  if (!c)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  c->parent_oom0 = -1;
  c->reaper_fd = -1;
  c->probe_timeout_s = ct_probe_timeout(o);
  if ((o->cgroupfs_root && !(c->cg_root = strdup(o->cgroupfs_root))) ||
      (o->proc_root && !(c->proc_root = strdup(o->proc_root)))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  switch (o->backend) {
  case LG_BACKEND_NONE:
    c->kind = CT_NONE;
    break;
  case LG_BACKEND_AUTO:
    rc = create_auto(c, o, err);
    break;
  case LG_BACKEND_CGROUP:
    rc = create_cgroup(c, o, false, err);
    break;
  case LG_BACKEND_SYSTEMD:
    rc = ct_systemd_create(c, o, o->systemd_mode, false, err);
    break;
  case LG_BACKEND_DOCKER:
  case LG_BACKEND_PODMAN:
    rc = ct_oci_create(c, o, o->backend, false, err);
    break;
  default:
    rc = lg_error_set(err, LG_ENOTSUP, "unknown container backend %d",
                      (int)o->backend);
    break;
  }
  /* A leaf this module made gets a watchdog, so even a SIGKILLed leakgate
   * leaves no process and no cgroup behind (reaper.c). A fake tree (the
   * test hook) has no processes to watch. */
  if (!rc && c->kind != CT_NONE && c->dir && !c->external && !c->fake)
    rc = ct_reaper_start(c, err);
  if (rc)
    goto cleanup;
  /* Only attach waits, and only for a wrapping backend (auto may have
   * picked one): the default follows the backend actually made. */
  c->start_timeout_s = o->start_timeout_s > 0      ? o->start_timeout_s
                       : c->wrap == CT_WRAP_SYSTEMD ? CT_SYSTEMD_START_S
                                                    : CT_ENGINE_START_S;
  *out = c;
  c = NULL;
cleanup:
  if (c) {
    if (c->dir && !c->external)
      (void)lg_cg_rmdir_tree(c->dir, c->fake);
    free_container(c);
  }
  return rc;
}

const char *lg_container_backend(const lg_container *c) {
  if (!c)
    return "none";
  switch (c->wrap) {
  case CT_WRAP_SYSTEMD:
    return "systemd";
  case CT_WRAP_DOCKER:
    return "docker";
  case CT_WRAP_PODMAN:
    return "podman";
  default:
    break;
  }
  return c->kind == CT_V2   ? "cgroup-v2"
         : c->kind == CT_V1 ? "cgroup-v1"
                            : "none";
}

const char *lg_container_path(const lg_container *c) {
  return c ? c->dir : NULL;
}

const char *lg_container_note(const lg_container *c) {
  return c && c->note[0] ? c->note : NULL;
}

uint64_t lg_container_limit(const lg_container *c) {
  return c ? c->limit : 0;
}

bool lg_container_host_program(const lg_container *c) {
  return !c || (c->wrap != CT_WRAP_DOCKER && c->wrap != CT_WRAP_PODMAN);
}

const char *lg_container_unit(const lg_container *c) {
  if (!c)
    return NULL;
  return c->scope ? c->scope : c->unit;
}

int lg_container_wrap(lg_container *c, char *const *argv, char *const *envp,
                      char *const **argv_out, char *const **envp_out,
                      lg_error *err) {
  lg_strv av = {0}, ev = {0};
  int rc;
  *argv_out = argv; /* cgroup and none backends run argv unchanged */
  *envp_out = envp;
  if (!c || c->wrap == CT_WRAP_NONE)
    return 0;
  rc = c->wrap == CT_WRAP_SYSTEMD
           ? ct_systemd_wrap(c, argv, envp, &av, &ev, err)
           : ct_oci_wrap(c, argv, envp, &av, &ev, err);
  if (rc)
    goto cleanup;
  lg_strv_free(c->argv_out);
  lg_strv_free(c->envp_out);
  c->argv_out = lg_strv_take(&av);
  c->envp_out = lg_strv_take(&ev);
  if (!c->argv_out || !c->envp_out) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  *argv_out = c->argv_out;
  *envp_out = c->envp_out;
cleanup:
  lg_strv_cleanup(&av);
  lg_strv_cleanup(&ev);
  return rc;
}

int lg_container_wrap_argv(lg_container *c, char *const *argv,
                           char *const **out, lg_error *err) {
  char *const *envp = NULL;
  return lg_container_wrap(c, argv, NULL, out, &envp, err);
}

int lg_container_child_enter(const lg_container *c) {
  /* Async-signal-safe: no allocation, only open/write/close. "0" is the
   * writing process itself in both v1 and v2. */
  int fd, e = 0;
  if (!c || c->kind == CT_NONE || !c->procs_path)
    return 0;
  fd = open(c->procs_path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (write(fd, "0", 1) != 1)
    e = -errno;
  close(fd);
  return e;
}

int lg_container_attach(lg_container *c, pid_t pid, lg_error *err) {
  if (!c || c->wrap == CT_WRAP_NONE)
    return 0; /* the service joined in the child before exec */
  return c->wrap == CT_WRAP_SYSTEMD ? ct_systemd_attach(c, pid, err)
                                    : ct_oci_attach(c, pid, err);
}

int lg_container_read(lg_container *c, lg_container_stats *st, lg_error *err) {
  char *buf = NULL;
  uint64_t v;
  long n;
  bool v2;
  int rc = 0;

  st->usage_bytes = st->peak_bytes = st->anon_bytes = st->file_bytes = NAN;
  st->limit_bytes = NAN;
  st->oom_kills = -1;
  if (!c || c->kind == CT_NONE || !c->dir)
    return 0;
  if (c->vanished) {
    ct_extcg_vanished(c, st);
    return 0;
  }
  v2 = c->kind == CT_V2;
  buf = malloc(LG_CG_FILE_MAX);
  if (!buf)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  n = lg_cg_read_u64(c->dir, v2 ? "memory.current" : "memory.usage_in_bytes",
                     &v);
  if ((n == -ENOENT || n == -ENODEV) && c->external) {
    /* systemd or the engine removed the cgroup with its last process (an
     * OOM kill, a crash): report what was last seen. */
    c->vanished = true;
    ct_extcg_vanished(c, st);
    if (c->wrap != CT_WRAP_SYSTEMD && st->oom_kills < 1 && ct_oci_oom_killed(c))
      st->oom_kills = 1;
    c->last = *st;
    c->have_last = true;
    c->parent_oom0 = -1; /* counted once, into last */
    goto cleanup;
  }
  if (n) {
    rc = lg_error_set(err, LG_ECGROUP, "%s: cannot read usage: %s", c->dir,
                      strerror((int)-n));
    goto cleanup;
  }
  st->usage_bytes = (double)v;
  if (c->has_peak &&
      lg_cg_read_u64(c->dir, v2 ? "memory.peak" : "memory.max_usage_in_bytes",
                     &v) == 0)
    st->peak_bytes = (double)v;
  if (lg_cg_read(c->dir, "memory.stat", buf, LG_CG_FILE_MAX) >= 0) {
    if (lg_cg_keyed(buf, v2 ? "anon" : "total_rss", &v) == 0 ||
        (!v2 && lg_cg_keyed(buf, "rss", &v) == 0))
      st->anon_bytes = (double)v;
    if (lg_cg_keyed(buf, v2 ? "file" : "total_cache", &v) == 0 ||
        (!v2 && lg_cg_keyed(buf, "cache", &v) == 0))
      st->file_bytes = (double)v;
  }
  /* An unlimited v1 cgroup reads PAGE_COUNTER_MAX pages (~2^63). */
  if (lg_cg_read_u64(c->dir, v2 ? "memory.max" : "memory.limit_in_bytes", &v) ==
          0 &&
      v < (UINT64_C(1) << 62))
    st->limit_bytes = (double)v;
  if (lg_cg_read(c->dir, v2 ? "memory.events" : "memory.oom_control", buf,
                 LG_CG_FILE_MAX) >= 0 &&
      lg_cg_keyed(buf, "oom_kill", &v) == 0)
    st->oom_kills = (int64_t)v;
  c->last = *st;
  c->have_last = true;
cleanup:
  free(buf);
  return rc;
}

int lg_container_pids(lg_container *c, pid_t *pids, size_t cap, size_t *n,
                      lg_error *err) {
  int r;
  *n = 0;
  if (!c || c->kind == CT_NONE || !c->dir)
    return 0;
  r = lg_cg_pids(c->dir, pids, cap, n);
  if (r)
    return lg_error_set(err, LG_ECGROUP, "%s: cannot list processes: %s",
                        c->dir, strerror(-r));
  return 0;
}

/* Count listed pids still alive. A real cgroup lists only live processes
 * (a task leaves cgroup.procs at exit, before it is reaped); the liveness
 * check keeps the loop honest on a fake tree whose procs file never
 * changes. */
static size_t kill_listed(pid_t *pids, size_t n, bool send) {
  size_t i, alive = 0;
  for (i = 0; i < n; i++) {
    if (pids[i] <= 1 || pids[i] == getpid())
      continue; /* never signal init or ourselves, whatever a file says */
    if (send)
      (void)kill(pids[i], SIGKILL);
    if (lg_cg_pid_alive(pids[i]))
      alive++;
  }
  return alive;
}

int lg_container_kill_all(lg_container *c, lg_error *err) {
  pid_t *pids = NULL;
  size_t n = 0, alive = 0;
  double deadline, kill_each_at, pause = 0.001;
  int r, rc = 0;

  if (c && (c->wrap == CT_WRAP_DOCKER || c->wrap == CT_WRAP_PODMAN))
    ct_oci_kill(c); /* also reaches processes in other user namespaces */
  if (!c || c->kind == CT_NONE || !c->dir)
    return 0;
  pids = malloc(KILL_PIDS_CAP * sizeof *pids);
  if (!pids)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  /* cgroup.kill kills the whole subtree atomically, forks included. */
  if (c->has_kill && lg_cg_write(c->dir, "cgroup.kill", "1", c->fake) != 0)
    c->has_kill = false; /* fall back to signalling each pid */
  deadline = lg_now_s() + KILL_WAIT_S;
  kill_each_at = lg_now_s() + 0.2;
  /* Without cgroup.kill a forking service races the list: re-read and
   * re-kill until nothing is left, backing off from 1 ms to 50 ms. */
  for (;;) {
    r = lg_cg_pids(c->dir, pids, KILL_PIDS_CAP, &n);
    if (r) {
      rc = lg_error_set(err, LG_ECGROUP, "%s: cannot list processes: %s",
                        c->dir, strerror(-r));
      goto cleanup;
    }
    if (n > KILL_PIDS_CAP)
      n = KILL_PIDS_CAP;
    /* After cgroup.kill, signal stragglers too should it not have worked. */
    alive = kill_listed(pids, n, !c->has_kill || lg_now_s() > kill_each_at);
    if (alive == 0)
      break;
    if (lg_now_s() > deadline) {
      rc = lg_error_set(err, LG_ETIMEOUT,
                        "%s: %zu process(es) still alive "
                        "%.0f s after SIGKILL (first pid %ld)",
                        c->dir, alive, KILL_WAIT_S, (long)pids[0]);
      goto cleanup;
    }
    lg_sleep_s(pause, NULL);
    if (pause < 0.05)
      pause *= 2;
  }
cleanup:
  free(pids);
  return rc;
}

int lg_container_destroy(lg_container *c, lg_error *err) {
  lg_error kerr = {0, ""};
  int rc = 0, r = 0;

  if (!c)
    return 0;
  if (c->wrap == CT_WRAP_DOCKER || c->wrap == CT_WRAP_PODMAN) {
    rc = lg_container_kill_all(c, &kerr);
    r = ct_oci_remove(c, &kerr);
    if (rc || r)
      rc = lg_error_set(err, rc ? rc : r, "%s", kerr.msg);
  } else if (c->external) {
    /* systemd removes the scope once it is empty. */
    rc = lg_container_kill_all(c, &kerr);
    if (rc)
      lg_error_set(err, rc, "%s", kerr.msg);
  } else if (c->kind != CT_NONE && c->dir) {
    rc = ct_remove_leaf(c, err);
    ct_reaper_stop(c, rc == 0);
  }
  free_container(c);
  return rc;
}

int ct_remove_leaf(lg_container *c, lg_error *err) {
  lg_error kerr = {0, ""};
  double deadline;
  int rc, r;

  rc = lg_container_kill_all(c, &kerr);
  /* v1 may answer EBUSY for a moment after the last task exits. */
  deadline = lg_now_s() + RMDIR_WAIT_S;
  while ((r = lg_cg_rmdir_tree(c->dir, c->fake)) == -EBUSY &&
         lg_now_s() < deadline)
    lg_sleep_s(0.01, NULL);
  if (rc)
    return lg_error_set(err, rc, "%s", kerr.msg);
  if (r)
    return lg_error_set(err, LG_ECGROUP,
                        "%s: cannot remove the run's cgroup: %s", c->dir,
                        strerror(-r));
  return 0;
}
