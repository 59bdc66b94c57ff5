/* container/auto.c - backend auto's choice among the backend tables
 * (lg_container_choose, lg__ct_auto_plan; see leakgate/container.h and
 * docs/backends.md for the order and why), and the choice of a manager for
 * backend systemd (lg__ct_systemd_resolve).
 *
 * The decision is a pure function of the probes' answers: tests inject
 * fake probes through lg_container_opts.probes and check the whole table.
 * Probes run lazily in order and stop at the first backend that works, so
 * the usual case (a writable cgroup) costs one detection and no command.
 * The real probes are each backend's own (lg_container_probe_* in
 * cgroup.c, systemd.c, oci.c, reached through lg__ct_probes), so this file
 * calls no backend directly and owns nothing.
 */
#include "container/ct_int.h"

#include <stdio.h>
#include <string.h>

static int systemd_modes(const lg_container_probes *pr,
                         lg_systemd_mode *modes) {
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
  lg__ct_appendf(ch->why, sizeof ch->why, "%s%s: %s", ch->why[0] ? "; " : "",
                 name, why);
}

/* After systemd: leakgate inside a memory-limited container measures the
 * box it is in (self.c). A caller's probe table without the self probe
 * (older callers) skips the step. */
static int choose_self(const lg_container_opts *o,
                       const lg_container_probes *pr, lg_container_choice *ch) {
  char why[700] = "";
  if (pr->self) {
    if (pr->self(pr->ctx, o, why, sizeof why)) {
      ch->backend = LG_BACKEND_SELF;
      return 0;
    }
    step(ch, "self", why);
  }
  step(ch, "docker/podman",
       "not tried: they run container.image, which is "
       "not set");
  return 0;
}

int lg_container_choose(const lg_container_opts *o, lg_container_choice *ch,
                        lg_error *err) {
  const lg_container_probes *pr = lg__ct_probes(o);
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
    return choose_self(o, pr, ch);
  }
  n = systemd_modes(pr, modes);
  for (i = 0; i < n; i++) {
    char name[32];
    why[0] = '\0';
    if (pr->systemd(pr->ctx, o, modes[i], why, sizeof why)) {
      ch->backend = LG_BACKEND_SYSTEMD;
      ch->systemd_mode = modes[i];
      return 0;
    }
    lg__ct_setf(name, sizeof name, "systemd %s",
                lg_systemd_mode_name(modes[i]));
    step(ch, name, why);
  }
  return choose_self(o, pr, ch);
}

int lg__ct_auto_plan(const lg_container_opts *o, ct_plan *p, lg_error *err) {
  lg_container_choice ch;
  int rc = lg_container_choose(o, &ch, err);
  if (rc)
    return rc;
  return lg__ct_plan_backend(o, ch.backend, &ch, p, err);
}

int lg__ct_systemd_resolve(const lg_container_opts *o, lg_systemd_mode *mode,
                           lg_error *err) {
  const lg_container_probes *pr = lg__ct_probes(o);
  char why[2][600], msg[1300] = "";
  lg_systemd_mode order[2];
  int n = 0, i;
  if (*mode != LG_SYSTEMD_AUTO)
    order[n++] = *mode;
  else
    n = systemd_modes(pr, order);
  for (i = 0; i < n; i++) {
    why[i][0] = '\0';
    if (pr->systemd(pr->ctx, o, order[i], why[i], sizeof why[i])) {
      *mode = order[i];
      return 0;
    }
  }
  for (i = 0; i < n; i++)
    lg__ct_appendf(msg, sizeof msg, "%s%s: %s", i ? "; " : "",
                   lg_systemd_mode_name(order[i]), why[i]);
  return lg_error_set(err, LG_ECGROUP, "backend systemd: %s", msg);
}
