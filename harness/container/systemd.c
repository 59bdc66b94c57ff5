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
 * Owns (in lg_container): tool/sudo paths, the unit name, the wrapped
 * argv/envp. A failed create leaves nothing on the system.
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

int ct_systemd_argv(const ct_systemd_params *p, char *const *argv,
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
    if (ct_env_is(envp[i], name))
      return true;
  return false;
}

int ct_systemd_env(lg_systemd_mode mode, char *const *envp, lg_strv *out,
                   lg_error *err) {
  size_t i;
  int rc = 0;
  char *xdg = NULL;
  const char *bus;
  for (i = 0; envp && envp[i] && !rc; i++)
    rc = lg_strv_push(out, envp[i]);
  if (!rc && mode == LG_SYSTEMD_USER) {
    xdg = runtime_dir();
    if (xdg && !has_name(envp, "XDG_RUNTIME_DIR"))
      rc = lg_strv_pushf(out, "XDG_RUNTIME_DIR=%s", xdg);
    bus = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (!rc && bus && *bus && !has_name(envp, "DBUS_SESSION_BUS_ADDRESS"))
      rc = lg_strv_pushf(out, "DBUS_SESSION_BUS_ADDRESS=%s", bus);
  }
  free(xdg);
  if (rc)
    return lg_error_set(err, rc, "systemd: environment: %s", lg_strerror(rc));
  return 0;
}

int ct_systemd_version(const char *systemd_run, double timeout_s) {
  char *argv[] = {(char *)systemd_run, "--version", NULL};
  char out[512];
  int status = 0, v = 0;
  lg_error e;
  if (lg_run_capture(argv, NULL, timeout_s, out, sizeof out, &status, &e) != 0 ||
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

static int resolve_mode(const lg_container_opts *o, lg_systemd_mode *mode,
                        lg_error *err) {
  const lg_container_probes *pr = ct_probes(o);
  char why[2][600];
  lg_systemd_mode order[2];
  int n = 0, i;
  if (*mode != LG_SYSTEMD_AUTO) {
    order[n++] = *mode;
  } else {
    n = ct_systemd_modes(pr, order);
  }
  for (i = 0; i < n; i++) {
    why[i][0] = '\0';
    if (pr->systemd(pr->ctx, o, order[i], why[i], sizeof why[i])) {
      *mode = order[i];
      return 0;
    }
  }
  {
    char msg[1300] = "";
    for (i = 0; i < n; i++)
      ct_appendf(msg, sizeof msg, "%s%s: %s", i ? "; " : "",
                 lg_systemd_mode_name(order[i]), why[i]);
    return lg_error_set(err, LG_ECGROUP, "backend systemd: %s", msg);
  }
}

int ct_systemd_create(lg_container *c, const lg_container_opts *o,
                      lg_systemd_mode mode, bool probed, lg_error *err) {
  int rc;
  if (!probed && (rc = resolve_mode(o, &mode, err)))
    return rc;
  c->wrap = CT_WRAP_SYSTEMD;
  c->external = true;
  c->sd_mode = mode;
  c->tool = lg_which("systemd-run");
  if (!c->tool)
    return lg_error_set(err, LG_ETOOL,
                        "backend systemd: systemd-run not found in PATH");
  if (mode == LG_SYSTEMD_SUDO && !(c->sudo = lg_which("sudo")))
    return lg_error_set(err, LG_ETOOL,
                        "backend systemd: sudo not found in PATH");
  c->sd_version = ct_systemd_version(c->tool, c->probe_timeout_s);
  c->unit = ct_unique_name(o->name);
  if (!c->unit || asprintf(&c->scope, "%s.scope", c->unit) < 0) {
    c->scope = NULL;
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  c->memory = o->memory_bytes;
  c->swap = o->swap_bytes;
  /* Enforced by systemd; attach checks memory.max really says so. */
  c->limit = o->memory_bytes;
  return 0;
}

int ct_systemd_wrap(const lg_container *c, char *const *argv,
                    char *const *envp, lg_strv *av, lg_strv *ev,
                    lg_error *err) {
  ct_systemd_params p;
  int rc;
  memset(&p, 0, sizeof p);
  p.mode = c->sd_mode;
  p.systemd_run = c->tool;
  p.sudo = c->sudo;
  p.unit = c->unit;
  p.version = c->sd_version;
  p.memory = c->memory;
  p.swap = c->swap;
  p.uid = (unsigned)getuid();
  p.gid = (unsigned)getgid();
  if ((rc = ct_systemd_argv(&p, argv, envp, av, err)))
    return rc;
  return ct_systemd_env(c->sd_mode, envp, ev, err);
}

int ct_systemd_attach(lg_container *c, pid_t pid, lg_error *err) {
  double deadline = lg_now_s() + c->start_timeout_s, pause = 0.001;
  char what[600];
  pid_t in = 0;
  int r;
  ct_setf(what, sizeof what, "scope %s", c->scope);
  for (;;) {
    r = ct_extcg_find(c->proc_root, pid, c->scope, &in);
    if (r == 1)
      break;
    /* A zombie is gone too: systemd-run failed and awaits its reaper. */
    if (!lg_cg_pid_alive(pid))
      return lg_error_set(err, LG_ECGROUP,
                          "backend systemd: %s (pid %ld) exited before "
                          "%s started; its message is in the service's "
                          "stderr log",
                          c->sd_mode == LG_SYSTEMD_SUDO ? "sudo systemd-run"
                                                        : "systemd-run",
                          (long)pid, what);
    if (lg_now_s() > deadline)
      return lg_error_set(err, LG_ETIMEOUT,
                          "backend systemd: pid %ld is not in %s after "
                          "%.0f s",
                          (long)pid, what, c->start_timeout_s);
    lg_sleep_s(pause, NULL);
    if (pause < 0.05)
      pause *= 2;
  }
  return ct_extcg_adopt(c, in, c->scope, what, err);
}
