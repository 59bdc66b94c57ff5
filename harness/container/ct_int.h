/* container/ct_int.h - internal: the lg_container object, the backend ops
 * table (ct_ops) and the helpers the container module's files share:
 * container.c the dispatcher, one table per backend (cgroup.c: cgroup-v2
 * and cgroup-v1; none.c; systemd.c; oci.c: docker and podman; self.c:
 * leakgate's own cgroup, v2 and v1), extcg.c the
 * wrapping backends' cgroup lookup, auto.c backend auto's choice among the
 * tables, reaper.c the watchdog, cmd.c small text helpers.
 *
 * The wrapping backends split into pure argv builders (lg__ct_systemd_argv,
 * lg__ct_oci_argv: tested for the exact command line) and the parts that talk
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

/* Defaults of the timeouts in lg_container_opts. */
#define CT_SYSTEMD_START_S 30.0
#define CT_ENGINE_START_S 300.0
#define CT_PROBE_S 10.0
/* Bounded commands during teardown (docker kill / rm -f). */
#define CT_TEARDOWN_S 20.0
/* Output kept from a helper command (for messages and inspect). */
#define CT_OUT_CAP 4096

/* The files of one cgroup version that reading, killing and the limit
 * check use: the version is a property of the cgroup read, not of the
 * backend (a systemd scope or a container may sit on v1 or v2). */
typedef struct ct_cgv {
  int version;
  const char *usage;   /* memory.current / memory.usage_in_bytes */
  const char *peak;    /* memory.peak / memory.max_usage_in_bytes */
  const char *limit;   /* memory.max / memory.limit_in_bytes */
  const char *events;  /* memory.events / memory.oom_control: oom_kill */
  const char *anon[2]; /* memory.stat keys, tried in order (NULL ends) */
  const char *file[2];
  const char *swap_max;     /* v2 memory.swap.max, NULL on v1 */
  const char *kill;         /* v2 cgroup.kill, NULL on v1 */
  bool hierarchical_events; /* the parent's events count its children's */
} ct_cgv;
extern const ct_cgv lg__ct_cgv1, lg__ct_cgv2;

typedef struct ct_ops ct_ops;

/* The box. The part every backend shares is the cgroup read, killed and
 * (for the cgroup backends) made; what is a backend's own lives in state,
 * a struct of ops->state_size bytes that only that backend's file knows. */
struct lg_container {
  const ct_ops *ops;
  void *state;
  const ct_cgv *cgv; /* the cgroup's version, NULL while there is none */
  char *dir;         /* the cgroup, NULL for none or before attach */
  char *procs_path;  /* dir/cgroup.procs, made before fork for child_enter */
  bool fake;         /* under the cgroupfs_root test hook */
  bool has_kill;     /* v2 cgroup.kill (and writable for external ones) */
  bool has_peak;     /* memory.peak / memory.max_usage_in_bytes */
  uint64_t limit;    /* 0 = none */
  char note[1536];
  char *cg_root, *proc_root; /* copies of the test hooks, NULL = real */
  double start_timeout_s;
  double probe_timeout_s;
  char **argv_out, **envp_out; /* from the last wrap */
  /* The last counters read, and whether the cgroup has gone (a wrapping
   * backend's manager removes it with the last process). */
  lg_container_stats last;
  bool have_last;
  bool gone;
};

/* What lg_container_create decided before making anything: the table and
 * what choosing it found out. */
typedef struct ct_plan {
  const ct_ops *ops;
  bool probed;                  /* the backend's probe already said yes */
  lg_systemd_mode systemd_mode; /* systemd: the mode to use (never AUTO) */
  lg_cgroup_info info;          /* cgroup tables: the detection */
  char note[1536];              /* becomes lg_container_note() */
} ct_plan;

/* One backend, as curl's Curl_handler is one protocol: the dispatcher
 * (container.c) calls these and never asks which backend it holds. A NULL
 * hook means the backend has nothing to do at that step. */
struct ct_ops {
  const char *name;       /* result.json container.backend */
  size_t state_size;      /* bytes of c->state (0: none) */
  bool host_program;      /* the service's program is on this host */
  double start_timeout_s; /* attach's default wait */
  /* Make the box (c->state is zeroed). On failure leave nothing on the
   * system; release still runs. */
  int (*create)(lg_container *c, const lg_container_opts *o, const ct_plan *p,
                lg_error *err);
  /* In the service's child between fork and exec, after joining
   * c->procs_path (when set). Async-signal-safe; 0 or -errno. */
  int (*child_enter)(const lg_container *c);
  /* The wrapped command and its environment into av and ev. NULL: the
   * service runs as given and joins c->procs_path before exec. */
  int (*wrap)(lg_container *c, char *const *argv, char *const *envp,
              lg_strv *av, lg_strv *ev, lg_error *err);
  /* Find the box of the started pid (the wrapper's). */
  int (*attach)(lg_container *c, pid_t pid, lg_error *err);
  /* The service's processes in the cgroup, as lg__cg_pids lists them
   * (0 or -errno; *n may exceed cap). NULL: every process in c->dir. */
  int (*pids)(lg_container *c, pid_t *pids, size_t cap, size_t *n);
  /* Before the cgroup's processes are killed: what only the backend can
   * reach (an engine's processes in another user namespace). */
  void (*kill)(lg_container *c);
  /* The cgroup has gone by itself; fill st with what is still known.
   * first: just noticed. NULL: a missing cgroup is an error. */
  void (*gone)(lg_container *c, lg_container_stats *st, bool first);
  /* Kill what is left and take the box down (not freeing). */
  int (*destroy)(lg_container *c, lg_error *err);
  /* Free what state holds (also after a failed create). */
  void (*release)(lg_container *c);
  /* The scope or container name, NULL when the command is not wrapped. */
  const char *(*unit)(const lg_container *c);
};

/* The tables: cgroup.c, none.c, systemd.c, oci.c, self.c. */
extern const ct_ops lg__ct_cgroup_v2_ops, lg__ct_cgroup_v1_ops, lg__ct_none_ops,
    lg__ct_systemd_ops, lg__ct_docker_ops, lg__ct_podman_ops,
    lg__ct_self_v2_ops, lg__ct_self_v1_ops;

/* State a backend keeps for a cgroup someone else made (systemd, an
 * engine): what was asked, and the parent's oom_kill count at attach for
 * attributing a kill once the cgroup is gone. */
typedef struct ct_ext {
  uint64_t memory, swap;
  char *parent_dir;
  int64_t parent_oom0; /* -1 = unreadable */
} ct_ext;

/* The watchdog (reaper.c) of a cgroup this module made; pid 0 = none. */
typedef struct ct_reaper {
  int fd;
  pid_t pid;
} ct_reaper;

/* ---- container.c: the dispatcher ------------------------------------- */

/* The table for backend kind into p (zeroed by the caller). chosen: auto
 * picked kind with these answers (its probe already said yes; none then
 * carries auto's reasons as the note); NULL: the scenario asked for it. */
int lg__ct_plan_backend(const lg_container_opts *o, lg_backend_kind kind,
                        const lg_container_choice *chosen, ct_plan *p,
                        lg_error *err);

/* o->probe_timeout_s, or CT_PROBE_S when unset. */
double lg__ct_probe_timeout(const lg_container_opts *o);
/* The probes to use for o: o->probes or the real ones (each backend's
 * lg_container_probe_*). */
const lg_container_probes *lg__ct_probes(const lg_container_opts *o);

/* ---- cgroup.c: the cgroup-v2 and cgroup-v1 tables --------------------- */

/* 1 with the reason in why when detection found no memory cgroup or no
 * writable place for a run cgroup (the probe's and create's wording), else
 * 0. */
int lg__ct_cgroup_unusable(const lg_cgroup_info *info, char *why, size_t cap);
/* Detect the cgroup and pick the v2 or v1 table into p. from_auto: an
 * unusable cgroup makes the none table with the reason in p->note rather
 * than an error. */
int lg__ct_cgroup_plan(const lg_container_opts *o, bool from_auto, ct_plan *p,
                       lg_error *err);
/* Kill every process in the leaf this module made and remove it (with any
 * child cgroup below), retrying while v1 answers EBUSY. */
int lg__ct_remove_leaf(lg_container *c, lg_error *err);

/* ---- self.c: leakgate inside the box it measures ---------------------- */

/* Detect leakgate's own cgroup and pick the self-cgroup-v2 or -v1 table. */
int lg__ct_self_plan(const lg_container_opts *o, ct_plan *p, lg_error *err);

/* ---- auto.c ------------------------------------------------------------- */

/* Backend auto's table for o (lg_container_choose, then the chosen
 * backend's plan). */
int lg__ct_auto_plan(const lg_container_opts *o, ct_plan *p, lg_error *err);
/* Backend systemd with mode AUTO: the first mode whose probe works, else
 * an error naming every mode's reason. */
int lg__ct_systemd_resolve(const lg_container_opts *o, lg_systemd_mode *mode,
                           lg_error *err);

/* ---- reaper.c: the watchdog that outlives a killed leakgate ------------ */

/* What the watchdog does when leakgate is gone: take c's box down and
 * describe it in msg ("removed docker container x"); 0 when done. */
typedef int (*ct_orphan_fn)(lg_container *c, char *msg, size_t cap);
/* Fork the watchdog for c's box (outside the cgroup; call before any
 * process joins it or any container starts). */
int lg__ct_reaper_start(lg_container *c, ct_reaper *r, ct_orphan_fn orphan,
                        lg_error *err);
/* removed: leakgate took the box down itself and the watchdog just exits;
 * otherwise the watchdog tries. Waits for it. No-op without a watchdog. */
void lg__ct_reaper_stop(ct_reaper *r, bool removed);

/* Argv builders: append to the lg_strv `out` in scope, storing the code in
 * `rc` and jumping to the function's `fail:` label on error. */
#define CT_PUSH(s)                                                             \
  do {                                                                         \
    if ((rc = lg__strv_push(out, (s))))                                        \
      goto fail;                                                               \
  } while (0)
#define CT_PUSHF(...)                                                          \
  do {                                                                         \
    if ((rc = lg__strv_pushf(out, __VA_ARGS__)))                               \
      goto fail;                                                               \
  } while (0)

/* ---- cmd.c: small text helpers ---------------------------------------- */

/* "NAME" of "NAME=VALUE" compares equal to name. */
bool lg__ct_env_is(const char *entry, const char *name);

/* Finding tools and running them: lg__which, lg__run_capture (core/proc.h). */

/* `TOOL ARGS...` (at most CT_TOOL_ARGS_MAX, NULL-terminated) within
 * timeout_s, its output (or why it did not run) in out; 0 when it exited
 * 0, else -1. */
#define CT_TOOL_ARGS_MAX 24
int lg__ct_tool_run(const char *tool, char *const *args, double timeout_s,
                    char *out, size_t cap);

/* Append printf-formatted text to the NUL-terminated buf of size cap (cut
 * at cap); lg__ct_setf empties buf first. vsnprintf keeps gcc's truncation
 * checker quiet where snprintf of fixed-size fields would warn. */
void lg__ct_appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lg__ct_setf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The first line of a command's output, cut at 300 bytes, into buf. */
const char *lg__ct_first_line(const char *out, char *buf, size_t cap);
/* The last non-empty line, likewise (an engine's error follows its
 * progress lines). */
const char *lg__ct_last_line(const char *out, char *buf, size_t cap);

/* name with every byte outside [A-Za-z0-9_.-] made '_', cut at 64 bytes
 * (and at cap), "run" when empty or NULL: safe in a cgroup, unit or
 * container name. */
void lg__ct_clean_name(char *out, size_t cap, const char *name);

/* Unique name "leakgate-<pid>-<hex>-<name>" (name as lg__ct_clean_name makes
 * it): usable as a systemd unit and container name. */
char *lg__ct_unique_name(const char *name);

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
int lg__ct_systemd_argv(const ct_systemd_params *p, char *const *argv,
                        char *const *envp, lg_strv *out, lg_error *err);
/* The wrapper's environment: envp plus, for USER, the variables
 * systemd-run needs to reach the user manager. */
int lg__ct_systemd_env(lg_systemd_mode mode, char *const *envp, lg_strv *out,
                       lg_error *err);

/* ---- oci.c: docker and podman ------------------------------------------ */
typedef struct ct_oci_params {
  lg_backend_kind engine; /* DOCKER or PODMAN */
  const char *tool;       /* absolute */
  const char *name;       /* container name */
  const char *image;      /* NULL when rootfs */
  const char *rootfs;     /* podman */
  uint64_t memory, swap;  /* memory 0 = no --memory */
} ct_oci_params;

int lg__ct_oci_argv(const ct_oci_params *p, char *const *argv,
                    char *const *envp, lg_strv *out, lg_error *err);
/* leakgate's environment overlaid with envp (envp wins). */
int lg__ct_oci_env(char *const *envp, lg_strv *out, lg_error *err);

/* ---- extcg.c: the cgroup of a wrapped service --------------------------- */

/* The cgroup of pid from PROC/PID/cgroup (proc_root NULL = /proc): sets
 * c->dir, cgv, has_kill/has_peak, checks the limit against x->memory and
 * records the parent's oom_kill count in x. leaf (or NULL): the memory
 * cgroup found must be named so (a systemd scope). what names the box in
 * messages ("scope x.scope", "container x"). */
int lg__ct_extcg_adopt(lg_container *c, ct_ext *x, pid_t pid, const char *leaf,
                       const char *what, lg_error *err);
/* 1 when a line of PROC/PID/cgroup ends in "/leaf", 0 when not, -errno when
 * the file cannot be read (the process is gone). */
int lg__ct_extcg_pid_in(const char *proc_root, pid_t pid, const char *leaf);
/* Search pid and its descendants (PROC/P/task/P/children, depth 4, at most
 * 64 processes) for one whose cgroup ends in "/leaf": sudo keeps its own
 * pid outside the scope and runs systemd-run below it. 1 with *found set,
 * 0 when none is there yet, -ESRCH when pid itself is gone. */
int lg__ct_extcg_find(const char *proc_root, pid_t pid, const char *leaf,
                      pid_t *found);
/* Fill st from the last read and the parent's memory.events once the
 * external cgroup is gone. */
void lg__ct_extcg_vanished(lg_container *c, ct_ext *x, lg_container_stats *st);
/* After the first lg__ct_extcg_vanished (and any raise of st by the backend):
 * keep st as the last counters, and stop counting the parent's kills
 * (they are in st now). */
void lg__ct_extcg_settle(lg_container *c, ct_ext *x,
                         const lg_container_stats *st);
/* Free x's strings. */
void lg__ct_ext_release(ct_ext *x);

#endif
