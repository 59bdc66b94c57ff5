/* cli/cmd_doctor.c - `leakgate doctor`: can this machine run a scenario with
 * a memory limit, and with which backend? Each check prints ok/warn/FAIL
 * (or "--" for something only some scenarios need) and, for problems, a
 * "fix:" line saying what to do. Checks test the real thing rather than
 * guess from files: the cgroup check creates and removes a limited cgroup,
 * the systemd checks start a scope with MemoryMax=64M and read its limit
 * back, the engine checks ask the daemon; every command has a timeout.
 * The last line is what `backend: auto` would choose here, decided by the
 * library's own rule (lg_container_choose) over the answers above. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char doctor_usage[] =
    "usage: leakgate doctor [--timeout SECONDS]\n"
    "\n"
    "Check what leakgate needs here and say what to do about what is missing:\n"
    "  cgroup     version, memory controller, write access (a real cgroup "
    "with\n"
    "             a 64 MiB limit is created and removed), swap accounting\n"
    "  systemd    the user manager (systemd-run --user --scope), the system\n"
    "             manager as root, sudo -n systemd-run: each starts a scope\n"
    "             with MemoryMax=64M and reads the limit back\n"
    "  docker     found, daemon answering (docker version), and a container\n"
    "             limited to 64 MiB runs (--init, host network) and reads\n"
    "             its limit back; an image is made from this machine's\n"
    "             /bin/sh, no registry needed\n"
    "  podman     the same (podman info; --rootfs instead of an image)\n"
    "  self       leakgate's own cgroup and its memory limit (leakgate "
    "inside\n"
    "             a memory-limited container: backend self)\n"
    "  stale      cgroups and containers named leakgate-PID-... whose\n"
    "             leakgate is gone (a run killed with its watchdog)\n"
    "  valgrind   installed, and its version (Memcheck/Massif tiers only)\n"
    "  ptrace     yama restrictions (vgdb snapshots)\n"
    "  auto       the backend `container.backend: auto` picks here\n"
    "\n"
    "  --timeout SECONDS  bound for each probe command (default 10)\n"
    "\n"
    "exit: 0 when a scenario can run with a memory limit here, 4 otherwise\n";

typedef struct doctor {
  bool color;
  double timeout;
  /* answers, reused by the auto line */
  bool cgroup, root;
  int systemd[4]; /* by lg_systemd_mode: 1 ok, 0 not, -1 not asked */
  char systemd_why[4][1100];
  int engine[2]; /* docker, podman */
  char engine_why[2][1100];
  int self; /* backend self: leakgate's own cgroup has a limit */
  char self_why[1100];
  char cgroup_why[1100];
} doctor;

static void line(doctor *d, const char *status, const char *what,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void line(doctor *d, const char *status, const char *what,
                 const char *fmt, ...) {
  va_list ap;
  const char *col = "";
  if (d->color && status[0])
    col = strcmp(status, "ok") == 0     ? "\033[32m"
          : strcmp(status, "warn") == 0 ? "\033[33m"
          : strcmp(status, "--") == 0   ? "\033[2m"
                                        : "\033[31m";
  printf("%s%-4s%s  %-9s ", col, status, d->color && status[0] ? "\033[0m" : "",
         what);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static void fix(doctor *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fix(doctor *d, const char *fmt, ...) {
  va_list ap;
  (void)d;
  printf("                fix: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static bool in_path(const char *prog) {
  const char *path = getenv("PATH");
  char *copy, *dir, *save = NULL, found[4096];
  bool ok = false;
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  copy = strdup(path);
  if (!copy)
    return false;
  for (dir = strtok_r(copy, ":", &save); dir && !ok;
       dir = strtok_r(NULL, ":", &save)) {
    snprintf(found, sizeof found, "%s/%s", dir, prog);
    ok = access(found, X_OK) == 0;
  }
  free(copy);
  return ok;
}

static void opts_init(doctor *d, lg_container_opts *co) {
  memset(co, 0, sizeof *co);
  co->memory_bytes = 64u << 20;
  co->name = "doctor";
  co->probe_timeout_s = d->timeout;
}

static void check_cgroup(doctor *d) {
  lg_cgroup_info info;
  lg_container_opts co;
  lg_container *c = NULL;
  lg_container_stats st;
  lg_error err;

  lg_error_clear(&err);
  if (lg_cgroup_detect(NULL, NULL, &info, &err) != 0 || info.version == 0) {
    snprintf(d->cgroup_why, sizeof d->cgroup_why, "%s",
             err.msg[0] ? err.msg : "no memory controller for this process");
    line(d, "warn", "cgroup", "no memory cgroup: %s", d->cgroup_why);
    fix(d, "mount cgroup2 with the memory controller (or v1 memory), or use "
           "the systemd backend below");
    return;
  }
  line(d, "ok", "cgroup", "v%d memory hierarchy at %s, leakgate in %s",
       info.version, info.mount, info.self[0] ? info.self : "/");
  opts_init(d, &co);
  co.backend = LG_BACKEND_CGROUP;
  if (lg_container_create(&co, &c, &err) != 0) {
    snprintf(d->cgroup_why, sizeof d->cgroup_why, "%s", err.msg);
    line(d, "warn", "limit", "cannot create a limited cgroup: %s", err.msg);
    if (d->root)
      fix(d, "the cgroup tree is read-only here (a container?): run with a "
             "writable /sys/fs/cgroup, or use the systemd backend");
    else
      fix(d, "use backend systemd (user scope, below), run as root, or run "
             "leakgate in a delegated cgroup (systemd-run --user --scope "
             "-p Delegate=yes leakgate ...)");
    return;
  }
  if (lg_container_read(c, &st, &err) == 0)
    line(d, "ok", "limit", "created %s with a %.0f MiB limit and removed it",
         lg_container_path(c) ? lg_container_path(c) : "a cgroup",
         st.limit_bytes / 1048576.0);
  else
    line(d, "warn", "limit", "created a cgroup but cannot read it: %s",
         err.msg);
  if (lg_container_destroy(c, &err) != 0) {
    line(d, "FAIL", "cleanup", "cannot remove the test cgroup: %s", err.msg);
    fix(d, "remove it by hand (rmdir) and check nothing else writes there");
    return;
  }
  d->cgroup = true;
  if (info.swap_accounting) {
    line(d, "ok", "swap", "swap accounting on: swap is limited to 0");
  } else {
    line(d, "warn", "swap",
         "no swap accounting: a service may swap instead of being OOM-killed");
    fix(d, "%s",
        info.version == 1
            ? "boot with swapaccount=1, or disable swap (swapoff -a)"
            : "disable swap on the runner (swapoff -a)");
  }
}

static void check_systemd_mode(doctor *d, lg_systemd_mode m,
                               const char *label) {
  lg_container_opts co;
  char *why = d->systemd_why[m];
  opts_init(d, &co);
  d->systemd[m] = lg_container_probe_systemd(&co, m, why, 1100);
  line(d, d->systemd[m] ? "ok" : (d->cgroup ? "--" : "warn"), "systemd",
       "%s: %s", label, why);
  if (d->systemd[m] || d->cgroup)
    return;
  if (m == LG_SYSTEMD_USER)
    fix(d,
        "`loginctl enable-linger %s` and XDG_RUNTIME_DIR=/run/user/%u for "
        "a user manager; on cgroup v2 with memory not delegated, add "
        "/etc/systemd/system/user@.service.d/delegate.conf with "
        "[Service] Delegate=cpu cpuset io memory pids (docs/backends.md)",
        getenv("USER") ? getenv("USER") : "$USER", (unsigned)getuid());
  else if (m == LG_SYSTEMD_SUDO)
    fix(d, "allow passwordless sudo for systemd-run (GitHub-hosted runners "
           "have it)");
  else
    fix(d, "systemd must be PID 1 for the system manager (not in most "
           "containers): use a cgroup or docker instead");
}

static void check_systemd(doctor *d) {
  struct stat st;
  if (!in_path("systemd-run")) {
    line(d, d->cgroup ? "--" : "warn", "systemd",
         "systemd-run not found (backend systemd unavailable)");
    d->systemd[LG_SYSTEMD_USER] = d->systemd[LG_SYSTEMD_SYSTEM] =
        d->systemd[LG_SYSTEMD_SUDO] = 0;
    return;
  }
  if (stat("/run/systemd/system", &st) != 0)
    line(d, "--", "systemd", "systemd is not the init system here");
  if (d->root) {
    check_systemd_mode(d, LG_SYSTEMD_SYSTEM, "system scope (root)");
  } else {
    check_systemd_mode(d, LG_SYSTEMD_USER, "user scope");
    check_systemd_mode(d, LG_SYSTEMD_SUDO, "sudo -n systemd-run");
  }
}

/* Found, daemon answering, and a 64 MiB container run with its limit read
 * back (lg_container_check_engine), each failure with its fix. */
static void check_engine(doctor *d, lg_backend_kind e) {
  const char *name = e == LG_BACKEND_DOCKER ? "docker" : "podman";
  int i = e == LG_BACKEND_DOCKER ? 0 : 1;
  lg_container_opts co;
  lg_engine_check ck;
  opts_init(d, &co);
  lg_container_check_engine(&co, e, &ck);
  snprintf(d->engine_why[i], sizeof d->engine_why[i], "%s", ck.answer);
  d->engine[i] = ck.answers && ck.runs;
  if (!ck.found) {
    line(d, "--", name,
         "not installed (needed only for scenarios with container.image)");
    fix(d, "%s", ck.fix);
    return;
  }
  line(d, "ok", name, "found: %s", ck.tool);
  line(d, ck.answers ? "ok" : "--", name, "%s", ck.answer);
  if (!ck.answers) {
    fix(d, "%s; needed only for scenarios with container.image", ck.fix);
    return;
  }
  line(d, ck.runs ? "ok" : "warn", name, "%s", ck.run);
  if (!ck.runs) {
    snprintf(d->engine_why[i], sizeof d->engine_why[i], "%s", ck.run);
    if (ck.fix[0])
      fix(d, "%s", ck.fix);
    else
      fix(d,
          "no known fix for this message: run the same `%s run` by "
          "hand and see docs/backends.md",
          name);
  }
}

/* Backend self: leakgate inside a memory-limited container or pod. */
static void check_self(doctor *d) {
  lg_container_opts co;
  opts_init(d, &co);
  d->self = lg_container_probe_self(&co, d->self_why, sizeof d->self_why);
  line(d, d->self ? "ok" : "--", "self", "%s%s", d->self_why,
       d->self ? " (backend self measures it read-only)"
               : " (backend self is for leakgate inside a memory-limited "
                 "container)");
}

/* What earlier runs left behind: a run killed together with its watchdog
 * (or an engine restarted under it) leaves a cgroup or container that no
 * leakgate will remove. A warning, with the command that removes each. */
static void check_stale(doctor *d) {
  lg_container_opts co;
  lg_stale st[16];
  size_t n, i;
  opts_init(d, &co);
  n = lg_container_stale(&co, st, 16);
  if (n == 0) {
    line(d, "ok", "stale", "no cgroup or container left by an earlier run");
    return;
  }
  line(d, "warn", "stale", "%zu left by runs whose leakgate is gone:", n);
  for (i = 0; i < n && i < 16; i++) {
    printf("                %s %s (leakgate pid %ld)\n", st[i].kind, st[i].name,
           st[i].pid);
    if (strcmp(st[i].kind, "cgroup") == 0)
      fix(d, "kill -9 $(cat %s/cgroup.procs); rmdir %s", st[i].name,
          st[i].name);
    else
      fix(d, "%s rm -f %s", st[i].kind, st[i].name);
  }
}

static void check_valgrind(doctor *d) {
  char path[1024], version[128];
  lg_error err;
  lg_error_clear(&err);
  if (lg_valgrind_find(path, sizeof path, version, sizeof version, &err) != 0) {
    line(d, "--", "valgrind", "%s (needed only for valgrind.memcheck/massif)",
         err.msg);
    fix(d, "apt-get install valgrind");
    return;
  }
  line(d, "ok", "valgrind", "%s (%s)", version, path);
}

static void check_ptrace(doctor *d) {
  char buf[16] = "";
  FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
  int scope = 0;
  if (f) {
    if (fgets(buf, sizeof buf, f))
      scope = (int)strtol(buf, NULL, 10); /* a single digit 0-3 */
    fclose(f);
  }
  if (scope >= 2) {
    line(d, "warn", "ptrace",
         "yama ptrace_scope=%d: vgdb cannot take Massif snapshots on demand; "
         "leakgate falls back to --detailed-freq",
         scope);
    fix(d, "sudo sysctl kernel.yama.ptrace_scope=1 (optional)");
  } else {
    line(d, "ok", "ptrace", "ptrace_scope=%d: vgdb snapshots work", scope);
  }
}

/* Probes answering from what the checks above found, so the auto line is
 * the library's own decision without probing twice. */
static bool d_root(void *ctx) {
  return ((doctor *)ctx)->root;
}
static int d_cgroup(void *ctx, const lg_container_opts *o, char *why,
                    size_t cap) {
  doctor *d = ctx;
  (void)o;
  snprintf(why, cap, "%s", d->cgroup ? "ok" : d->cgroup_why);
  return d->cgroup;
}
static int d_systemd(void *ctx, const lg_container_opts *o, lg_systemd_mode m,
                     char *why, size_t cap) {
  doctor *d = ctx;
  (void)o;
  snprintf(why, cap, "%s", d->systemd_why[m]);
  return d->systemd[m] == 1;
}
static int d_self(void *ctx, const lg_container_opts *o, char *why,
                  size_t cap) {
  doctor *d = ctx;
  (void)o;
  snprintf(why, cap, "%s", d->self_why);
  return d->self == 1;
}
static int d_engine(void *ctx, const lg_container_opts *o, lg_backend_kind e,
                    char *why, size_t cap) {
  doctor *d = ctx;
  int i = e == LG_BACKEND_DOCKER ? 0 : 1;
  (void)o;
  snprintf(why, cap, "%s", d->engine_why[i]);
  return d->engine[i] == 1;
}

static bool check_auto(doctor *d) {
  lg_container_probes pr = {d, d_root, d_cgroup, d_systemd, d_engine, d_self};
  lg_container_opts co;
  lg_container_choice ch;
  lg_error err;
  bool engine = d->engine[0] == 1 || d->engine[1] == 1;
  opts_init(d, &co);
  co.backend = LG_BACKEND_AUTO;
  co.probes = &pr;
  lg_error_clear(&err);
  if (lg_container_choose(&co, &ch, &err) != 0) {
    line(d, "FAIL", "auto", "%s", err.msg);
    return false;
  }
  if (ch.backend == LG_BACKEND_NONE) {
    line(d, engine ? "warn" : "FAIL", "auto",
         "backend auto falls back to none (no memory limit) for scenarios "
         "without container.image%s",
         engine ? "; scenarios with container.image run in a container" : "");
    return engine;
  }
  if (ch.backend == LG_BACKEND_SYSTEMD)
    line(d, "ok", "auto", "backend auto picks systemd (%s scope)",
         lg_systemd_mode_name(ch.systemd_mode));
  else
    line(d, "ok", "auto", "backend auto picks %s", lg_backend_name(ch.backend));
  if (engine)
    line(d, "ok", "auto", "scenarios with container.image run in %s",
         d->engine[0] == 1 ? "docker" : "podman");
  return true;
}

int cmd_doctor(int argc, char **argv) {
  static const struct option longopts[] = {
      {"timeout", required_argument, 0, 't'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  doctor d;
  int c;
  char *end;
  memset(&d, 0, sizeof d);
  d.timeout = 10;
  optind = 1;
  while ((c = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
    switch (c) {
    case 't':
      d.timeout = strtod(optarg, &end);
      if (end == optarg || *end || !(d.timeout > 0 && d.timeout <= 600)) {
        cli_errorf("--timeout needs seconds in (0, 600], got '%s'", optarg);
        return LG_EXIT_USAGE;
      }
      break;
    case 'h':
      fputs(doctor_usage, stdout);
      return LG_EXIT_PASS;
    default:
      cli_bad_option(doctor_usage, longopts, "t:h", argv);
      return LG_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_errorf("doctor takes no arguments, got '%s'", argv[optind]);
    fputs(doctor_usage, stderr);
    return LG_EXIT_USAGE;
  }
  d.color = cli_color(1);
  d.root = geteuid() == 0;
  d.systemd[0] = d.systemd[1] = d.systemd[2] = d.systemd[3] = -1;
  printf("leakgate %s doctor (%s)\n", lg_version(),
         d.root ? "root" : "not root");
  fflush(stdout);
  check_cgroup(&d);
  fflush(stdout);
  check_systemd(&d);
  fflush(stdout);
  check_engine(&d, LG_BACKEND_DOCKER);
  check_engine(&d, LG_BACKEND_PODMAN);
  check_self(&d);
  check_stale(&d);
  check_valgrind(&d);
  check_ptrace(&d);
  if (!check_auto(&d)) {
    printf("\nleakgate cannot run scenarios with a memory limit here: see the "
           "fix: lines above (docs/backends.md).\n");
    return LG_EXIT_ERROR;
  }
  printf("\nleakgate can run scenarios with a memory limit here.\n");
  return LG_EXIT_PASS;
}
