/* container/systemd.c - backend systemd: the service runs in a transient
 * scope made by `systemd-run --scope`, limited with -p MemoryMax= and
 * -p MemorySwapMax= (see leakgate/container.h, docs/backends.md).
 *
 * Modes: USER talks to the user's manager (systemd-run --user: no root
 * needed, cgroup v2 with memory delegated to user@.service), SYSTEM to the
 * system manager as root, SUDO to the system manager through `sudo -n`
 * with --uid/--gid so the service still runs as the invoking user.
 * In scope mode systemd-run registers its own pid as the scope, waits for
 * the job, then execs the command: the service keeps the pid leakgate
 * started (SUDO: below sudo's pid). Attach waits until that pid's
 * /proc/PID/cgroup names the scope, then adopts the scope's cgroup
 * (extcg.c), which systemd removes when the last process exits (--collect
 * also unloads a failed scope). systemd >= 254 expands $VAR in a scope's
 * command line: --expand-environment=no keeps the service's argv as given.
 *
 * The probe (lg_container_probe_systemd) starts a real scope with
 * MemoryMax=64M and reads its limit back from inside.
 * Owns (its sd_state): tool/sudo paths, the unit name. A failed create
 * leaves nothing on the system.
 */
#include "container/ct_int.h"

#include "container/cgfs.h"
#include "core/clock.h"
#include "core/fsutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int lg__ct_systemd_argv(const ct_systemd_params *p, char *const *argv,
                        char *const *envp, lg_strv *out, lg_error *err) {
  size_t i;
  int rc = 0;
  if (!argv || !argv[0])
    return lg_error_set(err, LG_EUSAGE, "systemd: empty command");
  if (p->mode == LG_SYSTEMD_SUDO) {
    CT_PUSH(p->sudo);
    CT_PUSH("-n");
  }
  CT_PUSH(p->systemd_run);
  if (p->mode == LG_SYSTEMD_USER)
    CT_PUSH("--user");
  CT_PUSH("--scope");
  CT_PUSH("--quiet");
  CT_PUSH("--collect");
  CT_PUSHF("--unit=%s.scope", p->unit);
  if (p->mode == LG_SYSTEMD_SUDO) {
    CT_PUSHF("--uid=%u", p->uid);
    CT_PUSHF("--gid=%u", p->gid);
  }
  if (p->version >= 254)
    CT_PUSH("--expand-environment=no");
  CT_PUSH("-p");
  CT_PUSH("MemoryAccounting=yes");
  if (p->memory) {
    CT_PUSH("-p");
    CT_PUSHF("MemoryMax=%" PRIu64, p->memory);
  }
  CT_PUSH("-p");
  CT_PUSHF("MemorySwapMax=%" PRIu64, p->swap);
  /* sudo resets the environment: the service's goes on the command line. */
  for (i = 0; p->mode == LG_SYSTEMD_SUDO && envp && envp[i]; i++)
    CT_PUSHF("--setenv=%s", envp[i]);
  CT_PUSH("--");
  for (i = 0; argv[i]; i++)
    CT_PUSH(argv[i]);
  return 0;
fail:
  return lg_error_set(err, rc, "systemd: cannot build the command line: %s",
                      lg_strerror(rc));
}

/* XDG_RUNTIME_DIR for the user manager: leakgate's, else /run/user/UID
 * when it exists (a CI step without a login session). NULL when none. */
static char *runtime_dir(void) {
  const char *x = getenv("XDG_RUNTIME_DIR");
  char *d = NULL;
  struct stat st;
  if (x && *x)
    return strdup(x);
  if (asprintf(&d, "/run/user/%u", (unsigned)getuid()) < 0)
    return NULL;
  if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
    return d;
  free(d);
  return NULL;
}

static bool has_name(char *const *envp, const char *name) {
  size_t i;
  for (i = 0; envp && envp[i]; i++)
    if (lg__ct_env_is(envp[i], name))
      return true;
  return false;
}

int lg__ct_systemd_env(lg_systemd_mode mode, char *const *envp, lg_strv *out,
                       lg_error *err) {
  size_t i;
  int rc = 0;
  char *xdg = NULL;
  const char *bus;
  for (i = 0; envp && envp[i] && !rc; i++)
    rc = lg__strv_push(out, envp[i]);
  if (!rc && mode == LG_SYSTEMD_USER) {
    xdg = runtime_dir();
    if (xdg && !has_name(envp, "XDG_RUNTIME_DIR"))
      rc = lg__strv_pushf(out, "XDG_RUNTIME_DIR=%s", xdg);
    bus = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (!rc && bus && *bus && !has_name(envp, "DBUS_SESSION_BUS_ADDRESS"))
      rc = lg__strv_pushf(out, "DBUS_SESSION_BUS_ADDRESS=%s", bus);
  }
  free(xdg);
  if (rc)
    return lg_error_set(err, rc, "systemd: environment: %s", lg_strerror(rc));
  return 0;
}

/* systemd-run --version's number, 0 when unknown. */
static int systemd_version(const char *systemd_run, double timeout_s) {
  char *argv[] = {(char *)systemd_run, "--version", NULL};
  char out[512];
  int status = 0, v = 0;
  lg_error e;
  if (lg__run_capture(argv, NULL, timeout_s, out, sizeof out, &status, &e) !=
          0 ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return 0;
  /* "systemd 255 (255.4-1ubuntu8)": the tool's output is parsed by hand,
   * bounded, never with sscanf (undefined on overflow). */
  if (strncmp(out, "systemd ", 8) != 0)
    return 0;
  {
    const char *p = out + 8;
    v = 0;
    while (*p >= '0' && *p <= '9' && v < 100000)
      v = v * 10 + (*p++ - '0');
  }
  return v;
}

#define PROBE_LIMIT (UINT64_C(64) << 20)

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
  if (!(tool = lg__which("systemd-run"))) {
    lg__ct_setf(why, cap, "systemd-run not found in PATH");
    goto cleanup;
  }
  if (mode == LG_SYSTEMD_SYSTEM && geteuid() != 0) {
    lg__ct_setf(why, cap, "the system manager needs root (try sudo)");
    goto cleanup;
  }
  if (mode == LG_SYSTEMD_SUDO && !(sudo = lg__which("sudo"))) {
    lg__ct_setf(why, cap, "sudo not found in PATH");
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
    lg__ct_setf(sock, sizeof sock, "%s/systemd/private", xdg ? xdg : "");
    if (!xdg || stat(sock, &st) != 0) {
      lg__ct_setf(why, cap,
                  "no user manager: %s does not exist (log in, or "
                  "`loginctl enable-linger %u` and set XDG_RUNTIME_DIR)",
                  sock, (unsigned)getuid());
      goto cleanup;
    }
  }
  unit = lg__ct_unique_name("probe");
  memset(&p, 0, sizeof p);
  p.mode = mode;
  p.systemd_run = tool;
  p.sudo = sudo;
  p.unit = unit ? unit : "leakgate-probe";
  p.version = systemd_version(tool, lg__ct_probe_timeout(o));
  p.memory = PROBE_LIMIT;
  p.uid = (unsigned)getuid();
  p.gid = (unsigned)getgid();
  lg_error_clear(&e);
  if (lg__ct_systemd_argv(&p, sh_argv, base_env, &av, &e) ||
      lg__ct_systemd_env(mode, environ, &ev, &e) ||
      !(argv = lg__strv_take(&av)) || !(envp = lg__strv_take(&ev))) {
    lg__ct_setf(why, cap, "%s", e.msg[0] ? e.msg : "out of memory");
    goto cleanup;
  }
  rc = lg__run_capture(argv, envp, lg__ct_probe_timeout(o), out, sizeof out,
                       &status, &e);
  if (rc) {
    lg__ct_setf(why, cap, "%s", e.msg);
    goto cleanup;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && parse_ull(out, &v)) {
    ok = v == PROBE_LIMIT;
    if (ok)
      lg__ct_setf(why, cap, "a %s scope with MemoryMax=64M works (systemd %d)",
                  lg_systemd_mode_name(mode), p.version);
    else
      lg__ct_setf(why, cap, "the scope's memory.max reads %llu, not 64 MiB", v);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             strncmp(out, "max", 3) == 0) {
    lg__ct_setf(why, cap, "systemd ignored MemoryMax=: %s", fix_for(mode));
  } else if (strstr(out, "/memory.max") ||
             strstr(out, "/memory.limit_in_bytes")) {
    lg__ct_setf(why, cap, "the scope has no memory.max: %s", fix_for(mode));
  } else {
    lg__ct_setf(why, cap, "systemd-run%s failed: %s",
                mode == LG_SYSTEMD_USER ? " --user" : "",
                lg__ct_first_line(out, line, sizeof line));
  }
cleanup:
  lg__strv_cleanup(&av);
  lg__strv_cleanup(&ev);
  lg__strv_free(argv);
  lg__strv_free(envp);
  free(tool);
  free(sudo);
  free(unit);
  free(xdg);
  return ok;
}

typedef struct sd_state {
  ct_ext ext;
  lg_systemd_mode mode; /* USER, SYSTEM or SUDO */
  int version;          /* systemd-run's version, 0 = unknown */
  char *tool;           /* absolute systemd-run */
  char *sudo;           /* absolute sudo (SUDO) */
  char *unit;           /* scope name without ".scope" */
  char *scope;          /* unit + ".scope" */
} sd_state;

static int sd_create(lg_container *c, const lg_container_opts *o,
                     const ct_plan *p, lg_error *err) {
  sd_state *s = c->state;
  s->ext.parent_oom0 = -1;
  s->mode = p->systemd_mode;
  s->tool = lg__which("systemd-run");
  if (!s->tool)
    return lg_error_set(err, LG_ETOOL,
                        "backend systemd: systemd-run not found in PATH");
  if (s->mode == LG_SYSTEMD_SUDO && !(s->sudo = lg__which("sudo")))
    return lg_error_set(err, LG_ETOOL,
                        "backend systemd: sudo not found in PATH");
  s->version = systemd_version(s->tool, c->probe_timeout_s);
  s->unit = lg__ct_unique_name(o->name);
  if (!s->unit || asprintf(&s->scope, "%s.scope", s->unit) < 0) {
    s->scope = NULL;
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  s->ext.memory = o->memory_bytes;
  s->ext.swap = o->swap_bytes;
  /* Enforced by systemd; attach checks memory.max really says so. */
  c->limit = o->memory_bytes;
  return 0;
}

static int sd_wrap(lg_container *c, char *const *argv, char *const *envp,
                   lg_strv *av, lg_strv *ev, lg_error *err) {
  const sd_state *s = c->state;
  ct_systemd_params p;
  int rc;
  memset(&p, 0, sizeof p);
  p.mode = s->mode;
  p.systemd_run = s->tool;
  p.sudo = s->sudo;
  p.unit = s->unit;
  p.version = s->version;
  p.memory = s->ext.memory;
  p.swap = s->ext.swap;
  p.uid = (unsigned)getuid();
  p.gid = (unsigned)getgid();
  if ((rc = lg__ct_systemd_argv(&p, argv, envp, av, err)))
    return rc;
  return lg__ct_systemd_env(s->mode, envp, ev, err);
}

static int sd_attach(lg_container *c, pid_t pid, lg_error *err) {
  sd_state *s = c->state;
  double deadline = lg__now_s() + c->start_timeout_s, pause = 0.001;
  char what[600];
  pid_t in = 0;
  int r;
  lg__ct_setf(what, sizeof what, "scope %s", s->scope);
  for (;;) {
    r = lg__ct_extcg_find(c->proc_root, pid, s->scope, &in);
    if (r == 1)
      break;
    /* A zombie is gone too: systemd-run failed and awaits its reaper. */
    if (!lg__cg_pid_alive(pid))
      return lg_error_set(err, LG_ECGROUP,
                          "backend systemd: %s (pid %ld) exited before "
                          "%s started; its message is in the service's "
                          "stderr log",
                          s->mode == LG_SYSTEMD_SUDO ? "sudo systemd-run"
                                                     : "systemd-run",
                          (long)pid, what);
    if (lg__now_s() > deadline)
      return lg_error_set(err, LG_ETIMEOUT,
                          "backend systemd: pid %ld is not in %s after "
                          "%.0f s",
                          (long)pid, what, c->start_timeout_s);
    lg__sleep_s(pause, NULL);
    if (pause < 0.05)
      pause *= 2;
  }
  return lg__ct_extcg_adopt(c, &s->ext, in, s->scope, what, err);
}

static void sd_gone(lg_container *c, lg_container_stats *st, bool first) {
  sd_state *s = c->state;
  lg__ct_extcg_vanished(c, &s->ext, st);
  if (first)
    lg__ct_extcg_settle(c, &s->ext, st);
}

/* systemd removes the scope once it is empty. */
static int sd_destroy(lg_container *c, lg_error *err) {
  lg_error kerr = {0, ""};
  int rc = lg_container_kill_all(c, &kerr);
  if (rc)
    lg_error_set(err, rc, "%s", kerr.msg);
  return rc;
}

static void sd_release(lg_container *c) {
  sd_state *s = c->state;
  if (!s)
    return;
  lg__ct_ext_release(&s->ext);
  free(s->tool);
  free(s->sudo);
  free(s->unit);
  free(s->scope);
}

static const char *sd_unit(const lg_container *c) {
  const sd_state *s = c->state;
  return s->scope;
}

const ct_ops lg__ct_systemd_ops = {
    .name = "systemd",
    .state_size = sizeof(sd_state),
    .host_program = true,
    .start_timeout_s = CT_SYSTEMD_START_S,
    .create = sd_create,
    .wrap = sd_wrap,
    .attach = sd_attach,
    .gone = sd_gone,
    .destroy = sd_destroy,
    .release = sd_release,
    .unit = sd_unit,
};
