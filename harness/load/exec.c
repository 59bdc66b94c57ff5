/* load/exec.c - the exec driver: an external load command (wrk, k6, a
 * script) runs against the service for the phases' total duration.
 *
 * The command (argv templated with {{port}}, no shell) is spawned with
 * posix_spawnp in a process group of its own, stdin from /dev/null, with the
 * environment plus LEAKGATE_PORT and LEAKGATE_URL. A supervisor thread copies
 * its stdout/stderr into out_dir/load.stdout.log and load.stderr.log, each
 * capped at 16 MiB (the rest is read and dropped, and the file says so). At
 * the end of the phases (plus 1 s for a command sized to them to finish by
 * itself), on lg_load_stop or on the interrupt flag it sends SIGTERM to the
 * group and, 2 s later, SIGKILL. A command that exits by itself ends the
 * load early, and what it left in its group is killed.
 * The exit status is data (128+N for death by signal N), never an error.
 * The leader's exit is seen through a pidfd without reaping it, so the group
 * id cannot be reused while we still signal it. The caller hears of the
 * group (opts.on_group) so its watchdog ends it should leakgate be killed:
 * the command is outside every cgroup leakgate makes. Requests are not counted:
 * time is the x-axis of such a run.
 * Owns: argv/env copies, the pipes, the files, the child until reaped.
 */
#include "load/load_int.h"

#include "core/clock.h"
#include "core/fsutil.h"

#include <leakgate/template.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h> /* environ (_GNU_SOURCE) */

#define EXEC_OUT_CAP (16u * 1024 * 1024)
#define EXEC_GRACE_NS 2000000000ull
/* A command sized to the phases (wrk -d30s for 30 s of phases) ends a bit
 * after them (its own start-up, its 100 ms timer): it gets this long to exit
 * by itself and print its summary before SIGTERM. */
#define EXEC_END_GRACE_NS 1000000000ull
#define EXEC_DRAIN_NS 1000000000ull /* after exit: pipes held by escapees */

typedef struct sink {
  int pipe_rd; /* -1 once at EOF */
  int file;    /* -1: discard */
  uint64_t bytes;
  bool truncated;
  const char *name;
} sink;

struct lgl_exec {
  char **argv;
  size_t argc;
  char **envp;
  char *paths[2];
  sink out[2];
  pid_t pid;
  int pidfd;
  pthread_t tid;
  bool thread_started;
  int wstatus;
  bool reaped, ended_by_us, killed;
  uint64_t exit_ns;
};

static void free_strv(char **v, size_t n) {
  size_t i;
  for (i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

static int build_env(lg_load *l, lgl_exec *x, lg_error *err) {
  size_t n = 0, k = 0, i;
  char *url = NULL;
  const char *spec_url = l->o.spec->url;

  if (spec_url && *spec_url) {
    int rc = lg_template_expand(spec_url, l->o.port, &url, err);
    if (rc != 0)
      return lg_error_prefix(err, rc, "load.url");
  } else if (asprintf(&url, "http://127.0.0.1:%u/", l->o.port) < 0) {
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  while (environ && environ[n])
    n++;
  x->envp = calloc(n + 3, sizeof *x->envp);
  if (!x->envp) {
    free(url);
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  for (i = 0; i < n; i++) {
    if (strncmp(environ[i], "LEAKGATE_PORT=", 14) == 0 ||
        strncmp(environ[i], "LEAKGATE_URL=", 13) == 0)
      continue;
    if (!(x->envp[k++] = strdup(environ[i])))
      goto nomem;
  }
  if (asprintf(&x->envp[k++], "LEAKGATE_PORT=%u", l->o.port) < 0) {
    x->envp[--k] = NULL;
    goto nomem;
  }
  if (asprintf(&x->envp[k++], "LEAKGATE_URL=%s", url) < 0) {
    x->envp[--k] = NULL;
    goto nomem;
  }
  free(url);
  return 0;
nomem:
  free(url);
  return lg_error_set(err, LG_ENOMEM, "out of memory");
}

int lg__load_exec_new(lg_load *l, lg_error *err) {
  const lg_load_spec *s = l->o.spec;
  lgl_exec *x;
  size_t i;
  int rc;

  if (!s->command || s->n_command == 0 || !s->command[0])
    return lg_error_set(err, LG_EINPUT, "load.command: the exec driver needs "
                        "a command (an argv list, e.g. [wrk, -c8, ...])");
  x = calloc(1, sizeof *x);
  if (!x)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  l->ex = x;
  x->pid = -1;
  x->pidfd = -1;
  x->out[0].pipe_rd = x->out[1].pipe_rd = -1;
  x->out[0].file = x->out[1].file = -1;
  x->out[0].name = "load.stdout.log";
  x->out[1].name = "load.stderr.log";
  x->argv = calloc(s->n_command + 1, sizeof *x->argv);
  if (!x->argv)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  for (i = 0; i < s->n_command; i++) {
    rc = lg_template_expand(s->command[i], l->o.port, &x->argv[i], err);
    if (rc != 0)
      return lg_error_prefix(err, rc, "load.command[%zu]", i);
    x->argc++;
  }
  if ((rc = build_env(l, x, err)) != 0)
    return rc;
  if (l->o.out_dir) {
    if ((rc = lg__mkdir_p(l->o.out_dir, err)) != 0)
      return rc;
    for (i = 0; i < 2; i++)
      if (!(x->paths[i] = lg__path_join(l->o.out_dir, x->out[i].name)))
        return lg_error_set(err, LG_ENOMEM, "out of memory");
  }
  return 0;
}

static int spawn(lgl_exec *x, int pfd[2][2], lg_error *err) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t none, all;
  int rc;

  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pfd[0][1], 1);
  posix_spawn_file_actions_adddup2(&fa, pfd[1][1], 2);
#if defined(__GLIBC__) &&                                                     \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  /* The command must not hold the service's pipes or our sockets open. */
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
  sigemptyset(&none);
  sigfillset(&all); /* default dispositions: do not pass on ignored SIGPIPE */
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawnp(&x->pid, x->argv[0], &fa, &at, x->argv, x->envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    x->pid = -1;
    return lg_error_set(err, LG_ETOOL, "load.command: cannot run '%s': %s",
                        x->argv[0], strerror(rc));
  }
  return 0;
}

/* Read what is available from one pipe into its capped file. */
static void drain(sink *s) {
  char buf[65536];
  ssize_t n = read(s->pipe_rd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close(s->pipe_rd);
    s->pipe_rd = -1;
    return;
  }
  if (n < 0)
    return;
  if (s->file >= 0 && s->bytes < EXEC_OUT_CAP) {
    size_t keep = (size_t)n;
    if (keep > EXEC_OUT_CAP - s->bytes) {
      keep = (size_t)(EXEC_OUT_CAP - s->bytes);
      s->truncated = true;
    }
    if (write(s->file, buf, keep) != (ssize_t)keep)
      s->truncated = true; /* disk full: the capture is incomplete */
  } else if (s->bytes >= EXEC_OUT_CAP) {
    s->truncated = true;
  }
  s->bytes += (uint64_t)n;
}

/* True once the leader exited; it stays a zombie (WNOWAIT) so its process
 * group id stays ours until kill_group + reap. */
static bool leader_exited(lgl_exec *x) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)x->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return si.si_pid == x->pid;
}

static void reap(lg_load *l, lgl_exec *x) {
  kill(-x->pid, SIGKILL); /* whatever the command left in its group */
  if (l->o.on_group)
    l->o.on_group(l->o.group_ctx, x->pid, false);
  while (waitpid(x->pid, &x->wstatus, 0) < 0 && errno == EINTR)
    ;
  x->reaped = true;
  x->exit_ns = lg__now_ns();
}

static void *supervise(void *arg) {
  lg_load *l = arg;
  lgl_exec *x = l->ex;
  uint64_t end = l->t0_ns + l->total_ns, term_ns = 0, drain_until = 0;

  for (;;) {
    struct pollfd pf[3];
    sink *src[2]; /* the sink of each pipe entry of pf (they come first) */
    nfds_t n = 0, n_pipes, k;
    uint64_t now = lg__now_ns(), wait = LGL_MAX_WAIT_NS;
    int i;
    bool stop = atomic_load(&l->stop) ||
                (l->o.interrupt &&
                 __atomic_load_n(l->o.interrupt, __ATOMIC_RELAXED));

    if (!x->reaped && leader_exited(x)) {
      reap(l, x);
      drain_until = lg__now_ns() + EXEC_DRAIN_NS;
    }
    if (x->reaped && ((x->out[0].pipe_rd < 0 && x->out[1].pipe_rd < 0) ||
                      now >= drain_until))
      break;
    if (!x->reaped && !term_ns && (now >= end + EXEC_END_GRACE_NS || stop)) {
      kill(-x->pid, SIGTERM);
      term_ns = now;
      x->ended_by_us = true;
    }
    if (!x->reaped && term_ns && !x->killed && now >= term_ns + EXEC_GRACE_NS) {
      kill(-x->pid, SIGKILL);
      x->killed = true;
    }
    if (!term_ns && end + EXEC_END_GRACE_NS > now &&
        end + EXEC_END_GRACE_NS - now < wait)
      wait = end + EXEC_END_GRACE_NS - now;
    if (x->pidfd < 0 && wait > 20000000ull)
      wait = 20000000ull; /* no pidfd: poll the child's state every 20 ms */
    for (i = 0; i < 2; i++)
      if (x->out[i].pipe_rd >= 0) {
        src[n] = &x->out[i];
        pf[n].fd = x->out[i].pipe_rd;
        pf[n++].events = POLLIN;
      }
    n_pipes = n;
    if (x->pidfd >= 0 && !x->reaped) {
      pf[n].fd = x->pidfd;
      pf[n++].events = POLLIN;
    }
    if (poll(pf, n, (int)((wait + 999999) / 1000000)) > 0)
      for (k = 0; k < n_pipes; k++)
        if (pf[k].revents) /* data, or POLLHUP at EOF: drain sees 0 */
          drain(src[k]);
  }
  for (int i = 0; i < 2; i++)
    if (x->out[i].truncated && x->out[i].file >= 0) {
      char note[160];
      int len = snprintf(note, sizeof note, "\n[leakgate: output truncated "
                         "at %u bytes of %llu]\n", EXEC_OUT_CAP,
                         (unsigned long long)x->out[i].bytes);
      if (write(x->out[i].file, note, (size_t)len) != len) {
        /* nothing more to do: the capture is already incomplete */
      }
    }
  lg__load_worker_done(l);
  return NULL;
}

int lg__load_exec_start(lg_load *l, lg_error *err) {
  lgl_exec *x = l->ex;
  int pfd[2][2] = {{-1, -1}, {-1, -1}}, i, rc = 0, e;

  for (i = 0; i < 2; i++) {
    if (pipe2(pfd[i], O_CLOEXEC) != 0) {
      rc = lg_error_set(err, LG_ESYS, "load: pipe: %s", strerror(errno));
      goto cleanup;
    }
    if (x->paths[i]) {
      x->out[i].file = lg__create_file(x->paths[i], err);
      if (x->out[i].file < 0) {
        rc = lg_error_prefix(err, x->out[i].file, "load");
        x->out[i].file = -1;
        goto cleanup;
      }
    }
  }
  if ((rc = spawn(x, pfd, err)) != 0)
    goto cleanup;
  if (l->o.on_group)
    l->o.on_group(l->o.group_ctx, x->pid, true);
  x->pidfd = (int)syscall(SYS_pidfd_open, x->pid, 0); /* -1: poll instead */
  for (i = 0; i < 2; i++) {
    x->out[i].pipe_rd = pfd[i][0];
    pfd[i][0] = -1;
    fcntl(x->out[i].pipe_rd, F_SETFL, O_NONBLOCK);
  }
  e = pthread_create(&x->tid, NULL, supervise, l);
  if (e) { /* cannot supervise: end the command now */
    kill(-x->pid, SIGKILL);
    reap(l, x);
    rc = lg_error_set(err, LG_ESYS, "load: cannot start a thread: %s",
                      strerror(e));
    goto cleanup;
  }
  x->thread_started = true;
cleanup:
  for (i = 0; i < 2; i++) {
    if (pfd[i][0] >= 0)
      close(pfd[i][0]);
    if (pfd[i][1] >= 0)
      close(pfd[i][1]);
  }
  return rc;
}

void lg__load_exec_join(lg_load *l) {
  if (l->ex && l->ex->thread_started) {
    pthread_join(l->ex->tid, NULL);
    l->ex->thread_started = false;
  }
}

void lg__load_exec_free(lg_load *l) {
  lgl_exec *x = l->ex;
  int i;
  if (!x)
    return;
  if (x->thread_started) {
    atomic_store(&l->stop, 1);
    lg__load_exec_join(l);
  }
  if (x->pid > 0 && !x->reaped) {
    kill(-x->pid, SIGKILL);
    reap(l, x);
  }
  for (i = 0; i < 2; i++) {
    if (x->out[i].pipe_rd >= 0)
      close(x->out[i].pipe_rd);
    if (x->out[i].file >= 0)
      close(x->out[i].file);
    free(x->paths[i]);
  }
  if (x->pidfd >= 0)
    close(x->pidfd);
  free_strv(x->argv, x->argc);
  {
    size_t n = 0;
    while (x->envp && x->envp[n])
      n++;
    free_strv(x->envp, n);
  }
  free(x);
  l->ex = NULL;
}

int lg__load_exec_result(lg_load *l, lg_load_result *r, char *msg, size_t cap) {
  lgl_exec *x = l->ex;
  int i, st = -1;
  size_t o = 0;
  double ran;

  if (!x || x->pid <= 0 || !x->reaped) {
    r->exec_exit_status = -1;
    return 0;
  }
  if (WIFEXITED(x->wstatus))
    st = WEXITSTATUS(x->wstatus);
  else if (WIFSIGNALED(x->wstatus))
    st = 128 + WTERMSIG(x->wstatus);
  r->exec_exit_status = st;
  ran = (double)(x->exit_ns - l->t0_ns) / 1e9;
  if (x->ended_by_us)
    o += (size_t)snprintf(msg + o, cap - o, "load command '%s' was ended "
                          "after %.1f s by %s; exit status %d", x->argv[0], ran,
                          x->killed ? "SIGKILL (it ignored SIGTERM for 2 s)"
                                    : "SIGTERM", st);
  else
    o += (size_t)snprintf(msg + o, cap - o, "load command '%s' exited by "
                          "itself after %.1f s of %.1f s planned; exit status "
                          "%d", x->argv[0], ran, (double)l->total_ns / 1e9, st);
  for (i = 0; i < 2 && o < cap; i++)
    if (x->out[i].truncated)
      o += (size_t)snprintf(msg + o, cap - o, "; %s kept its first %u bytes "
                            "of %llu", x->out[i].name, EXEC_OUT_CAP,
                            (unsigned long long)x->out[i].bytes);
  return 0;
}
