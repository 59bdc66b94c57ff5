/* container/oci.c - backends docker and podman: the service is a container
 * started with `ENGINE run --memory X --memory-swap X --network host` from
 * container.image (podman also --rootfs DIR), attached to leakgate so its
 * stdout/stderr reach the service logs (see leakgate/container.h,
 * docs/backends.md).
 *
 * The pid leakgate starts is the engine's client; the container's cgroup is
 * found from its init's /proc/PID/cgroup (`inspect --format
 * {{.State.Pid}}`, polled until the container runs: the first run may pull
 * the image). --init puts a small init in front of the service so the stop
 * signal the client proxies is not ignored by a service running as PID 1.
 * --network host keeps 127.0.0.1:{{port}} the same address inside and out.
 * No --rm: after an OOM kill the engine removes the cgroup, and
 * `inspect .State.OOMKilled` is the remaining witness; destroy removes the
 * container with `rm -f`. Containers carry --label leakgate=1 so leftovers
 * of a killed leakgate can be listed (`docker ps -a --filter
 * label=leakgate`).
 * The engine probe (lg_container_probe_engine) asks the daemon.
 * Owns (its oci_state): tool path, container name, image/rootfs copies.
 * A failed create starts nothing.
 */
#include "container/ct_int.h"

#include "container/cgfs.h"
#include "core/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *engine_name(lg_backend_kind e) {
  return e == LG_BACKEND_PODMAN ? "podman" : "docker";
}

int lg__ct_oci_argv(const ct_oci_params *p, char *const *argv,
                    char *const *envp, lg_strv *out, lg_error *err) {
  size_t i;
  int rc = 0;
  if (!argv || !argv[0])
    return lg_error_set(err, LG_EUSAGE, "%s: empty command",
                        engine_name(p->engine));
  if (!p->image && !(p->rootfs && p->engine == LG_BACKEND_PODMAN))
    return lg_error_set(err, LG_EINPUT, "%s: container.image is required%s",
                        engine_name(p->engine),
                        p->engine == LG_BACKEND_DOCKER
                            ? " (docker has no --rootfs; use podman for it)"
                            : " (or container.rootfs)");
  if (p->memory && p->swap > UINT64_MAX - p->memory)
    return lg_error_set(err, LG_EINPUT, "memory + swap overflows");
  CT_PUSH(p->tool);
  CT_PUSH("run");
  CT_PUSH("--name");
  CT_PUSH(p->name);
  CT_PUSH("--label");
  CT_PUSH("leakgate=1");
  CT_PUSH("--init");
  CT_PUSH("-i");
  CT_PUSH("--network");
  CT_PUSH("host");
  if (p->memory) {
    /* --memory-swap is memory + swap: equal to --memory means no swap. */
    CT_PUSH("--memory");
    CT_PUSHF("%" PRIu64, p->memory);
    CT_PUSH("--memory-swap");
    CT_PUSHF("%" PRIu64, p->memory + p->swap);
  }
  /* -e NAME takes the value from the client's environment (lg__ct_oci_env):
   * no value appears on the command line. */
  for (i = 0; envp && envp[i]; i++) {
    const char *eq = strchr(envp[i], '=');
    if (!eq || eq == envp[i])
      continue;
    CT_PUSH("-e");
    CT_PUSHF("%.*s", (int)(eq - envp[i]), envp[i]);
  }
  if (p->image) {
    CT_PUSH(p->image);
  } else {
    CT_PUSH("--rootfs");
    CT_PUSH(p->rootfs);
  }
  for (i = 0; argv[i]; i++)
    CT_PUSH(argv[i]);
  return 0;
fail:
  return lg_error_set(err, rc, "%s: cannot build the command line: %s",
                      engine_name(p->engine), lg_strerror(rc));
}

int lg__ct_oci_env(char *const *envp, lg_strv *out, lg_error *err) {
  size_t i, j;
  int rc = 0;
  /* The client needs leakgate's environment (DOCKER_HOST, HOME,
   * XDG_RUNTIME_DIR for rootless engines, PATH for podman's helpers); the
   * service's values override it. O(|environ| x |envp|), both small. */
  for (i = 0; environ[i] && !rc; i++) {
    const char *eq = strchr(environ[i], '=');
    bool shadowed = false;
    for (j = 0; eq && envp && envp[j] && !shadowed; j++)
      shadowed =
          strncmp(envp[j], environ[i], (size_t)(eq - environ[i] + 1)) == 0;
    if (eq && !shadowed)
      rc = lg__strv_push(out, environ[i]);
  }
  for (i = 0; envp && envp[i] && !rc; i++)
    rc = lg__strv_push(out, envp[i]);
  if (rc)
    return lg_error_set(err, rc, "container environment: %s", lg_strerror(rc));
  return 0;
}

int lg_container_probe_engine(const lg_container_opts *o,
                              lg_backend_kind engine, char *why, size_t cap) {
  bool podman = engine == LG_BACKEND_PODMAN;
  char *tool = lg__which(podman ? "podman" : "docker");
  char out[CT_OUT_CAP], line[320];
  char *dargv[] = {tool, "version", "--format", "{{.Server.Version}}", NULL};
  char *pargv[] = {tool, "info", "--format", "{{.Host.CgroupsVersion}}", NULL};
  int status = 0, ok = 0;
  lg_error e;

  if (!tool) {
    lg__ct_setf(why, cap, "%s not found in PATH", podman ? "podman" : "docker");
    return 0;
  }
  lg_error_clear(&e);
  if (lg__run_capture(podman ? pargv : dargv, NULL, lg__ct_probe_timeout(o),
                      out, sizeof out, &status, &e) != 0) {
    lg__ct_setf(why, cap, "%s", e.msg);
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out[0]) {
    lg__ct_setf(why, cap, "%s: %s",
                podman ? "podman info failed"
                       : "the docker daemon does not answer",
                lg__ct_first_line(out, line, sizeof line));
  } else if (podman && strncmp(out, "v1", 2) == 0 && geteuid() != 0) {
    lg__ct_setf(why, cap, "rootless podman ignores memory limits on cgroup v1");
  } else {
    ok = 1;
    lg__ct_setf(why, cap, "%s %s",
                podman ? "podman on cgroup" : "docker daemon",
                lg__ct_first_line(out, line, sizeof line));
  }
  free(tool);
  return ok;
}

typedef struct oci_state {
  ct_ext ext;
  ct_reaper reaper;
  lg_backend_kind engine; /* DOCKER or PODMAN */
  char *tool;             /* absolute docker / podman */
  char *name;             /* the container's name */
  char *image, *rootfs;
} oci_state;

/* The image must be here before the client runs: a missing one is pulled
 * now, within the start timeout, so that a failed pull is the engine's own
 * message in an infrastructure error rather than a client that exits
 * before the container runs. */
static int ensure_image(const oci_state *s, double timeout_s, lg_error *err) {
  char out[CT_OUT_CAP], line[320];
  char *inspect_args[] = {"image",   "inspect", "--format",
                          "{{.Id}}", s->image,  NULL};
  char *pull_args[] = {"pull", s->image, NULL};
  if (lg__ct_tool_run(s->tool, inspect_args, timeout_s, out, sizeof out) == 0)
    return 0;
  if (lg__ct_tool_run(s->tool, pull_args, timeout_s, out, sizeof out) == 0)
    return 0;
  return lg_error_set(err, LG_ETOOL,
                      "%s: image %s is not on this machine and `%s pull` "
                      "failed: %s",
                      engine_name(s->engine), s->image, engine_name(s->engine),
                      lg__ct_last_line(out, line, sizeof line));
}

/* The watchdog's work (reaper.c): the container goes with its cgroup. The
 * client may still have been creating it when leakgate died (the client
 * dies too: its parent-death signal, but a request in flight completes),
 * so "no such container" is asked again for a few seconds. */
static int orphan_container(lg_container *c, char *msg, size_t cap) {
  const oci_state *s = c->state;
  char out[CT_OUT_CAP], line[320];
  char *inspect_args[] = {"inspect", "--format", "{{.Id}}", s->name, NULL};
  char *rm_args[] = {"rm", "-f", s->name, NULL};
  int i;
  /* `rm -f` of a missing container succeeds silently with some engines:
   * inspect says whether there is one. */
  for (i = 0; i < 3; i++) {
    if (i)
      lg__sleep_s(1.0, NULL);
    if (lg__ct_tool_run(s->tool, inspect_args, CT_TEARDOWN_S, out, sizeof out))
      continue;
    if (lg__ct_tool_run(s->tool, rm_args, CT_TEARDOWN_S, out, sizeof out)) {
      lg__ct_setf(msg, cap, "%s rm -f %s: %s", engine_name(s->engine), s->name,
                  lg__ct_first_line(out, line, sizeof line));
      return -1;
    }
    lg__ct_setf(msg, cap, "removed %s container %s", engine_name(s->engine),
                s->name);
    return 0;
  }
  lg__ct_setf(msg, cap, "found no %s container %s to remove",
              engine_name(s->engine), s->name);
  return 0;
}

static int oci_create(lg_container *c, const lg_container_opts *o,
                      const ct_plan *p, lg_backend_kind engine, lg_error *err) {
  const lg_container_probes *pr = lg__ct_probes(o);
  oci_state *s = c->state;
  char why[600] = "";
  const char *name = engine_name(engine);
  int rc;
  s->ext.parent_oom0 = -1;
  s->engine = engine;
  if (!o->image && !(o->rootfs && engine == LG_BACKEND_PODMAN))
    return lg_error_set(err, LG_EINPUT, "backend %s needs container.image%s",
                        name,
                        engine == LG_BACKEND_PODMAN
                            ? " or container.rootfs"
                            : " (docker has no --rootfs; use podman for it)");
  if (!p->probed && !pr->engine(pr->ctx, o, engine, why, sizeof why))
    return lg_error_set(err, LG_ETOOL, "backend %s: %s", name, why);
  s->tool = lg__which(name);
  if (!s->tool)
    return lg_error_set(err, LG_ETOOL, "backend %s: %s not found in PATH", name,
                        name);
  s->name = lg__ct_unique_name(o->name);
  if (!s->name || (o->image && !(s->image = strdup(o->image))) ||
      (!o->image && !(s->rootfs = strdup(o->rootfs))))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  s->ext.memory = o->memory_bytes;
  s->ext.swap = o->swap_bytes;
  c->limit = o->memory_bytes;
  if (s->image &&
      (rc = ensure_image(
           s, o->start_timeout_s > 0 ? o->start_timeout_s : CT_ENGINE_START_S,
           err)))
    return rc;
  /* Last: a failed create has no container for it to remove. */
  return lg__ct_reaper_start(c, &s->reaper, orphan_container, err);
}

static int docker_create(lg_container *c, const lg_container_opts *o,
                         const ct_plan *p, lg_error *err) {
  return oci_create(c, o, p, LG_BACKEND_DOCKER, err);
}

static int podman_create(lg_container *c, const lg_container_opts *o,
                         const ct_plan *p, lg_error *err) {
  return oci_create(c, o, p, LG_BACKEND_PODMAN, err);
}

static int oci_wrap(lg_container *c, char *const *argv, char *const *envp,
                    lg_strv *av, lg_strv *ev, lg_error *err) {
  const oci_state *s = c->state;
  ct_oci_params p;
  int rc;
  memset(&p, 0, sizeof p);
  p.engine = s->engine;
  p.tool = s->tool;
  p.name = s->name;
  p.image = s->image;
  p.rootfs = s->rootfs;
  p.memory = s->ext.memory;
  p.swap = s->ext.swap;
  if ((rc = lg__ct_oci_argv(&p, argv, envp, av, err)))
    return rc;
  return lg__ct_oci_env(envp, ev, err);
}

/* In the client's child before exec: should leakgate die (SIGKILL), the
 * client dies with it rather than keep the container attached; the
 * watchdog then removes the container. Async-signal-safe. */
static int oci_child_enter(const lg_container *c) {
  (void)c;
  return prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0 ? 0 : -errno;
}

/* `ENGINE inspect --format FMT NAME` into out; 0 when it answered. */
static int inspect(lg_container *c, const char *fmt, char *out, size_t cap) {
  const oci_state *s = c->state;
  char *argv[] = {s->tool, "inspect", "--format", (char *)fmt, s->name, NULL};
  int status = 0;
  lg_error e;
  if (lg__run_capture(argv, NULL, c->probe_timeout_s, out, cap, &status, &e) !=
      0)
    return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int oci_attach(lg_container *c, pid_t pid, lg_error *err) {
  oci_state *s = c->state;
  const char *name = engine_name(s->engine);
  double deadline = lg__now_s() + c->start_timeout_s, pause = 0.05;
  char out[CT_OUT_CAP], what[600];
  long cpid = 0;
  lg__ct_setf(what, sizeof what, "%s container %s", name, s->name);
  for (;;) {
    char *end;
    if (inspect(c, "{{.State.Pid}}", out, sizeof out) == 0) {
      cpid = strtol(out, &end, 10);
      if (end != out && cpid > 0)
        break;
    }
    if (!lg__cg_pid_alive(pid))
      return lg_error_set(err, LG_ESTART,
                          "%s: the %s client (pid %ld) exited before the "
                          "container ran; its message is in the service's "
                          "stderr log",
                          what, name, (long)pid);
    if (lg__now_s() > deadline)
      return lg_error_set(err, LG_ETIMEOUT,
                          "%s is not running after %.0f s (image pull?)", what,
                          c->start_timeout_s);
    lg__sleep_s(pause, NULL);
    if (pause < 0.5)
      pause *= 2;
  }
  return lg__ct_extcg_adopt(c, &s->ext, (pid_t)cpid, NULL, what, err);
}

/* `ENGINE kill NAME` (errors ignored: the container may be gone); it also
 * reaches processes in other user namespaces. */
static void oci_kill(lg_container *c) {
  const oci_state *s = c->state;
  char *argv[] = {s->tool, "kill", s->name, NULL};
  char out[CT_OUT_CAP];
  int status;
  lg_error e;
  (void)lg__run_capture(argv, NULL, CT_TEARDOWN_S, out, sizeof out, &status,
                        &e);
}

/* `ENGINE rm -f NAME`; 0 or LG_ETOOL. */
static int oci_remove(lg_container *c, lg_error *err) {
  const oci_state *s = c->state;
  char *argv[] = {s->tool, "rm", "-f", s->name, NULL};
  char out[CT_OUT_CAP], line[320];
  int status = 0, rc;
  rc =
      lg__run_capture(argv, NULL, CT_TEARDOWN_S, out, sizeof out, &status, err);
  if (rc)
    return lg_error_prefix(err, rc, "cannot remove container %s", s->name);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  /* Already gone (never created, or removed by hand) is what we wanted. */
  if (strstr(out, "No such container") || strstr(out, "no such container"))
    return 0;
  return lg_error_set(err, LG_ETOOL, "%s rm -f %s: %s", s->tool, s->name,
                      lg__ct_first_line(out, line, sizeof line));
}

/* The cgroup went with the container (an OOM kill ends it): the parent's
 * count, or else the engine's own State.OOMKilled, says whether memory
 * ended it. */
static void oci_gone(lg_container *c, lg_container_stats *st, bool first) {
  oci_state *s = c->state;
  char out[CT_OUT_CAP];
  lg__ct_extcg_vanished(c, &s->ext, st);
  if (!first)
    return;
  if (st->oom_kills < 1 &&
      inspect(c, "{{.State.OOMKilled}}", out, sizeof out) == 0 &&
      strncmp(out, "true", 4) == 0)
    st->oom_kills = 1;
  lg__ct_extcg_settle(c, &s->ext, st);
}

static int oci_destroy(lg_container *c, lg_error *err) {
  oci_state *s = c->state;
  lg_error kerr = {0, ""};
  int rc = 0, r = 0;
  rc = lg_container_kill_all(c, &kerr);
  r = oci_remove(c, &kerr);
  lg__ct_reaper_stop(&s->reaper, r == 0);
  if (rc || r)
    rc = lg_error_set(err, rc ? rc : r, "%s", kerr.msg);
  return rc;
}

static void oci_release(lg_container *c) {
  oci_state *s = c->state;
  if (!s)
    return;
  lg__ct_reaper_stop(&s->reaper, true); /* a no-op once destroy ran */
  lg__ct_ext_release(&s->ext);
  free(s->tool);
  free(s->name);
  free(s->image);
  free(s->rootfs);
}

static const char *oci_unit(const lg_container *c) {
  const oci_state *s = c->state;
  return s->name;
}

/* docker and podman differ only in their name and the engine create
 * records. */
#define OCI_OPS(engine, create_fn)                                             \
  {                                                                            \
    .name = (engine), .state_size = sizeof(oci_state),                         \
    .start_timeout_s = CT_ENGINE_START_S, .create = (create_fn),               \
    .child_enter = oci_child_enter, .wrap = oci_wrap, .attach = oci_attach,    \
    .kill = oci_kill, .gone = oci_gone, .destroy = oci_destroy,                \
    .release = oci_release, .unit = oci_unit                                   \
  }

const ct_ops lg__ct_docker_ops = OCI_OPS("docker", docker_create);
const ct_ops lg__ct_podman_ops = OCI_OPS("podman", podman_create);
