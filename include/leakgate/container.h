/* leakgate/container.h - the memory-limited box a service runs in.
 *
 * Backends:
 * - cgroup v2 (memory.max, memory.swap.max, memory.oom.group=1) and
 *   cgroup v1 (memory.limit_in_bytes, then memory.memsw.limit_in_bytes):
 *   leakgate makes the run's cgroup itself;
 * - systemd: the service is started through `systemd-run --scope` with
 *   -p MemoryMax= -p MemorySwapMax= (the user's manager with --user, the
 *   system manager as root, or `sudo -n systemd-run --uid= --gid=`); the
 *   scope's cgroup is found from /proc/PID/cgroup after start;
 * - docker and podman: `run --memory X --memory-swap X --network host` of
 *   container.image (podman also --rootfs DIR); the container's cgroup is
 *   found from its init's /proc/PID/cgroup (`inspect .State.Pid`);
 * - "none": no limit, no OOM detection - said plainly;
 * - "self": leakgate runs inside the box with the service (a container or
 *   pod) and reads the cgroup it is in, read-only: the limit is that
 *   cgroup's own (memory.max / memory.limit_in_bytes), not set; the
 *   service's processes are the descendants of the pid leakgate started.
 * Backend auto tries, in order: a writable cgroup (delegated, or as root),
 * a systemd scope (system manager as root; else the user manager, then
 * sudo -n), leakgate's own cgroup when it has a memory limit (self), and
 * last none with the reasons in lg_container_note(). With
 * container.image or rootfs set, the command names a program inside the
 * image, so auto picks docker, then podman (rootfs: podman only) and
 * fails when neither answers. See docs/backends.md.
 * The run's cgroup is a new leaf "leakgate-<pid>-<n>-<name>" below the
 * cgroup leakgate itself runs in. cgroup v2 forbids processes in a cgroup
 * that enables controllers for its children, so when leakgate's own cgroup
 * holds processes and does not enable memory below it, the leaf is made
 * beside it, in the parent, which does (lg_cgroup_info.strategy "sibling";
 * only in a parent delegated to leakgate: systemd's trusted.delegate or
 * user.delegate xattr, or owned by its non-root user - never merely
 * writable by root). The service joins it between fork and exec
 * (lg_container_child_enter), so it never runs outside. Wrapping backends
 * (systemd, docker, podman) instead rewrite the command
 * (lg_container_wrap) and find their cgroup in lg_container_attach.
 * lg_container_destroy kills every process left in it and removes it: no
 * process and no cgroup of a run survives the run (systemd and the
 * container engine remove the cgroups they made; leakgate removes the
 * container with `rm -f`).
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

/* How the systemd backend reaches a service manager. */
typedef enum lg_systemd_mode {
  LG_SYSTEMD_AUTO = 0, /* root: system; else user, then sudo */
  LG_SYSTEMD_USER,     /* systemd-run --user --scope (the user's manager) */
  LG_SYSTEMD_SYSTEM,   /* systemd-run --scope (as root) */
  LG_SYSTEMD_SUDO      /* sudo -n systemd-run --scope --uid=UID --gid=GID */
} lg_systemd_mode;

typedef struct lg_container_probes lg_container_probes;

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
  /* Added for the wrapping backends (zero = default). */
  lg_systemd_mode systemd_mode;
  double start_timeout_s; /* attach waits this long for the scope or the
                             container: default 30 s for systemd, 300 s for
                             docker/podman (covers an image pull) */
  double probe_timeout_s; /* each probe or engine command; default 10 s */
  /* Test hooks: a directory standing in for /proc (attach reads
   * PROC/PID/cgroup), and auto's probes (NULL = the real ones). Under the
   * cgroupfs_root hook without probes, auto does not try systemd or the
   * engines: their cgroups would be real ones the fake tree cannot show. */
  const char *proc_root;
  const lg_container_probes *probes;
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

/* Backend name as recorded in result.json ("cgroup-v1", "cgroup-v2",
 * "systemd", "docker", "podman", "none", "self-cgroup-v2",
 * "self-cgroup-v1"). */
const char *lg_container_backend(const lg_container *c);

/* The cgroup directory in use, or NULL (backend none, not yet attached). */
const char *lg_container_path(const lg_container *c);

/* Rewrite the service argv for wrapping backends (systemd-run, docker run);
 * *out is a new NULL-terminated argv owned by the container (freed with it),
 * or argv itself for backends that do not wrap. Same as lg_container_wrap
 * without an environment: docker/podman then forward no variables. */
int lg_container_wrap_argv(lg_container *c, char *const *argv,
                           char *const **out, lg_error *err);

/* Rewrite the service's command and environment for wrapping backends.
 * argv[0] should be absolute for systemd (the program is on the host); for
 * docker/podman it is a path inside the image. *argv_out[0] is the absolute
 * path of the wrapper to exec, *envp_out its environment, which passes
 * envp on to the service: systemd-run (scope mode) execs the service with
 * its own environment plus INVOCATION_ID (and, for --user,
 * XDG_RUNTIME_DIR/DBUS_SESSION_BUS_ADDRESS, which it needs to reach the
 * user manager); sudo gets envp as --setenv=; docker/podman get leakgate's
 * environment overlaid with envp and forward exactly envp's names (-e
 * NAME). Both are owned by the container until the next wrap or destroy;
 * backends that do not wrap return argv and envp themselves. */
int lg_container_wrap(lg_container *c, char *const *argv, char *const *envp,
                      char *const **argv_out, char *const **envp_out,
                      lg_error *err);

/* false when the service's program lives inside an image or rootfs
 * (docker, podman) and must not be resolved on the host; true otherwise. */
bool lg_container_host_program(const lg_container *c);

/* The systemd scope unit ("NAME.scope") or container name, or NULL: non-NULL
 * exactly when the backend wraps the command (lg_container_wrap). */
const char *lg_container_unit(const lg_container *c);

/* In the forked child before exec: join the cgroup. Async-signal-safe
 * (open/write/close only); returns 0 or -errno. */
int lg_container_child_enter(const lg_container *c);

/* After the service started: find or confirm its cgroup (wrapping backends
 * locate the scope or container cgroup of pid, waiting up to
 * start_timeout_s, and check the limit was applied: a scope without a
 * memory controller, e.g. a user manager without Delegate=memory, is
 * LG_ECGROUP rather than a silently unlimited run). pid is the process
 * leakgate started (systemd-run, sudo, or the docker/podman client). */
int lg_container_attach(lg_container *c, pid_t pid, lg_error *err);

/* Read memory counters. When a wrapping backend's cgroup is already gone
 * (systemd and the engines remove it when its last process dies, e.g. at
 * an OOM kill), the last values read are returned, with oom_kills raised
 * from the parent cgroup's memory.events (hierarchical on v2) or the
 * engine's State.OOMKilled. */
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
   * enables memory (only when the parent is delegated to leakgate: the
   * trusted.delegate/user.delegate xattr, or owned by its non-root user);
   * "" = nowhere (writable is false). */
  char strategy[16];
  char leaf_parent[1024]; /* absolute directory the leaves are made in */
  char dir[1024];         /* absolute directory of leakgate's own cgroup */
} lg_cgroup_info;

/* Detect the cgroup setup (test hooks as in lg_container_opts). */
int lg_cgroup_detect(const char *cgroupfs_root, const char *proc_self_cgroup,
                     lg_cgroup_info *info, lg_error *err);

/* ---- backend auto and doctor ------------------------------------------ */

/* Probes auto asks, in the documented order; each returns 1 when the
 * backend works here and 0 when not, with the reason in why. Tests pass
 * fakes through lg_container_opts.probes. */
struct lg_container_probes {
  void *ctx;
  bool (*is_root)(void *ctx);
  int (*cgroup)(void *ctx, const lg_container_opts *o, char *why, size_t cap);
  int (*systemd)(void *ctx, const lg_container_opts *o, lg_systemd_mode mode,
                 char *why, size_t cap);
  int (*engine)(void *ctx, const lg_container_opts *o, lg_backend_kind engine,
                char *why, size_t cap);
  /* NULL: auto does not try backend self. */
  int (*self)(void *ctx, const lg_container_opts *o, char *why, size_t cap);
};

/* What backend auto picks for o, and why the earlier ones were passed. */
typedef struct lg_container_choice {
  lg_backend_kind backend; /* CGROUP, SYSTEMD, DOCKER, PODMAN, SELF or NONE */
  lg_systemd_mode systemd_mode; /* for SYSTEMD: USER, SYSTEM or SUDO */
  char why[1536];               /* "step: reason; ..." for every step tried */
} lg_container_choice;

/* Run auto's decision for o (probing lazily, stopping at the first backend
 * that works). NONE is a valid choice (0); with container.image/rootfs set
 * and no engine answering it is LG_ECGROUP. */
int lg_container_choose(const lg_container_opts *o, lg_container_choice *ch,
                        lg_error *err);

/* The real probes (also behind lg_container_choose). cgroup: a writable
 * memory cgroup is detected. systemd: systemd-run starts a scope with
 * MemoryMax=64M in that mode and the scope's memory.max reads 64 MiB (a
 * manager without the memory controller fails here). engine: the docker
 * daemon answers `docker version`, or `podman info` works (rootless podman
 * also needs cgroup v2). Each command is bounded by probe_timeout_s. */
int lg_container_probe_cgroup(const lg_container_opts *o, char *why,
                              size_t cap);
int lg_container_probe_systemd(const lg_container_opts *o,
                               lg_systemd_mode mode, char *why, size_t cap);
int lg_container_probe_engine(const lg_container_opts *o,
                              lg_backend_kind engine, char *why, size_t cap);
/* self: leakgate's own cgroup has the memory controller and a memory
 * limit (a memory-limited container or pod). Reads files only. */
int lg_container_probe_self(const lg_container_opts *o, char *why,
                            size_t cap);

/* ---- doctor: what earlier runs left behind ------------------------------ */

/* A box of a run whose leakgate is gone. */
typedef struct lg_stale {
  char kind[16];  /* "cgroup", "docker", "podman" */
  char name[1024]; /* the cgroup directory, or the container name */
  long pid;       /* the leakgate that made it (no such process now) */
} lg_stale;

/* Leftovers named after a leakgate pid that no process has any more:
 * cgroups "leakgate-<pid>-..." in every mounted memory hierarchy, and
 * docker/podman containers "leakgate-<pid>-..." (each engine asked within
 * o->probe_timeout_s; one not answering lists nothing). Up to cap into out;
 * returns how many there are (may exceed cap). */
size_t lg_container_stale(const lg_container_opts *o, lg_stale *out,
                          size_t cap);

/* ---- doctor: can an engine run a limited container here? -------------- */

typedef struct lg_engine_check {
  bool found;       /* the client is in PATH (tool) */
  bool answers;     /* the daemon answers (docker version, podman info) */
  bool runs;        /* a 64 MiB container ran and showed that limit */
  char tool[1024];  /* absolute path of the client */
  char answer[600]; /* the daemon probe's words (version, or why not) */
  char run[1100];   /* what the 64 MiB container showed, or why it failed */
  char fix[700];    /* what to do about the first failure; "" when none is
                       known or nothing failed */
  uint64_t limit;   /* the limit read back from inside, bytes (0: none) */
} lg_engine_check;

/* Doctor's check of engine (DOCKER or PODMAN): found, answers, and a
 * container limited to 64 MiB runs the way a service would (--init, the
 * host network) and reads its cgroup limit back from inside. The image is
 * made from this machine's /bin/sh and the libraries ldd names (docker:
 * imported and removed again; podman: --rootfs), so no registry is needed.
 * Every command is bounded by o->probe_timeout_s. Returns 0: the answers
 * are in *ck. */
int lg_container_check_engine(const lg_container_opts *o,
                              lg_backend_kind engine, lg_engine_check *ck);

/* "user", "system", "sudo" or "auto". */
const char *lg_systemd_mode_name(lg_systemd_mode m);

#endif
