/* cli/cmd_doctor.c - `leakgate doctor`: can this machine run a scenario with
 * a memory limit? Each check prints ok/warn/FAIL and, for problems, what to
 * do. The cgroup check creates and removes a real limited container rather
 * than guessing from files. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char doctor_usage[] =
    "usage: leakgate doctor\n"
    "\n"
    "Check what leakgate needs here: the cgroup version and the memory\n"
    "controller, write access (a real container is created and removed), swap\n"
    "accounting, valgrind and its version, ptrace restrictions (vgdb), the\n"
    "systemd user manager, docker/podman. Prints what works and what to do\n"
    "about what does not.\n"
    "\n"
    "exit: 0 when a scenario can run with a memory limit here, 4 otherwise\n";

typedef struct doctor {
  bool color;
  int fails;
} doctor;

static void line(doctor *d, const char *status, const char *what,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void line(doctor *d, const char *status, const char *what,
                 const char *fmt, ...) {
  va_list ap;
  const char *col = "";
  if (d->color)
    col = strcmp(status, "ok") == 0     ? "\033[32m"
          : strcmp(status, "warn") == 0 ? "\033[33m"
                                        : "\033[31m";
  printf("%s%-4s%s  %-10s ", col, status, d->color ? "\033[0m" : "", what);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static bool in_path(const char *prog, char *found, size_t cap) {
  const char *path = getenv("PATH");
  char *copy, *dir, *save = NULL;
  bool ok = false;
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  copy = strdup(path);
  if (!copy)
    return false;
  for (dir = strtok_r(copy, ":", &save); dir && !ok;
       dir = strtok_r(NULL, ":", &save)) {
    snprintf(found, cap, "%s/%s", dir, prog);
    ok = access(found, X_OK) == 0;
  }
  free(copy);
  return ok;
}

static void check_cgroup(doctor *d) {
  lg_cgroup_info info;
  lg_container_opts co;
  lg_container *c = NULL;
  lg_container_stats st;
  lg_error err;

  lg_error_clear(&err);
  if (lg_cgroup_detect(NULL, NULL, &info, &err) != 0 || info.version == 0) {
    line(d, "FAIL", "cgroup", "no memory controller found: %s",
         err.msg[0] ? err.msg : "neither cgroup v2 with memory nor v1 memory");
    line(d, "", "", "fix: mount cgroup2 with the memory controller, or use "
                    "container.backend: none (no limit, no OOM detection)");
    d->fails++;
    return;
  }
  line(d, "ok", "cgroup", "v%d memory hierarchy at %s, leakgate in %s",
       info.version, info.mount, info.self[0] ? info.self : "/");
  memset(&co, 0, sizeof co);
  co.backend = LG_BACKEND_CGROUP;
  co.memory_bytes = 64u << 20;
  co.name = "doctor";
  if (lg_container_create(&co, &c, &err) != 0) {
    line(d, "FAIL", "limit", "cannot create a limited cgroup: %s", err.msg);
    line(d, "", "", "fix: run as root, or delegate a cgroup subtree to this "
                    "user (systemd: Delegate=memory), or use the systemd backend");
    d->fails++;
    return;
  }
  if (lg_container_read(c, &st, &err) == 0)
    line(d, "ok", "limit", "created %s with a %.0f MiB limit and removed it",
         lg_container_path(c) ? lg_container_path(c) : "a cgroup",
         st.limit_bytes / 1048576.0);
  else
    line(d, "warn", "limit", "created a cgroup but cannot read it: %s", err.msg);
  if (lg_container_destroy(c, &err) != 0) {
    line(d, "FAIL", "cleanup", "cannot remove the test cgroup: %s", err.msg);
    d->fails++;
  }
  if (info.swap_accounting)
    line(d, "ok", "swap", "swap accounting on: swap is limited to 0");
  else
    line(d, "warn", "swap", "no swap accounting: a service may swap instead of "
                            "being OOM-killed; disable swap on the runner");
}

static void check_valgrind(doctor *d) {
  char path[1024], version[128];
  lg_error err;
  lg_error_clear(&err);
  if (lg_valgrind_find(path, sizeof path, version, sizeof version, &err) != 0) {
    line(d, "warn", "valgrind", "%s (needed only for valgrind.memcheck/massif)",
         err.msg);
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
      scope = atoi(buf);
    fclose(f);
  }
  if (scope >= 2)
    line(d, "warn", "ptrace", "yama ptrace_scope=%d: vgdb cannot take Massif "
                              "snapshots on demand; leakgate falls back to "
                              "--detailed-freq", scope);
  else
    line(d, "ok", "ptrace", "ptrace_scope=%d: vgdb snapshots work", scope);
}

static void check_tools(doctor *d) {
  char p[1024];
  struct stat st;
  bool systemd = stat("/run/systemd/system", &st) == 0;
  if (in_path("systemd-run", p, sizeof p) && systemd)
    line(d, "ok", "systemd", "systemd-run available (backend: systemd)");
  else
    line(d, "warn", "systemd", "%s (backend systemd unavailable)",
         systemd ? "systemd-run not found" : "systemd is not the init system");
  if (in_path("docker", p, sizeof p))
    line(d, "ok", "docker", "%s (%s)", p,
         stat("/var/run/docker.sock", &st) == 0 ? "daemon socket present"
                                                : "no daemon socket: client only");
  if (in_path("podman", p, sizeof p))
    line(d, "ok", "podman", "%s", p);
  if (!in_path("wrk", p, sizeof p))
    line(d, "warn", "wrk", "not found (only needed by exec-driver scenarios using it)");
}

int cmd_doctor(int argc, char **argv) {
  doctor d;
  if (argc > 1) {
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
      fputs(doctor_usage, stdout);
      return LG_EXIT_PASS;
    }
    cli_errorf("doctor takes no arguments");
    fputs(doctor_usage, stderr);
    return LG_EXIT_USAGE;
  }
  memset(&d, 0, sizeof d);
  d.color = cli_color(1);
  printf("leakgate %s doctor\n", lg_version());
  check_cgroup(&d);
  check_valgrind(&d);
  check_ptrace(&d);
  check_tools(&d);
  if (d.fails) {
    printf("\nleakgate cannot run scenarios with a memory limit here "
           "(%d problem%s above).\n", d.fails, d.fails == 1 ? "" : "s");
    return LG_EXIT_ERROR;
  }
  printf("\nleakgate can run scenarios with a memory limit here.\n");
  return LG_EXIT_PASS;
}
