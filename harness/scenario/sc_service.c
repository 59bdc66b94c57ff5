/* scenario/lg__sc_service.c - the service: and container: sections.
 *
 * service.command is argv (a list); a single string is accepted only with an
 * explicit shell: true, so a scenario can never smuggle a shell in by
 * accident. Each argv element is one template rendered on its own, so a
 * substituted value can never split into extra arguments.
 */
#include "core/regex.h"
#include <leakgate/template.h>
#include <leakgate/runtime.h> /* lg_runtime_kind: service.runtime names it */
#include "scenario/sc_internal.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>


/* Problem with an environment variable name, or NULL when it is fine. */
static const char *env_key_ok(const char *k, size_t len) {
  size_t i;
  if (len == 0 || strlen(k) != len)
    return "an environment variable name must not be empty";
  if (strncmp(k, "LEAKGATE_", 9) == 0)
    return "the LEAKGATE_ prefix is reserved for variables leakgate sets";
  for (i = 0; i < len; i++)
    if (!(isalnum((unsigned char)k[i]) || k[i] == '_') ||
        (i == 0 && isdigit((unsigned char)k[i])))
      return "an environment variable name takes letters, digits and _ "
             "and does not start with a digit";
  return NULL;
}

/* Compile the readiness regex now, so a bad one fails before anything
 * starts. It is a template: it is checked as the capture will compile it,
 * rendered (with the largest port, so every number has its longest
 * form). core/regex.h bounds what a pattern may cost. */
static int check_regex(sc_ctx *c, const yt_node *v, const char *path) {
  lg_regex *re = NULL;
  char msg[200], *text = NULL;
  lg_error e;
  int rc = 0;
  if (v->len > LG_REGEX_MAX_LEN)
    return lg__sc_fail(c, v, path, "the regex is longer than %d bytes",
                       LG_REGEX_MAX_LEN);
  if (lg_template_expand(v->str, 65535, &text, &e) != 0)
    return lg__sc_fail(c, v, path, "%s", e.msg); /* checked before: ENOMEM */
  if (lg__regex_compile(text, &re, msg, sizeof msg) != 0)
    rc = lg__sc_fail(c, v, path, "invalid regular expression: %s", msg);
  lg__regex_free(re);
  free(text);
  return rc;
}

static int ready(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"tcp", "http", "log", "delay", "timeout"};
  static const lg_ready_kind kinds[] = {LG_READY_TCP, LG_READY_HTTP,
                                        LG_READY_LOG, LG_READY_DELAY};
  lg_ready_spec *r = &c->sc->service.ready;
  const yt_node *f[5];
  char p[SC_PATH_MAX];
  int rc, i, first = -1;
  if ((rc = SC_FIELDS(c, v, "service.ready", keys, f)))
    return rc;
  if ((rc = lg__sc_get_duration(c, f[4], "service.ready.timeout", false,
                                &r->timeout_s)))
    return rc;
  if (!lg__sc_set(v))
    return 0;
  for (i = 0; i < 4; i++) {
    if (!lg__sc_set(f[i]))
      continue;
    lg__sc_path(p, "service.ready", keys[i]);
    if (first >= 0)
      return lg__sc_fail(c, f[i], p,
                         "%s is already set: use only one of tcp, "
                         "http, log or delay",
                         keys[first]);
    first = i;
  }
  if (first < 0)
    return lg__sc_fail(c, v, "service.ready",
                       "needs one probe: tcp, http, log or delay");
  lg__sc_path(p, "service.ready", keys[first]);
  r->kind = kinds[first];
  if (r->kind == LG_READY_DELAY)
    return lg__sc_get_duration(c, f[3], p, false, &r->delay_s);
  if ((rc = lg__sc_get_str(c, f[first], p, &r->target)) ||
      (rc = lg__sc_check_template(c, f[first], p)))
    return rc;
  if ((r->kind == LG_READY_TCP &&
       (rc = lg__sc_check_hostport(c, f[first], p))) ||
      (r->kind == LG_READY_HTTP && (rc = lg__sc_check_url(c, f[first], p))))
    return rc;
  if (r->kind == LG_READY_LOG)
    return check_regex(c, f[first], p);
  return 0;
}

static int stop(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"signal", "timeout"};
  static const struct {
    const char *name;
    int sig;
  } sigs[] = {{"TERM", SIGTERM}, {"INT", SIGINT},   {"HUP", SIGHUP},
              {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
              {"USR2", SIGUSR2}};
  lg_service_spec *s = &c->sc->service;
  const yt_node *f[2];
  const char *name;
  size_t i;
  int rc;
  if ((rc = SC_FIELDS(c, v, "service.stop", keys, f)) ||
      (rc = lg__sc_get_duration(c, f[1], "service.stop.timeout", true,
                                &s->stop_timeout_s)))
    return rc;
  if (!lg__sc_set(f[0]))
    return 0;
  if ((rc = lg__sc_scalar(c, f[0], "service.stop.signal", "a signal name")))
    return rc;
  name = f[0]->str;
  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    if (strcasecmp(name, sigs[i].name) == 0) {
      s->stop_signal = sigs[i].sig;
      return 0;
    }
  }
  return lg__sc_fail(c, f[0], "service.stop.signal",
                     "expected one of TERM, INT, HUP, QUIT, KILL, USR1, USR2 "
                     "(SIG prefix optional), got '%.40s'",
                     f[0]->str);
}

static int command(sc_ctx *c, const yt_node *v, const yt_node *svc) {
  lg_service_spec *s = &c->sc->service;
  char p[SC_PATH_MAX];
  size_t i;
  int rc;
  if ((rc = lg__sc_require(c, svc, v, "service.command",
                           " (the service's argv, like [./server, --port, "
                           "\"{{port}}\"])")))
    return rc;
  if (v->kind == YT_SCALAR) {
    if (!s->shell)
      return lg__sc_fail(
          c, v, "service.command",
          "a single string would need a shell: write the command "
          "as a list ([prog, arg, ...]) or set service.shell: true");
    if (!(s->argv = calloc(2, sizeof *s->argv)))
      return lg_error_set(c->err, LG_ENOMEM, "out of memory");
    s->argc = 1;
    if ((rc = lg__sc_get_str(c, v, "service.command", &s->argv[0])))
      return rc;
  } else if (v->kind == YT_SEQ && s->shell) {
    return lg__sc_fail(
        c, v, "service.command",
        "with shell: true the command must be one string (run by "
        "/bin/sh -c)");
  } else if ((rc = lg__sc_get_strlist(c, v, "service.command", &s->argv,
                                      &s->argc))) {
    return rc;
  }
  if (s->argc == 0)
    return lg__sc_fail(c, v, "service.command", "must not be empty");
  if (!s->argv[0][0])
    return lg__sc_fail(c, v->kind == YT_SEQ ? v->kids[0] : v,
                       s->shell ? "service.command" : "service.command[0]",
                       "the program must not be empty");
  for (i = 0; i < s->argc; i++) {
    const yt_node *item = v->kind == YT_SEQ ? v->kids[i] : v;
    if (v->kind == YT_SEQ)
      lg__sc_path_index(p, "service.command", i);
    else
      lg__sc_path(p, "", "service.command");
    if ((rc = lg__sc_check_template(c, item, p)))
      return rc;
  }
  return 0;
}

int lg__sc_service(sc_ctx *c, const yt_node *v, const yt_node *root) {
  static const char *const keys[] = {"command", "shell", "env",    "cwd",
                                     "ready",   "stop",  "runtime", "pprof"};
  static const char *const runtimes[] = {
      [LG_RUNTIME_AUTO] = "auto", [LG_RUNTIME_NATIVE] = "native",
      [LG_RUNTIME_GO] = "go",     [LG_RUNTIME_JVM] = "jvm",
      [LG_RUNTIME_NODE] = "node", [LG_RUNTIME_PYTHON] = "python"};
  lg_service_spec *s = &c->sc->service;
  const yt_node *f[8];
  char *cwd = NULL;
  int rc;
  _Static_assert(SC_NELEM(runtimes) == LG_RUNTIME_PYTHON + 1,
                 "service.runtime names every lg_runtime_kind");
  if ((rc =
           lg__sc_require(c, root, v, "service",
                          " (service: {command: [...]} says what to start)")) ||
      (rc = SC_FIELDS(c, v, "service", keys, f)) ||
      (rc = SC_GET_ENUM(c, f[6], "service.runtime", runtimes, &s->runtime)) ||
      (rc = lg__sc_get_bool(c, f[1], "service.shell", &s->shell)) ||
      (rc = command(c, f[0], v)) ||
      (rc = lg__sc_get_kvmap(c, f[2], "service.env", env_key_ok, &s->env,
                             &s->n_env)) ||
      (rc = lg__sc_get_str(c, f[3], "service.cwd", &cwd)))
    goto cleanup;
  if (cwd && !cwd[0]) {
    rc = lg__sc_fail(c, f[3], "service.cwd",
                     "must not be empty (omit it for the "
                     "scenario file's directory)");
    goto cleanup;
  }
  free(s->cwd);
  s->cwd = cwd ? lg__sc_resolve(c->sc->dir, cwd) : strdup(c->sc->dir);
  if (!s->cwd) {
    rc = lg_error_set(c->err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = ready(c, f[4])) || (rc = stop(c, f[5])))
    goto cleanup;
  if (lg__sc_set(f[7])) {
    if ((rc = lg__sc_get_str(c, f[7], "service.pprof", &s->pprof)) ||
        (rc = lg__sc_check_template(c, f[7], "service.pprof")) ||
        (rc = lg__sc_check_url(c, f[7], "service.pprof")))
      goto cleanup;
  }
cleanup:
  free(cwd);
  return rc;
}

int lg__sc_container(sc_ctx *c, const yt_node *v) {
  static const char *const keys[] = {"backend", "memory", "swap", "image",
                                     "rootfs"};
  lg_container_spec *k = &c->sc->container;
  const yt_node *f[5];
  char *rootfs = NULL;
  int rc, b = (int)k->backend;
  if ((rc = SC_FIELDS(c, v, "container", keys, f)) ||
      (rc = SC_GET_ENUM(c, f[0], "container.backend", lg__sc_backend_names,
                        &b)) ||
      (rc = lg__sc_get_size(c, f[1], "container.memory", &k->memory_bytes)) ||
      (rc = lg__sc_get_size(c, f[2], "container.swap", &k->swap_bytes)) ||
      (rc = lg__sc_get_str(c, f[3], "container.image", &k->image)) ||
      (rc = lg__sc_get_str(c, f[4], "container.rootfs", &rootfs)))
    goto cleanup;
  k->backend = (lg_backend_kind)b;
  if (k->memory_bytes < 1024 * 1024) {
    rc = lg__sc_fail(c, f[1], "container.memory", "must be at least 1MiB");
    goto cleanup;
  }
  if (rootfs) {
    if (!rootfs[0]) {
      rc = lg__sc_fail(c, f[4], "container.rootfs", "must not be empty");
      goto cleanup;
    }
    free(k->rootfs);
    if (!(k->rootfs = lg__sc_resolve(c->sc->dir, rootfs))) {
      rc = lg_error_set(c->err, LG_ENOMEM, "out of memory");
      goto cleanup;
    }
  }
  if (k->image && k->backend != LG_BACKEND_DOCKER &&
      k->backend != LG_BACKEND_PODMAN && k->backend != LG_BACKEND_AUTO)
    rc = lg__sc_warn(c, f[3], "container.image", "ignored by the %s backend",
                     lg_backend_name(k->backend));
  if (!rc && k->rootfs && k->backend != LG_BACKEND_PODMAN &&
      k->backend != LG_BACKEND_AUTO)
    rc = lg__sc_warn(c, f[4], "container.rootfs", "ignored by the %s backend",
                     lg_backend_name(k->backend));
cleanup:
  free(rootfs);
  return rc;
}
