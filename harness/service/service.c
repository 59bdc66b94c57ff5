/* service/service.c - start, watch and stop the service under test
 * (see leakgate/service.h; readiness is in ready.c, output capture in
 * capture.c).
 *
 * Start: argv elements are rendered with lg_template_expand ({{port}}) one
 * by one, so a value can never split into more arguments; `shell: true`
 * runs argv[0] through /bin/sh -c (further elements become $1...). The
 * program is resolved in the parent, before fork, so "no such file" is an
 * LG_ESTART naming the path: a name with a '/' is taken relative to the
 * service's cwd; a bare name is searched in the scenario env's PATH if it
 * sets one, else leakgate's own PATH. The environment is exactly the
 * scenario's env plus LEAKGATE_PORT, when a limit is enforced
 * LEAKGATE_MEMORY_LIMIT (bytes), and with opts.run_mark LEAKGATE_RUN (backend
 * none: core/watchdog.h) - nothing else of leakgate's environment
 * (no PATH, no HOME) leaks in; ours take precedence on a clash.
 * The child: its own session (and process group), signal mask and
 * dispositions reset, the
 * container joined, cwd set, stdio connected, exec - only async-signal-safe
 * calls between fork and exec. A failure of any step is sent to the parent
 * through a close-on-exec pipe and reported with the step and errno.
 *
 * A classic daemon (nginx without `daemon off`, memcached -d, redis with
 * daemonize yes) forks and its launcher exits 0: when that happens while
 * processes remain in the service's container (a cgroup: the backend
 * knows them all, wherever they were reparented), the launcher is reaped
 * and the service is followed as those processes - running while the
 * container holds any, stopped by signalling each of them. Without a
 * container (backend none) a daemon cannot be found, and the readiness
 * error says so (ready.c).
 *
 * Stop: the configured signal to the process group, the stop timeout, then
 * SIGKILL. The end is read with waitid(WNOWAIT) first, so the zombie keeps
 * the process group and session id reserved while both are swept with
 * SIGKILL (the session: every process of it, in any process group - what
 * backend none can reach without a cgroup); then the pid is reaped. Only
 * this module waits for the service's pid: a caller that reaps with
 * waitpid(-1) would steal its exit status.
 * Owns: the lg_service, its argv/env copies (during start), pipes, capture
 * thread and log paths. lg_service_free kills what still runs and frees.
 */
#include "service/service_int.h"

#include <leakgate/template.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/strv.h"
#include "core/watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_LOG_CAP (16u << 20)
#define KILL_REAP_WAIT_S 10.0

enum child_step { STEP_JOIN = 1, STEP_CHDIR, STEP_STDIO, STEP_EXEC };

typedef struct child_report {
  int step;
  int err;
} child_report;

/* A failed push: LG_ENOMEM, or LG_ELIMIT past LG_STRV_MAX entries. */
static int push_failed(int rc, lg_error *err) {
  if (rc == LG_ELIMIT)
    return lg_error_set(err, rc,
                        "service: more than %d arguments or environment "
                        "entries",
                        LG_STRV_MAX);
  return lg_error_set(err, LG_ENOMEM, "out of memory");
}

/* An absolute version of path (prefixing leakgate's cwd when relative). */
static char *absolute(const char *path) {
  char here[4096];
  if (path[0] == '/')
    return strdup(path);
  if (!getcwd(here, sizeof here))
    return NULL;
  if (strcmp(path, ".") == 0)
    return strdup(here);
  return lg__path_join(here,
                       path[0] == '.' && path[1] == '/' ? path + 2 : path);
}

static char *effective_cwd(const lg_service_opts *o) {
  const char *base = o->scenario_dir ? o->scenario_dir : ".";
  const char *c = o->spec->cwd;
  char *joined, *abs;
  if (c && c[0] == '/')
    return strdup(c);
  joined = c ? lg__path_join(base, c) : strdup(base);
  if (!joined)
    return NULL;
  abs = absolute(joined);
  free(joined);
  return abs;
}

static int is_exec_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* Resolve a program name as described at the top; *out is absolute. */
static int resolve(const char *name, const char *cwd, const char *path_env,
                   char **out, lg_error *err) {
  const char *p, *end;
  *out = NULL;
  if (name[0] == '\0')
    return lg_error_set(err, LG_ESTART, "service.command: empty program name");
  if (strchr(name, '/')) {
    char *full = name[0] == '/' ? strdup(name) : lg__path_join(cwd, name);
    if (!full)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    if (!is_exec_file(full)) {
      int e = errno;
      lg_error_set(err, LG_ESTART, "service.command: %s: %s", full,
                   access(full, F_OK) != 0 ? strerror(e)
                                           : "not an executable file");
      free(full);
      return LG_ESTART;
    }
    *out = full;
    return 0;
  }
  if (!path_env || !*path_env)
    path_env = "/usr/local/bin:/usr/bin:/bin";
  for (p = path_env;; p = end + 1) {
    char dir[4096], *cand, *abs;
    size_t len;
    end = strchr(p, ':');
    len = end ? (size_t)(end - p) : strlen(p);
    if (len >= sizeof dir)
      len = sizeof dir - 1;
    memcpy(dir, p, len);
    dir[len] = '\0';
    cand = lg__path_join(len ? dir : ".", name);
    if (!cand)
      return lg_error_set(err, LG_ENOMEM, "out of memory");
    if (is_exec_file(cand)) {
      abs = absolute(cand);
      free(cand);
      if (!abs)
        return lg_error_set(err, LG_ENOMEM, "out of memory");
      *out = abs;
      return 0;
    }
    free(cand);
    if (!end)
      break;
  }
  return lg_error_set(err, LG_ESTART,
                      "service.command: '%s' not found in "
                      "PATH (%s)",
                      name, path_env);
}

static const char *scenario_path(const lg_service_spec *sp) {
  size_t i;
  for (i = 0; i < sp->n_env; i++)
    if (sp->env[i].key && strcmp(sp->env[i].key, "PATH") == 0)
      return sp->env[i].value;
  return NULL;
}

int lg_service_program(const lg_service_spec *spec, const char *scenario_dir,
                       unsigned port, char **out, lg_error *err) {
  lg_service_opts o;
  char *cwd, *name = NULL;
  int rc;
  *out = NULL;
  if (!spec->argv || !spec->argv[0])
    return lg_error_set(err, LG_EUSAGE, "service.command: empty");
  if (spec->shell)
    return (*out = strdup("/bin/sh"))
               ? 0
               : lg_error_set(err, LG_ENOMEM, "out of memory");
  memset(&o, 0, sizeof o);
  o.spec = spec;
  o.scenario_dir = scenario_dir;
  cwd = effective_cwd(&o);
  if (!cwd)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  rc = lg_template_expand(spec->argv[0], port, &name, err);
  if (rc == 0)
    rc = resolve(name, cwd, scenario_path(spec), out, err);
  free(name);
  free(cwd);
  return rc;
}

static int build_argv(const lg_service_opts *o, lg_strv *av, size_t *svc_at,
                      lg_error *err) {
  const lg_service_spec *sp = o->spec;
  size_t i;
  int rc;
  for (i = 0; o->wrapper && o->wrapper[i]; i++)
    if ((rc = lg__strv_push(av, o->wrapper[i])))
      return push_failed(rc, err);
  *svc_at = av->n;
  if (sp->shell &&
      ((rc = lg__strv_push(av, "/bin/sh")) || (rc = lg__strv_push(av, "-c"))))
    return push_failed(rc, err);
  for (i = 0; sp->argv[i]; i++) {
    char *x = NULL;
    rc = lg_template_expand(sp->argv[i], o->port, &x, err);
    if (rc)
      return lg_error_prefix(err, rc, "service.command[%zu]", i);
    rc = lg__strv_push(av, x);
    free(x);
    if (rc || (sp->shell && i == 0 && (rc = lg__strv_push(av, "sh"))))
      return push_failed(rc, err);
  }
  return 0;
}

static int build_env(const lg_service_opts *o, lg_strv *ev, lg_error *err) {
  const lg_service_spec *sp = o->spec;
  size_t i;
  int rc;
  if (o->port && (rc = lg__strv_pushf(ev, "LEAKGATE_PORT=%u", o->port)))
    return push_failed(rc, err);
  if (o->run_mark && (rc = lg__strv_pushf(ev, "LEAKGATE_RUN=%s", o->run_mark)))
    return push_failed(rc, err);
  if (o->container && lg_container_limit(o->container) &&
      (rc = lg__strv_pushf(ev, "LEAKGATE_MEMORY_LIMIT=%" PRIu64,
                           lg_container_limit(o->container))))
    return push_failed(rc, err);
  for (i = 0; i < sp->n_env; i++) {
    char *val = NULL;
    rc = lg_template_expand(sp->env[i].value ? sp->env[i].value : "", o->port,
                            &val, err);
    if (rc)
      return lg_error_prefix(err, rc, "service.env.%s", sp->env[i].key);
    rc = lg__strv_pushf(ev, "%s=%s", sp->env[i].key, val);
    free(val);
    if (rc)
      return push_failed(rc, err);
  }
  return 0;
}

/* Between fork and exec: async-signal-safe calls only. */
static void child_main(const lg_service_opts *o, const char *prog,
                       char *const *argv, char *const *envp, const char *cwd,
                       int in_fd, int out_fd, int err_fd, int rep_fd) {
  child_report r = {0, 0};
  struct sigaction dfl;
  sigset_t none;
  int sig, fds[3] = {in_fd, out_fd, err_fd}, i;

  /* A session of its own (its own process group too): the stop reaches
   * every process of the session, also those in other process groups. */
  (void)setsid();
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void)sigaction(sig, &dfl, NULL); /* SIG_IGN would survive exec */
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if ((r.err = -lg_container_child_enter(o->container)) != 0) {
    r.step = STEP_JOIN;
    goto fail;
  }
  if (chdir(cwd) != 0) {
    r.step = STEP_CHDIR;
    r.err = errno;
    goto fail;
  }
  for (i = 0; i < 3; i++) {
    if (fds[i] == i) {
      int fl = fcntl(i, F_GETFD);
      if (fl < 0 || fcntl(i, F_SETFD, fl & ~FD_CLOEXEC) != 0)
        goto stdio_fail;
    } else if (dup2(fds[i], i) != i) {
      goto stdio_fail;
    }
  }
  execve(prog, argv, envp);
  r.step = STEP_EXEC;
  r.err = errno;
  goto fail;
stdio_fail:
  r.step = STEP_STDIO;
  r.err = errno;
fail:
  if (write(rep_fd, &r, sizeof r) < 0) {
    /* nothing left to tell anyone */
  }
  _exit(127);
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static char *log_path(const lg_service_opts *o, const char *suffix) {
  const char *prefix = o->log_prefix ? o->log_prefix : "service";
  char name[256];
  if (!o->out_dir)
    return NULL;
  snprintf(name, sizeof name, "%s.%s.log", prefix, suffix);
  return lg__path_join(o->out_dir, name);
}

/* The service's command ready to exec: its argv and environment built,
 * its program resolved (also behind a wrapper, which then gets its absolute
 * path: valgrind has no PATH to search), and wrapped by the container.
 * final and final_env belong to av/ev or to the container. */
typedef struct command {
  lg_strv av, ev;
  char *cwd, *prog, *regex;
  char *const *final, *const *final_env;
} command;

static int prepare_command(const lg_service_opts *o, command *c,
                           lg_error *err) {
  struct stat st;
  size_t svc_at = 0;
  int rc, bad;
  if (!(c->cwd = effective_cwd(o)))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  bad = stat(c->cwd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (bad)
    return lg_error_set(err, LG_ESTART, "service.cwd: %s: %s", c->cwd,
                        strerror(bad));
  if ((rc = build_argv(o, &c->av, &svc_at, err)) ||
      (rc = build_env(o, &c->ev, err)))
    return rc;
  if (!o->spec->shell && lg_container_host_program(o->container)) {
    /* build_argv returned 0: it pushed argv[0] (non-NULL, checked above). */
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    const char *name = c->av.v[svc_at];
    if ((rc = resolve(name, c->cwd, scenario_path(o->spec), &c->prog, err)))
      return rc;
    if (svc_at > 0 || lg_container_unit(o->container)) {
      free(c->av.v[svc_at]);
      c->av.v[svc_at] = c->prog;
      c->prog = NULL;
    }
  }
  if ((rc = lg_container_wrap(o->container, c->av.v, c->ev.v, &c->final,
                              &c->final_env, err)))
    return rc;
  if (!c->prog &&
      (rc = resolve(c->final[0], c->cwd, getenv("PATH"), &c->prog, err)))
    return rc;
  if (o->spec->ready.kind == LG_READY_LOG && o->spec->ready.target &&
      (rc = lg_template_expand(o->spec->ready.target, o->port, &c->regex, err)))
    return lg_error_prefix(err, rc, "service.ready.log");
  return 0;
}

static void command_cleanup(command *c) {
  lg__strv_cleanup(&c->av);
  lg__strv_cleanup(&c->ev);
  free(c->cwd);
  free(c->prog);
  free(c->regex);
}

/* The child's ends and ours: stdout, stderr, stdin (stdin_pipe), the
 * report pipe the child writes a failed step to, /dev/null for stdin. */
typedef struct child_fds {
  int out[2], err[2], in[2], rep[2], devnull;
} child_fds;

static int open_fds(const lg_service_opts *o, child_fds *f, lg_error *err) {
  if (pipe2(f->rep, O_CLOEXEC) || pipe2(f->out, O_CLOEXEC) ||
      pipe2(f->err, O_CLOEXEC) || (o->stdin_pipe && pipe2(f->in, O_CLOEXEC)))
    return lg_error_set(err, LG_ESYS, "pipe: %s", strerror(errno));
  if (!o->stdin_pipe &&
      (f->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    return lg_error_set(err, LG_ESYS, "/dev/null: %s", strerror(errno));
  return 0;
}

static void close_fds(child_fds *f) {
  int i;
  for (i = 0; i < 2; i++) {
    close_fd(&f->out[i]);
    close_fd(&f->err[i]);
    close_fd(&f->in[i]);
    close_fd(&f->rep[i]);
  }
  close_fd(&f->devnull);
}

/* After the fork: the child's report pipe closes at its exec (0), or
 * carries the step that failed (the child is reaped, the error says which
 * step on what). */
static int wait_exec(const lg_service_opts *o, const command *c, pid_t pid,
                     child_fds *f, lg_error *err) {
  child_report r;
  ssize_t got;
  const char *what, *obj;
  /* No setpgid here: it would make the child a group leader before its
   * setsid, which then fails. The child has run setsid by the time the
   * report pipe below closes (at exec). */
  close_fd(&f->rep[1]);
  close_fd(&f->out[1]);
  close_fd(&f->err[1]);
  close_fd(&f->in[0]);
  close_fd(&f->devnull);
  do
    got = read(f->rep[0], &r, sizeof r);
  while (got < 0 && errno == EINTR);
  if (got != (ssize_t)sizeof r)
    return 0;
  what = r.step == STEP_JOIN    ? "join the cgroup"
         : r.step == STEP_CHDIR ? "change directory to"
         : r.step == STEP_STDIO ? "set up stdio for"
                                : "execute";
  obj = r.step == STEP_JOIN    ? lg_container_path(o->container)
        : r.step == STEP_CHDIR ? c->cwd
                               : c->prog;
  waitpid(pid, NULL, 0);
  return lg_error_set(err, r.step == STEP_JOIN ? LG_ECGROUP : LG_ESTART,
                      "service: cannot %s %s: %s", what, obj ? obj : "?",
                      strerror(r.err));
}

static lg_service *service_new(const lg_service_opts *o) {
  lg_service *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->pid = -1;
  s->stdin_fd = s->stdout_fd = -1;
  s->port = o->port;
  s->spec = o->spec;
  s->ready_scale = o->ready_timeout_scale > 0 ? o->ready_timeout_scale : 1;
  s->interrupt = o->interrupt;
  s->t_ready = NAN;
  s->container = o->container;
  return s;
}

int lg_service_start(const lg_service_opts *o, lg_service **out,
                     lg_error *err) {
  command c = {0};
  child_fds f = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, -1};
  lg_service *s = NULL;
  int rc;
  pid_t pid;

  *out = NULL;
  if (!o->spec || !o->spec->argv || !o->spec->argv[0])
    return lg_error_set(err, LG_EUSAGE, "service.command: empty");
  if (!(s = service_new(o)))
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  if ((rc = prepare_command(o, &c, err)))
    goto cleanup;
  s->stdout_path = o->stdin_pipe ? NULL : log_path(o, "stdout");
  s->stderr_path = log_path(o, "stderr");
  if (o->out_dir && ((!o->stdin_pipe && !s->stdout_path) || !s->stderr_path)) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  if ((rc = open_fds(o, &f, err)))
    goto cleanup;
  pid = fork();
  if (pid < 0) {
    rc = lg_error_set(err, LG_ESYS, "fork: %s", strerror(errno));
    goto cleanup;
  }
  if (pid == 0)
    child_main(o, c.prog, c.final, c.final_env, c.cwd,
               o->stdin_pipe ? f.in[0] : f.devnull, f.out[1], f.err[1],
               f.rep[1]);
  s->pid = pid;
  s->t_start = lg__now_s();
  if ((rc = wait_exec(o, &c, pid, &f, err))) {
    s->pid = -1; /* reaped */
    goto cleanup;
  }
  if (o->stdin_pipe) {
    s->stdin_fd = f.in[1];
    s->stdout_fd = f.out[0];
    f.in[1] = f.out[0] = -1;
  }
  /* The capture takes over the read ends (also on failure). */
  rc = lg__capture_start(&s->cap, o->stdin_pipe ? -1 : f.out[0], s->stdout_path,
                         f.err[0], s->stderr_path,
                         o->log_cap ? o->log_cap : DEFAULT_LOG_CAP, c.regex,
                         o->on_line, o->line_ctx, err);
  if (!o->stdin_pipe)
    f.out[0] = -1;
  f.err[0] = -1;
  if (rc)
    goto cleanup;
  s->capturing = true;
  *out = s;
  s = NULL;
cleanup:
  if (s)
    lg_service_free(s);
  close_fds(&f);
  command_cleanup(&c);
  return rc;
}

/* Live processes in the service's container: > 0, 0 when empty, -1 when
 * there is no container to ask (backend none) or it cannot be read. */
static long container_procs(lg_service *s) {
  pid_t pids[1];
  size_t n = 0;
  if (!s->container || !lg_container_path(s->container) ||
      lg_container_pids(s->container, pids, 1, &n, NULL) != 0)
    return -1;
  return (long)n;
}

/* A daemon service ends when its container is empty. */
static int daemon_check(lg_service *s, bool block) {
  for (;;) {
    if (container_procs(s) <= 0) {
      s->ended = true;
      return 1;
    }
    if (!block)
      return 0;
    lg__sleep_s(0.01, NULL);
  }
}

int lg__service_check(lg_service *s, bool block) {
  siginfo_t si;
  int r;
  if (s->daemon && !s->ended)
    return daemon_check(s, block);
  if (s->ended || s->pid <= 0)
    return 1;
  for (;;) {
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, (id_t)s->pid, &si,
               WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
    if (r == 0 || errno != EINTR)
      break;
  }
  if (r != 0) {
    /* ECHILD: someone else reaped it; the end is unknown but real. */
    s->ended = s->reaped = true;
    return 1;
  }
  if (si.si_pid != s->pid)
    return 0;
  if (si.si_code == CLD_EXITED && si.si_status == 0 && !s->stopped_by_us &&
      container_procs(s) > 0) {
    /* The launcher daemonised: reap it alone (the daemon may share its
     * process group) and follow what it left in the container. */
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
      ;
    s->reaped = true;
    s->daemon = true;
    s->launcher = s->pid;
    return daemon_check(s, block);
  }
  s->ended = true;
  if (si.si_code == CLD_EXITED) {
    s->exited = true;
    s->exit_status = si.si_status;
  } else {
    s->signal = si.si_status;
  }
  return 1;
}

/* Signal every process of a daemon service (they may sit in other
 * sessions and process groups than the launcher's). */
static void signal_daemon(lg_service *s, int sig) {
  pid_t pids[4096];
  size_t n = 0, i;
  if (!s->container ||
      lg_container_pids(s->container, pids, 4096, &n, NULL) != 0)
    return;
  for (i = 0; i < n && i < 4096; i++)
    (void)kill(pids[i], sig);
}

/* The stop signal (or SIGKILL) to the whole service. */
static void signal_service(lg_service *s, int sig) {
  if (s->daemon) {
    signal_daemon(s, sig);
    return;
  }
  if (kill(-s->pid, sig) != 0 || sig == SIGKILL)
    (void)kill(s->pid, sig);
}

/* Sweep the group and the session while the zombie leader reserves their
 * id, then reap. */
static void reap(lg_service *s) {
  if (s->reaped || s->pid <= 0)
    return;
  (void)kill(-s->pid, SIGKILL);
  (void)lg__kill_session(s->pid);
  while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  s->reaped = true;
}

void lg__service_describe_end(const lg_service *s, char *buf, size_t cap) {
  if (s->daemon && s->ended)
    snprintf(buf, cap,
             "daemonised (its launcher, pid %ld, exited with status 0) and "
             "then every process it left in its cgroup ended",
             (long)s->launcher);
  else if (!s->ended)
    snprintf(buf, cap, "still running");
  else if (s->exited)
    snprintf(buf, cap, "exited with status %d", s->exit_status);
  else if (s->signal)
    snprintf(buf, cap, "killed by signal %d (%s)", s->signal,
             strsignal(s->signal));
  else
    snprintf(buf, cap, "ended (reaped elsewhere, status unknown)");
}

static void fill_status(const lg_service *s, lg_service_status *st) {
  if (!st)
    return;
  memset(st, 0, sizeof *st);
  st->running = !s->ended;
  st->exited = s->exited;
  st->exit_status = s->exit_status;
  st->signal = s->signal;
  st->stopped_by_us = s->stopped_by_us;
  st->escalated = s->escalated;
  st->crashed = s->ended && s->signal != 0 && !s->stopped_by_us;
  st->daemonized = s->daemon;
}

int lg_service_poll(lg_service *s, lg_service_status *st) {
  (void)lg__service_check(s, false);
  fill_status(s, st);
  return 0;
}

/* Poll for the end until deadline; 1 when it ended. With hurry, a negative
 * interrupt flag (a second signal to leakgate) ends the wait early. */
static int wait_end(lg_service *s, double deadline, bool hurry) {
  double pause = 0.002;
  while (!lg__service_check(s, false)) {
    if (lg__now_s() >= deadline || (hurry && s->interrupt && *s->interrupt < 0))
      return 0;
    lg__sleep_s(pause, NULL);
    if (pause < 0.05)
      pause *= 1.5;
  }
  return 1;
}

int lg_service_stop(lg_service *s, lg_service_status *st, lg_error *err) {
  int sig = s->spec->stop_signal > 0 ? s->spec->stop_signal : SIGTERM;
  double timeout = s->spec->stop_timeout_s > 0 ? s->spec->stop_timeout_s : 10;
  int rc = 0;

  if (!lg__service_check(s, false)) {
    signal_service(s, sig);
    s->stopped_by_us = true;
    if (!wait_end(s, lg__now_s() + timeout, true)) {
      signal_service(s, SIGKILL);
      s->escalated = true;
      if (!wait_end(s, lg__now_s() + KILL_REAP_WAIT_S, false))
        rc = lg_error_set(err, LG_ETIMEOUT,
                          "service pid %ld still alive "
                          "%.0f s after SIGKILL",
                          (long)s->pid, KILL_REAP_WAIT_S);
    }
  }
  if (s->ended)
    reap(s);
  if (s->capturing) {
    s->log_errno = lg__capture_write_error(&s->cap, &s->log_stream);
    lg__capture_stop(&s->cap);
    s->capturing = false;
  }
  fill_status(s, st);
  return rc;
}

pid_t lg_service_pid(const lg_service *s) {
  return s->pid;
}
int lg_service_stdin_fd(const lg_service *s) {
  return s->stdin_fd;
}
int lg_service_stdout_fd(const lg_service *s) {
  return s->stdout_fd;
}
const char *lg_service_stdout_path(const lg_service *s) {
  return s->stdout_path;
}
const char *lg_service_stderr_path(const lg_service *s) {
  return s->stderr_path;
}

double lg_service_ready_seconds(const lg_service *s) {
  return isnan(s->t_ready) ? NAN : s->t_ready - s->t_start;
}

int lg_service_log_error(lg_service *s, lg_error *err) {
  int e = s->log_errno, stream = s->log_stream;
  const char *path;
  if (s->capturing)
    e = lg__capture_write_error(&s->cap, &stream);
  if (!e)
    return 0;
  path = stream == 0 ? s->stdout_path : s->stderr_path;
  return lg_error_set(err, LG_EIO, "%s: cannot write: %s",
                      path ? path : "service log", strerror(e));
}

size_t lg_service_stderr_tail(lg_service *s, char *buf, size_t cap) {
  if (!s->capturing) {
    if (cap)
      buf[0] = '\0';
    return 0;
  }
  return lg__capture_tail(&s->cap, buf, cap);
}

void lg_service_free(lg_service *s) {
  if (!s)
    return;
  if (s->daemon && !s->ended)
    signal_daemon(s, SIGKILL); /* the container's destroy waits for them */
  if (s->pid > 0 && !s->reaped) {
    if (!lg__service_check(s, false)) {
      signal_service(s, SIGKILL);
      (void)lg__service_check(s, true);
    }
    reap(s);
  }
  if (s->capturing)
    lg__capture_stop(&s->cap);
  close_fd(&s->stdin_fd);
  close_fd(&s->stdout_fd);
  free(s->stdout_path);
  free(s->stderr_path);
  free(s);
}

int lg_pick_port(unsigned *port, lg_error *err) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;
  if (fd < 0)
    return lg_error_set(err, LG_ESYS, "socket: %s", strerror(errno));
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    rc = lg_error_set(err, LG_ESYS, "cannot pick a free loopback port: %s",
                      strerror(errno));
  else
    *port = ntohs(a.sin_port);
  close(fd);
  return rc;
}
