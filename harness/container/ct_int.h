/* container/ct_int.h - internal: the lg_container object and the helpers the
 * container module's files share (container.c the dispatcher, systemd.c and
 * oci.c the wrapping backends, extcg.c their cgroup lookup, auto.c backend
 * auto and the probes, cmd.c small text helpers).
 *
 * The wrapping backends split into pure argv builders (ct_systemd_argv,
 * ct_oci_argv: tested for the exact command line) and the parts that talk
 * to the system (create, attach, kill), so the command lines can be checked
 * on a machine without systemd or a container engine.
 */
#ifndef LG_CONTAINER_CT_INT_H
#define LG_CONTAINER_CT_INT_H

#include <leakgate/container.h>

#include "core/proc.h"
#include "core/strv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ct_kind { CT_NONE = 0, CT_V1 = 1, CT_V2 = 2 };
enum ct_wrap {
  CT_WRAP_NONE = 0,
  CT_WRAP_SYSTEMD,
  CT_WRAP_DOCKER,
  CT_WRAP_PODMAN
};

/* Defaults of the timeouts in lg_container_opts. */
#define CT_SYSTEMD_START_S 30.0
#define CT_ENGINE_START_S 300.0
#define CT_PROBE_S 10.0
/* Bounded commands during teardown (docker kill / rm -f). */
#define CT_TEARDOWN_S 20.0
/* Output kept from a helper command (for messages and inspect). */
#define CT_OUT_CAP 4096

struct lg_container {
  enum ct_kind kind; /* the cgroup flavour read (none before attach) */
  enum ct_wrap wrap;
  char *dir;        /* the cgroup, NULL for none or before attach */
  char *procs_path; /* dir/cgroup.procs, made before fork for child_enter */
  bool fake;        /* under the cgroupfs_root test hook */
  bool has_kill;    /* v2 cgroup.kill (and writable for external ones) */
  bool has_peak;    /* memory.peak / memory.max_usage_in_bytes */
  uint64_t limit;   /* 0 = none */
  char note[1536];

  /* Wrapping backends. external: systemd or the engine made the cgroup and
   * removes it; leakgate only reads it and kills what is in it. */
  bool external;
  lg_systemd_mode sd_mode;
  int sd_version; /* systemd-run's version, 0 = unknown */
  char *tool;     /* absolute systemd-run / docker / podman */
  char *sudo;     /* absolute sudo (LG_SYSTEMD_SUDO) */
  char *unit;     /* scope name without ".scope", or the container name */
  char *scope;    /* unit + ".scope" (systemd) */
  char *image, *rootfs;
  char *cg_root, *proc_root; /* copies of the test hooks, NULL = real */
  uint64_t memory, swap;
  double start_timeout_s;
  double probe_timeout_s;
  char **argv_out, **envp_out; /* from the last wrap */

  /* Once the external cgroup is gone: the last counters read, and the
   * parent's oom_kill count at attach for attributing a kill. */
  lg_container_stats last;
  bool have_last;
  bool vanished;
  char *parent_dir;
  int64_t parent_oom0; /* -1 = unreadable */

  /* The watchdog (reaper.c) of a cgroup this module made; pid 0 = none. */
  int reaper_fd;
  pid_t reaper_pid;
};

/* ---- container.c: shared with the watchdog ---------------------------- */

/* Kill every process in the leaf this module made and remove it (with any
 * child cgroup below), retrying while v1 answers EBUSY. */
int ct_remove_leaf(lg_container *c, lg_error *err);

/* ---- reaper.c: the watchdog that outlives a killed leakgate ------------ */

/* Fork the watchdog for c's leaf (outside the cgroup; call before any
 * process joins it). */
int ct_reaper_start(lg_container *c, lg_error *err);
/* removed: leakgate removed the leaf itself and the watchdog just exits;
 * otherwise the watchdog tries. Waits for it. No-op without a watchdog. */
void ct_reaper_stop(lg_container *c, bool removed);

/* ---- string vectors: core/strv.h ------------------------------------ */

/* Argv builders: append to the lg_strv `out` in scope, storing the code in
 * `rc` and jumping to the function's `fail:` label on error. */
#define CT_PUSH(s)                                                             \
  do {                                                                         \
    if ((rc = lg_strv_push(out, (s))))                                         \
      goto fail;                                                               \
  } while (0)
#define CT_PUSHF(...)                                                          \
  do {                                                                         \
    if ((rc = lg_strv_pushf(out, __VA_ARGS__)))                                \
      goto fail;                                                               \
  } while (0)

/* ---- cmd.c: small text helpers ---------------------------------------- */

/* "NAME" of "NAME=VALUE" compares equal to name. */
bool ct_env_is(const char *entry, const char *name);

/* Finding tools and running them: lg_which, lg_run_capture (core/proc.h). */

/* Append printf-formatted text to the NUL-terminated buf of size cap (cut
 * at cap); ct_setf empties buf first. vsnprintf keeps gcc's truncation
 * checker quiet where snprintf of fixed-size fields would warn. */
void ct_appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ct_setf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The first line of a command's output, cut at 300 bytes, into buf. */
const char *ct_first_line(const char *out, char *buf, size_t cap);

/* name with every byte outside [A-Za-z0-9_.-] made '_', cut at 64 bytes
 * (and at cap), "run" when empty or NULL: safe in a cgroup, unit or
 * container name. */
void ct_clean_name(char *out, size_t cap, const char *name);

/* Unique name "leakgate-<pid>-<hex>-<name>" (name as ct_clean_name makes
 * it): usable as a systemd unit and container name. */
char *ct_unique_name(const char *name);

/* ---- systemd.c ---------------------------------------------------------- */
typedef struct ct_systemd_params {
  lg_systemd_mode mode;    /* USER, SYSTEM or SUDO */
  const char *systemd_run; /* absolute */
  const char *sudo;        /* absolute, SUDO only */
  const char *unit;        /* without ".scope" */
  int version;             /* >= 254 adds --expand-environment=no */
  uint64_t memory, swap;   /* memory 0 = no MemoryMax */
  unsigned uid, gid;       /* SUDO: --uid/--gid */
} ct_systemd_params;

/* The wrapper command line for argv: exact, deterministic. */
int ct_systemd_argv(const ct_systemd_params *p, char *const *argv,
                    char *const *envp, lg_strv *out, lg_error *err);
/* The wrapper's environment: envp plus, for USER, the variables
 * systemd-run needs to reach the user manager. */
int ct_systemd_env(lg_systemd_mode mode, char *const *envp, lg_strv *out,
                   lg_error *err);
/* systemd-run --version's number, 0 when unknown. */
int ct_systemd_version(const char *systemd_run, double timeout_s);
int ct_systemd_create(lg_container *c, const lg_container_opts *o,
                      lg_systemd_mode mode, bool probed, lg_error *err);
/* The wrapped command and its environment for c into av and ev (which
 * the caller cleans up, also on failure). */
int ct_systemd_wrap(const lg_container *c, char *const *argv,
                    char *const *envp, lg_strv *av, lg_strv *ev,
                    lg_error *err);
int ct_systemd_attach(lg_container *c, pid_t pid, lg_error *err);

/* ---- oci.c: docker and podman ------------------------------------------ */
typedef struct ct_oci_params {
  lg_backend_kind engine; /* DOCKER or PODMAN */
  const char *tool;       /* absolute */
  const char *name;       /* container name */
  const char *image;      /* NULL when rootfs */
  const char *rootfs;     /* podman */
  uint64_t memory, swap;  /* memory 0 = no --memory */
} ct_oci_params;

int ct_oci_argv(const ct_oci_params *p, char *const *argv, char *const *envp,
                lg_strv *out, lg_error *err);
/* leakgate's environment overlaid with envp (envp wins). */
int ct_oci_env(char *const *envp, lg_strv *out, lg_error *err);
int ct_oci_create(lg_container *c, const lg_container_opts *o,
                  lg_backend_kind engine, bool probed, lg_error *err);
/* As ct_systemd_wrap, for docker and podman. */
int ct_oci_wrap(const lg_container *c, char *const *argv, char *const *envp,
                lg_strv *av, lg_strv *ev, lg_error *err);
int ct_oci_attach(lg_container *c, pid_t pid, lg_error *err);
/* `ENGINE kill NAME` (errors ignored: the container may be gone). */
void ct_oci_kill(lg_container *c);
/* `ENGINE rm -f NAME`; 0 or LG_ETOOL. */
int ct_oci_remove(lg_container *c, lg_error *err);
/* 1 when the engine says the container was OOM-killed, 0 when not or
 * unknown. */
int ct_oci_oom_killed(lg_container *c);

/* ---- extcg.c: the cgroup of a wrapped service --------------------------- */

/* The cgroup of pid from PROC/PID/cgroup (proc_root NULL = /proc): sets
 * c->dir, kind, has_kill/has_peak, checks memory.max against c->memory
 * and records the parent's oom_kill count. leaf (or NULL): the memory
 * cgroup found must be named so (a systemd scope). what names the box in
 * messages ("scope x.scope", "container x"). */
int ct_extcg_adopt(lg_container *c, pid_t pid, const char *leaf,
                   const char *what, lg_error *err);
/* 1 when a line of PROC/PID/cgroup ends in "/leaf", 0 when not, -errno when
 * the file cannot be read (the process is gone). */
int ct_extcg_pid_in(const char *proc_root, pid_t pid, const char *leaf);
/* Search pid and its descendants (PROC/P/task/P/children, depth 4, at most
 * 64 processes) for one whose cgroup ends in "/leaf": sudo keeps its own
 * pid outside the scope and runs systemd-run below it. 1 with *found set,
 * 0 when none is there yet, -ESRCH when pid itself is gone. */
int ct_extcg_find(const char *proc_root, pid_t pid, const char *leaf,
                  pid_t *found);
/* Fill st from the last read and the parent's memory.events once the
 * external cgroup is gone. */
void ct_extcg_vanished(lg_container *c, lg_container_stats *st);

/* ---- auto.c ------------------------------------------------------------- */
/* 1 with the reason in why when detection found no memory cgroup or no
 * writable place for a run cgroup (the probe's and create's wording), else
 * 0. */
int ct_cgroup_unusable(const lg_cgroup_info *info, char *why, size_t cap);
/* o->probe_timeout_s, or CT_PROBE_S when unset. */
double ct_probe_timeout(const lg_container_opts *o);
/* The probes to use for o: o->probes or the real ones. */
const lg_container_probes *ct_probes(const lg_container_opts *o);
/* The systemd modes to try, in order, into modes[2]; returns how many: as
 * root the system manager, else the user's manager, then sudo. */
int ct_systemd_modes(const lg_container_probes *pr, lg_systemd_mode *modes);

#endif
