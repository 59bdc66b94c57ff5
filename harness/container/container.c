/* container/container.c - the dispatcher of the container module (see
 * leakgate/container.h): lg_container_create plans a backend table
 * (ct_ops, ct_int.h) from the scenario's choice - backend auto asks
 * auto.c - and every other call goes through that table, never asking
 * which backend it holds. What all backends share lives here: reading the
 * box's cgroup (the file names of its version in lg__ct_cgv1/lg__ct_cgv2),
 * listing and killing its processes, and the probes auto asks.
 *
 * Owns: the lg_container, its strings and the backend's state (freed
 * through the table's release). Tables: cgroup.c (cgroup-v2, cgroup-v1),
 * none.c, systemd.c, oci.c (docker, podman), self.c (self-cgroup-v2/-v1).
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

/* How long kill_all waits for the cgroup to empty. */
#define KILL_WAIT_S 5.0
#define KILL_PIDS_CAP 4096

const ct_cgv lg__ct_cgv2 = {
    .version = 2,
    .usage = "memory.current",
    .peak = "memory.peak",
    .limit = "memory.max",
    .events = "memory.events",
    .anon = {"anon", NULL},
    .file = {"file", NULL},
    .swap_max = "memory.swap.max",
    .kill = "cgroup.kill",
    .hierarchical_events = true,
};

const ct_cgv lg__ct_cgv1 = {
    .version = 1,
    .usage = "memory.usage_in_bytes",
    .peak = "memory.max_usage_in_bytes",
    .limit = "memory.limit_in_bytes",
    .events = "memory.oom_control",
    /* total_* include child cgroups; the plain keys are the fallback of
     * kernels without hierarchy accounting. */
    .anon = {"total_rss", "rss"},
    .file = {"total_cache", "cache"},
};

const char *lg_systemd_mode_name(lg_systemd_mode m) {
  switch (m) {
  case LG_SYSTEMD_USER:
    return "user";
  case LG_SYSTEMD_SYSTEM:
    return "system";
  case LG_SYSTEMD_SUDO:
    return "sudo";
  default:
    return "auto";
  }
}

double lg__ct_probe_timeout(const lg_container_opts *o) {
  return o->probe_timeout_s > 0 ? o->probe_timeout_s : CT_PROBE_S;
}

static bool real_is_root(void *ctx) {
  (void)ctx;
  return geteuid() == 0;
}
static int real_cgroup(void *ctx, const lg_container_opts *o, char *why,
                       size_t cap) {
  (void)ctx;
  return lg_container_probe_cgroup(o, why, cap);
}
static int real_systemd(void *ctx, const lg_container_opts *o,
                        lg_systemd_mode mode, char *why, size_t cap) {
  (void)ctx;
  return lg_container_probe_systemd(o, mode, why, cap);
}
static int real_self(void *ctx, const lg_container_opts *o, char *why,
                     size_t cap) {
  (void)ctx;
  return lg_container_probe_self(o, why, cap);
}
static int real_engine(void *ctx, const lg_container_opts *o,
                       lg_backend_kind engine, char *why, size_t cap) {
  (void)ctx;
  return lg_container_probe_engine(o, engine, why, cap);
}

/* Read-only: no mutable global state. */
static const lg_container_probes real_probes = {
    NULL, real_is_root, real_cgroup, real_systemd, real_engine, real_self};

const lg_container_probes *lg__ct_probes(const lg_container_opts *o) {
  return o->probes ? o->probes : &real_probes;
}

int lg__ct_plan_backend(const lg_container_opts *o, lg_backend_kind kind,
                        const lg_container_choice *chosen, ct_plan *p,
                        lg_error *err) {
  p->probed = chosen != NULL;
  switch (kind) {
  case LG_BACKEND_NONE:
    p->ops = &lg__ct_none_ops;
    if (chosen)
      lg__ct_setf(p->note, sizeof p->note,
                  "backend auto fell back to none: %s; no memory limit, no OOM "
                  "detection",
                  chosen->why);
    return 0;
  case LG_BACKEND_AUTO:
    return lg__ct_auto_plan(o, p, err);
  case LG_BACKEND_CGROUP:
    return lg__ct_cgroup_plan(o, chosen != NULL, p, err);
  case LG_BACKEND_SYSTEMD:
    p->ops = &lg__ct_systemd_ops;
    if (chosen) {
      p->systemd_mode = chosen->systemd_mode;
      return 0;
    }
    /* An explicit mode is probed too: a manager that cannot limit memory
     * is an error here rather than a surprise at attach. */
    p->probed = true;
    p->systemd_mode = o->systemd_mode;
    return lg__ct_systemd_resolve(o, &p->systemd_mode, err);
  case LG_BACKEND_DOCKER:
    p->ops = &lg__ct_docker_ops;
    return 0;
  case LG_BACKEND_PODMAN:
    p->ops = &lg__ct_podman_ops;
    return 0;
  case LG_BACKEND_SELF:
    return lg__ct_self_plan(o, p, err);
  default:
    return lg_error_set(err, LG_ENOTSUP, "unknown container backend %d",
                        (int)kind);
  }
}

static void free_container(lg_container *c) {
  if (c->ops && c->ops->release)
    c->ops->release(c);
  free(c->state);
  free(c->dir);
  free(c->procs_path);
  free(c->cg_root);
  free(c->proc_root);
  lg__strv_free(c->argv_out);
  lg__strv_free(c->envp_out);
  free(c);
}

int lg_container_create(const lg_container_opts *o, lg_container **out,
                        lg_error *err) {
  lg_container *c;
  ct_plan *p = NULL;
  int rc = 0;

  *out = NULL;
  c = calloc(1, sizeof *c);
  if (!c)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  c->probe_timeout_s = lg__ct_probe_timeout(o);
  if ((o->cgroupfs_root && !(c->cg_root = strdup(o->cgroupfs_root))) ||
      (o->proc_root && !(c->proc_root = strdup(o->proc_root))) ||
      !(p = malloc(sizeof *p))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  memset(p, 0, sizeof *p);
  if ((rc = lg__ct_plan_backend(o, o->backend, NULL, p, err)))
    goto cleanup;
  if (p->ops->state_size && !(c->state = calloc(1, p->ops->state_size))) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  c->ops = p->ops;
  lg__ct_setf(c->note, sizeof c->note, "%s", p->note);
  if (c->ops->create && (rc = c->ops->create(c, o, p, err)))
    goto cleanup;
  /* Only attach waits: the default follows the backend actually made. */
  c->start_timeout_s =
      o->start_timeout_s > 0 ? o->start_timeout_s : c->ops->start_timeout_s;
  *out = c;
  c = NULL;
cleanup:
  if (c)
    free_container(c);
  free(p);
  return rc;
}

const char *lg_container_backend(const lg_container *c) {
  return c ? c->ops->name : "none";
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
  return !c || c->ops->host_program;
}

const char *lg_container_unit(const lg_container *c) {
  return c && c->ops->unit ? c->ops->unit(c) : NULL;
}

int lg_container_wrap(lg_container *c, char *const *argv, char *const *envp,
                      char *const **argv_out, char *const **envp_out,
                      lg_error *err) {
  lg_strv av = {0}, ev = {0};
  int rc;
  *argv_out = argv; /* backends that do not wrap run argv unchanged */
  *envp_out = envp;
  if (!c || !c->ops->wrap)
    return 0;
  if ((rc = c->ops->wrap(c, argv, envp, &av, &ev, err)))
    goto cleanup;
  lg__strv_free(c->argv_out);
  lg__strv_free(c->envp_out);
  c->argv_out = lg__strv_take(&av);
  c->envp_out = lg__strv_take(&ev);
  if (!c->argv_out || !c->envp_out) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  *argv_out = c->argv_out;
  *envp_out = c->envp_out;
cleanup:
  lg__strv_cleanup(&av);
  lg__strv_cleanup(&ev);
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
  if (!c)
    return 0;
  if (c->procs_path) {
    fd = open(c->procs_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return -errno;
    if (write(fd, "0", 1) != 1)
      e = -errno;
    close(fd);
  }
  if (!e && c->ops->child_enter)
    e = c->ops->child_enter(c);
  return e;
}

int lg_container_attach(lg_container *c, pid_t pid, lg_error *err) {
  if (!c || !c->ops->attach)
    return 0; /* the service joined in the child before exec */
  return c->ops->attach(c, pid, err);
}

/* The value of the first of keys found in a memory.stat text. */
static bool stat_key(const char *text, const char *const *keys, uint64_t *v) {
  return (keys[0] && lg__cg_keyed(text, keys[0], v) == 0) ||
         (keys[1] && lg__cg_keyed(text, keys[1], v) == 0);
}

int lg_container_read(lg_container *c, lg_container_stats *st, lg_error *err) {
  const ct_cgv *f;
  char *buf = NULL;
  uint64_t v;
  long n;
  int rc = 0;

  st->usage_bytes = st->peak_bytes = st->anon_bytes = st->file_bytes = NAN;
  st->limit_bytes = NAN;
  st->oom_kills = -1;
  if (!c || !c->dir || !c->cgv)
    return 0;
  if (c->gone) {
    c->ops->gone(c, st, false);
    return 0;
  }
  f = c->cgv;
  buf = malloc(LG_CG_FILE_MAX);
  if (!buf)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  n = lg__cg_read_u64(c->dir, f->usage, &v);
  if ((n == -ENOENT || n == -ENODEV) && c->ops->gone) {
    /* systemd or the engine removed the cgroup with its last process (an
     * OOM kill, a crash): report what was last seen. */
    c->gone = true;
    c->ops->gone(c, st, true);
    goto cleanup;
  }
  if (n) {
    rc = lg_error_set(err, LG_ECGROUP, "%s: cannot read usage: %s", c->dir,
                      strerror((int)-n));
    goto cleanup;
  }
  st->usage_bytes = (double)v;
  if (c->has_peak && lg__cg_read_u64(c->dir, f->peak, &v) == 0)
    st->peak_bytes = (double)v;
  if (lg__cg_read(c->dir, "memory.stat", buf, LG_CG_FILE_MAX) >= 0) {
    if (stat_key(buf, f->anon, &v))
      st->anon_bytes = (double)v;
    if (stat_key(buf, f->file, &v))
      st->file_bytes = (double)v;
  }
  /* An unlimited v1 cgroup reads PAGE_COUNTER_MAX pages (~2^63). */
  if (lg__cg_read_u64(c->dir, f->limit, &v) == 0 && v < (UINT64_C(1) << 62))
    st->limit_bytes = (double)v;
  if (lg__cg_read(c->dir, f->events, buf, LG_CG_FILE_MAX) >= 0 &&
      lg__cg_keyed(buf, "oom_kill", &v) == 0)
    st->oom_kills = (int64_t)v;
  c->last = *st;
  c->have_last = true;
cleanup:
  free(buf);
  return rc;
}

/* The box's processes: the backend's own list, else the cgroup's. */
static int list_pids(lg_container *c, pid_t *pids, size_t cap, size_t *n) {
  return c->ops->pids ? c->ops->pids(c, pids, cap, n)
                      : lg__cg_pids(c->dir, pids, cap, n);
}

int lg_container_pids(lg_container *c, pid_t *pids, size_t cap, size_t *n,
                      lg_error *err) {
  int r;
  *n = 0;
  if (!c || !c->dir)
    return 0;
  r = list_pids(c, pids, cap, n);
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
    if (lg__cg_pid_alive(pids[i]))
      alive++;
  }
  return alive;
}

int lg_container_kill_all(lg_container *c, lg_error *err) {
  pid_t *pids = NULL;
  size_t n = 0, alive = 0;
  double deadline, kill_each_at, pause = 0.001;
  int r, rc = 0;

  if (c && c->ops->kill)
    c->ops->kill(c);
  if (!c || !c->dir)
    return 0;
  pids = malloc(KILL_PIDS_CAP * sizeof *pids);
  if (!pids)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  /* cgroup.kill kills the whole subtree atomically, forks included. */
  if (c->has_kill && lg__cg_write(c->dir, "cgroup.kill", "1", c->fake) != 0)
    c->has_kill = false; /* fall back to signalling each pid */
  deadline = lg__now_s() + KILL_WAIT_S;
  kill_each_at = lg__now_s() + 0.2;
  /* Without cgroup.kill a forking service races the list: re-read and
   * re-kill until nothing is left, backing off from 1 ms to 50 ms. */
  for (;;) {
    r = list_pids(c, pids, KILL_PIDS_CAP, &n);
    if (r) {
      rc = lg_error_set(err, LG_ECGROUP, "%s: cannot list processes: %s",
                        c->dir, strerror(-r));
      goto cleanup;
    }
    if (n > KILL_PIDS_CAP)
      n = KILL_PIDS_CAP;
    /* After cgroup.kill, signal stragglers too should it not have worked. */
    alive = kill_listed(pids, n, !c->has_kill || lg__now_s() > kill_each_at);
    if (alive == 0)
      break;
    if (lg__now_s() > deadline) {
      rc = lg_error_set(err, LG_ETIMEOUT,
                        "%s: %zu process(es) still alive "
                        "%.0f s after SIGKILL (first pid %ld)",
                        c->dir, alive, KILL_WAIT_S, (long)pids[0]);
      goto cleanup;
    }
    lg__sleep_s(pause, NULL);
    if (pause < 0.05)
      pause *= 2;
  }
cleanup:
  free(pids);
  return rc;
}

int lg_container_destroy(lg_container *c, lg_error *err) {
  int rc = 0;
  if (!c)
    return 0;
  if (c->ops->destroy)
    rc = c->ops->destroy(c, err);
  free_container(c);
  return rc;
}
