/* container/auto.c - backend auto's decision and the probes behind it
 * (lg_container_choose, lg_container_probe_*; see leakgate/container.h and
 * docs/backends.md for the order and why).
 *
 * The decision is a pure function of the probes' answers: tests inject
 * fake probes through lg_container_opts.probes and check the whole table.
 * Probes run lazily in order and stop at the first backend that works, so
 * the usual case (a writable cgroup) costs one detection and no command.
 * The real probes test the real thing, not files: the systemd probe starts
 * a scope with MemoryMax=64M and reads its memory.max from inside; the
 * engine probes ask the daemon. Each command is bounded by
 * probe_timeout_s. Nothing is left behind (the probe scope exits at once
 * and is collected).
 */
#include "container/ct_int.h"

#include "core/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_LIMIT (UINT64_C(64) << 20)

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

double ct_probe_timeout(const lg_container_opts *o) {
  return o->probe_timeout_s > 0 ? o->probe_timeout_s : CT_PROBE_S;
}

int ct_cgroup_unusable(const lg_cgroup_info *info, char *why, size_t cap) {
  if (info->version == 0)
    ct_setf(why, cap,
            "no cgroup with the memory controller found for this process");
  else if (!info->writable)
    ct_setf(why, cap,
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
    ct_setf(why, cap, "%s", e.msg);
    return 0;
  }
  if (ct_cgroup_unusable(&info, why, cap))
    return 0;
  ct_setf(why, cap, "cgroup v%d, run cgroups in %s (%s)", info.version,
          info.leaf_parent, info.strategy);
  return 1;
}

/* Run from inside the probe scope: print the scope's limit. Pure sh (no
 * sed). cgroup v2: memory.max of the 0:: path; v1 (the system manager
 * applies MemoryMax= as memory.limit_in_bytes there): the memory line's. */
static const char probe_script[] =
    "v2=; v1=; while IFS= read -r l; do case \"$l\" in 0::*) v2=${l#0::};; "
    "*:memory:*) v1=${l#*:memory:};; esac; done </proc/self/cgroup; "
    "if [ -r \"/sys/fs/cgroup$v2/memory.max\" ]; then "
    "exec cat \"/sys/fs/cgroup$v2/memory.max\"; fi; "
    "exec cat \"/sys/fs/cgroup/memory$v1/memory.limit_in_bytes\"";

/* A decimal count written by a probe (its output is untrusted): digits,
 * then only whitespace; no sign, no overflow. */
static bool parse_ull(const char *s, unsigned long long *v) {
  char *end;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s < '0' || *s > '9')
    return false;
  errno = 0;
  *v = strtoull(s, &end, 10);
  if (errno == ERANGE)
    return false;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
    end++;
  return *end == '\0';
}

static const char *fix_for(lg_systemd_mode mode) {
  return mode == LG_SYSTEMD_USER
             ? "the user manager has no memory controller: cgroup v2 with "
               "Delegate=memory for user@.service is needed (see "
               "docs/backends.md)"
             : "the system manager put the scope in no memory cgroup "
               "(cgroup v1 or the memory controller is off)";
}

int lg_container_probe_systemd(const lg_container_opts *o, lg_systemd_mode mode,
                               char *why, size_t cap) {
  ct_systemd_params p;
  lg_strv av = {0}, ev = {0};
  char *sh_argv[] = {"/bin/sh", "-c", (char *)probe_script, NULL};
  char *base_env[] = {"PATH=/usr/bin:/bin", NULL};
  char *tool = NULL, *sudo = NULL, *unit = NULL, *xdg = NULL;
  char out[CT_OUT_CAP], line[320], **argv = NULL, **envp = NULL;
  int status = 0, ok = 0, rc;
  unsigned long long v;
  lg_error e;

  if (mode == LG_SYSTEMD_AUTO)
    mode = geteuid() == 0 ? LG_SYSTEMD_SYSTEM : LG_SYSTEMD_USER;
  if (!(tool = lg_which("systemd-run"))) {
    ct_setf(why, cap, "systemd-run not found in PATH");
    goto cleanup;
  }
  if (mode == LG_SYSTEMD_SYSTEM && geteuid() != 0) {
    ct_setf(why, cap, "the system manager needs root (try sudo)");
    goto cleanup;
  }
  if (mode == LG_SYSTEMD_SUDO && !(sudo = lg_which("sudo"))) {
    ct_setf(why, cap, "sudo not found in PATH");
    goto cleanup;
  }
  if (mode == LG_SYSTEMD_USER) {
    struct stat st;
    char sock[1200];
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x && *x)
      xdg = strdup(x);
    else if (asprintf(&xdg, "/run/user/%u", (unsigned)getuid()) < 0)
      xdg = NULL;
    ct_setf(sock, sizeof sock, "%s/systemd/private", xdg ? xdg : "");
    if (!xdg || stat(sock, &st) != 0) {
      ct_setf(why, cap,
              "no user manager: %s does not exist (log in, or "
              "`loginctl enable-linger %u` and set XDG_RUNTIME_DIR)",
              sock, (unsigned)getuid());
      goto cleanup;
    }
  }
  unit = ct_unique_name("probe");
  memset(&p, 0, sizeof p);
  p.mode = mode;
  p.systemd_run = tool;
  p.sudo = sudo;
  p.unit = unit ? unit : "leakgate-probe";
  p.version = ct_systemd_version(tool, ct_probe_timeout(o));
  p.memory = PROBE_LIMIT;
  p.uid = (unsigned)getuid();
  p.gid = (unsigned)getgid();
  lg_error_clear(&e);
  if (ct_systemd_argv(&p, sh_argv, base_env, &av, &e) ||
      ct_systemd_env(mode, environ, &ev, &e) || !(argv = lg_strv_take(&av)) ||
      !(envp = lg_strv_take(&ev))) {
    ct_setf(why, cap, "%s", e.msg[0] ? e.msg : "out of memory");
    goto cleanup;
  }
  rc = lg_run_capture(argv, envp, ct_probe_timeout(o), out, sizeof out, &status, &e);
  if (rc) {
    ct_setf(why, cap, "%s", e.msg);
    goto cleanup;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && parse_ull(out, &v)) {
    ok = v == PROBE_LIMIT;
    if (ok)
      ct_setf(why, cap, "a %s scope with MemoryMax=64M works (systemd %d)",
              lg_systemd_mode_name(mode), p.version);
    else
      ct_setf(why, cap, "the scope's memory.max reads %llu, not 64 MiB", v);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             strncmp(out, "max", 3) == 0) {
    ct_setf(why, cap, "systemd ignored MemoryMax=: %s", fix_for(mode));
  } else if (strstr(out, "/memory.max") ||
             strstr(out, "/memory.limit_in_bytes")) {
    ct_setf(why, cap, "the scope has no memory.max: %s", fix_for(mode));
  } else {
    ct_setf(why, cap, "systemd-run%s failed: %s",
            mode == LG_SYSTEMD_USER ? " --user" : "",
            ct_first_line(out, line, sizeof line));
  }
cleanup:
  lg_strv_cleanup(&av);
  lg_strv_cleanup(&ev);
  lg_strv_free(argv);
  lg_strv_free(envp);
  free(tool);
  free(sudo);
  free(unit);
  free(xdg);
  return ok;
}

int lg_container_probe_engine(const lg_container_opts *o,
                              lg_backend_kind engine, char *why, size_t cap) {
  bool podman = engine == LG_BACKEND_PODMAN;
  char *tool = lg_which(podman ? "podman" : "docker");
  char out[CT_OUT_CAP], line[320];
  char *dargv[] = {tool, "version", "--format", "{{.Server.Version}}", NULL};
  char *pargv[] = {tool, "info", "--format", "{{.Host.CgroupsVersion}}", NULL};
  int status = 0, ok = 0;
  lg_error e;

  if (!tool) {
    ct_setf(why, cap, "%s not found in PATH", podman ? "podman" : "docker");
    return 0;
  }
  lg_error_clear(&e);
  if (lg_run_capture(podman ? pargv : dargv, NULL, ct_probe_timeout(o), out, sizeof out,
             &status, &e) != 0) {
    ct_setf(why, cap, "%s", e.msg);
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out[0]) {
    ct_setf(why, cap, "%s: %s",
            podman ? "podman info failed" : "the docker daemon does not answer",
            ct_first_line(out, line, sizeof line));
  } else if (podman && strncmp(out, "v1", 2) == 0 && geteuid() != 0) {
    ct_setf(why, cap, "rootless podman ignores memory limits on cgroup v1");
  } else {
    ok = 1;
    ct_setf(why, cap, "%s %s", podman ? "podman on cgroup" : "docker daemon",
            ct_first_line(out, line, sizeof line));
  }
  free(tool);
  return ok;
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
static int real_engine(void *ctx, const lg_container_opts *o,
                       lg_backend_kind engine, char *why, size_t cap) {
  (void)ctx;
  return lg_container_probe_engine(o, engine, why, cap);
}

/* Read-only: no mutable global state. */
static const lg_container_probes real_probes = {NULL, real_is_root, real_cgroup,
                                                real_systemd, real_engine};

const lg_container_probes *ct_probes(const lg_container_opts *o) {
  return o->probes ? o->probes : &real_probes;
}

int ct_systemd_modes(const lg_container_probes *pr, lg_systemd_mode *modes) {
  if (pr->is_root(pr->ctx)) {
    modes[0] = LG_SYSTEMD_SYSTEM;
    return 1;
  }
  modes[0] = LG_SYSTEMD_USER;
  modes[1] = LG_SYSTEMD_SUDO;
  return 2;
}

/* Record a step: "name: reason; " */
static void step(lg_container_choice *ch, const char *name, const char *why) {
  ct_appendf(ch->why, sizeof ch->why, "%s%s: %s", ch->why[0] ? "; " : "", name,
             why);
}

int lg_container_choose(const lg_container_opts *o, lg_container_choice *ch,
                        lg_error *err) {
  const lg_container_probes *pr = ct_probes(o);
  char why[700];
  lg_systemd_mode modes[2];
  int n, i;

  memset(ch, 0, sizeof *ch);
  ch->backend = LG_BACKEND_NONE;
  /* An image or rootfs means the command is a program inside it: only a
   * container engine can run it. */
  if (o->image || o->rootfs) {
    if (o->image) {
      why[0] = '\0';
      if (pr->engine(pr->ctx, o, LG_BACKEND_DOCKER, why, sizeof why)) {
        ch->backend = LG_BACKEND_DOCKER;
        return 0;
      }
      step(ch, "docker", why);
    }
    why[0] = '\0';
    if (pr->engine(pr->ctx, o, LG_BACKEND_PODMAN, why, sizeof why)) {
      ch->backend = LG_BACKEND_PODMAN;
      return 0;
    }
    step(ch, "podman", why);
    return lg_error_set(err, LG_ECGROUP,
                        "container.%s is set, but no container engine can "
                        "run it here: %s",
                        o->image ? "image" : "rootfs", ch->why);
  }
  why[0] = '\0';
  if (pr->cgroup(pr->ctx, o, why, sizeof why)) {
    ch->backend = LG_BACKEND_CGROUP;
    return 0;
  }
  step(ch, "cgroup", why);
  if (o->cgroupfs_root && !o->probes) {
    step(ch, "systemd", "not tried under the cgroupfs_root test hook");
    return 0;
  }
  n = ct_systemd_modes(pr, modes);
  for (i = 0; i < n; i++) {
    char name[32];
    why[0] = '\0';
    if (pr->systemd(pr->ctx, o, modes[i], why, sizeof why)) {
      ch->backend = LG_BACKEND_SYSTEMD;
      ch->systemd_mode = modes[i];
      return 0;
    }
    ct_setf(name, sizeof name, "systemd %s", lg_systemd_mode_name(modes[i]));
    step(ch, name, why);
  }
  step(ch, "docker/podman",
       "not tried: they run container.image, which is "
       "not set");
  return 0;
}
