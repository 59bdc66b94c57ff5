/* core/watchdog.c - the watchdog of what leakgate started, and session
 * helpers (see core/watchdog.h).
 *
 * Protocol: one SOCK_SEQPACKET datagram per message (so messages from
 * several threads never interleave): a kind ('G', 'S', 'P', or 'D' to
 * dismiss), on/off, the id and a label. The watchdog keeps a table of at
 * most LG_WATCHDOG_MAX entries; end of file without 'D' ends them all:
 * groups first (kill(-pgid)), then sessions (a /proc scan), then single
 * processes, then the processes an environment entry marks (a /proc scan
 * of environments), all with SIGKILL. Runs in a child of a possibly threaded
 * process: glibc's fork leaves malloc usable, and the watchdog takes no
 * stdio lock (messages go through snprintf and write).
 */
#include "core/watchdog.h"

#include "core/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WD_FD 3
#define LABEL_MAX 32

typedef struct wd_msg {
  char kind; /* lg_watch_kind, or 'D' */
  char on;
  char pad[2];
  int32_t id;
  char label[LABEL_MAX];
} wd_msg;

typedef struct wd_entry {
  char kind;
  pid_t id;
  char label[LABEL_MAX];
} wd_entry;

void lg__watchdog_say(const char *msg) {
  size_t n = strlen(msg);
  while (n > 0) {
    ssize_t w = write(2, msg, n);
    if (w <= 0 && errno != EINTR)
      return;
    if (w > 0)
      msg += w, n -= (size_t)w;
  }
}

/* Close every descriptor from lo up (close_range needs Linux 5.9). */
static void close_from(int lo) {
  long max, fd;
  if (close_range((unsigned)lo, ~0U, 0) == 0)
    return;
  max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536)
    max = 65536;
  for (fd = lo; fd < max; fd++)
    (void)close((int)fd);
}

int lg__watchdog_detach(int keep_fd, const char *name) {
  static const int quiet[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,
                              SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2};
  sigset_t none;
  int keep, null;
  size_t i;

  for (i = 0; i < sizeof quiet / sizeof *quiet; i++)
    signal(quiet[i], SIG_IGN);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  (void)setsid();
  (void)prctl(PR_SET_NAME, name, 0, 0, 0);
  if (chdir("/") != 0) {
    /* "/" always exists; staying put only pins a directory */
  }
  /* stdin and stdout on /dev/null, stderr kept for the message. */
  keep = fcntl(keep_fd, F_DUPFD, 100);
  null = open("/dev/null", O_RDWR);
  if (keep < 0 || null < 0)
    _exit(1);
  (void)dup2(null, 0);
  (void)dup2(null, 1);
  if (dup2(keep, WD_FD) != WD_FD)
    _exit(1);
  close_from(WD_FD + 1);
  return WD_FD;
}

int lg__proc_stat(pid_t pid, char *state, pid_t *sid) {
  char path[64], buf[512], *rp, st;
  int s;
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  if (lg__read_small(path, buf, sizeof buf) < 0)
    return -1;
  rp = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  /* NOLINTNEXTLINE(cert-err34-c): /proc/PID/stat, written by the kernel */
  if (!rp || sscanf(rp + 1, " %c %*d %*d %d", &st, &s) != 2)
    return -1;
  if (state)
    *state = st;
  if (sid)
    *sid = (pid_t)s;
  return 0;
}

/* Whether pid is among the n of done. */
static bool among(const pid_t *done, int n, long pid) {
  int i;
  for (i = 0; i < n && done[i] != (pid_t)pid; i++)
    ;
  return i < n;
}

/* SIGKILL every process (but the caller) that match says is wanted; scans
 * /proc up to passes times, again while a pass finds a process not
 * signalled before (one may fork while the scan runs; one killed but still
 * exiting is not counted twice). Returns how many it signalled. */
static int kill_matching(bool (*match)(long pid, void *ctx), void *ctx,
                         int passes) {
  pid_t done[LG_WATCHDOG_MAX];
  int total = 0, pass;
  for (pass = 0; pass < passes; pass++) {
    DIR *d = opendir("/proc");
    struct dirent *de;
    int found = 0;
    if (!d)
      break;
    while ((de = readdir(d))) {
      char *end;
      long pid = strtol(de->d_name, &end, 10);
      if (pid <= 1 || *end || pid == (long)getpid() ||
          among(done, total < LG_WATCHDOG_MAX ? total : LG_WATCHDOG_MAX, pid) ||
          !match(pid, ctx))
        continue;
      if (kill((pid_t)pid, SIGKILL) == 0) {
        if (total + found < LG_WATCHDOG_MAX)
          done[total + found] = (pid_t)pid;
        found++;
      }
    }
    closedir(d);
    total += found;
    if (!found)
      break;
  }
  return total;
}

static bool in_session(long pid, void *sid) {
  pid_t s;
  return lg__proc_stat((pid_t)pid, NULL, &s) == 0 && s == *(pid_t *)sid;
}

int lg__kill_session(pid_t sid) {
  return sid > 1 ? kill_matching(in_session, &sid, 2) : 0;
}

#define ENVIRON_MAX (256 * 1024)

typedef struct mark_query {
  const char *entry;
  char *buf; /* ENVIRON_MAX bytes */
} mark_query;

/* Whether the environment of pid (its first ENVIRON_MAX bytes) holds the
 * entry whole. */
static bool marked(long pid, void *ctx) {
  const mark_query *q = ctx;
  char path[64], *buf = q->buf;
  size_t len = 0, n = strlen(q->entry), i;
  int fd;
  snprintf(path, sizeof path, "/proc/%ld/environ", pid);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
    return false;
  while (len < ENVIRON_MAX) {
    ssize_t r = read(fd, buf + len, ENVIRON_MAX - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    len += (size_t)r;
  }
  close(fd);
  for (i = 0; i < len; i += strnlen(buf + i, len - i) + 1)
    if (len - i > n && memcmp(buf + i, q->entry, n) == 0 && buf[i + n] == '\0')
      return true;
  return false;
}

int lg__kill_marked(const char *entry) {
  mark_query q = {entry, NULL};
  int total = 0;
  if (entry[0] && (q.buf = malloc(ENVIRON_MAX)) != NULL)
    total = kill_matching(marked, &q, 3);
  free(q.buf);
  return total;
}

void lg__run_mark(char *buf, size_t cap) {
  unsigned char r[8];
  size_t i;
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
    /* no entropy source: the pid and the time are unique enough here */
    uint64_t v = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
    memcpy(r, &v, sizeof r);
  }
  for (i = 0; i < sizeof r && 2 * i + 2 < cap; i++)
    snprintf(buf + 2 * i, cap - 2 * i, "%02x", r[i]);
}

size_t lg__adopted_children(pid_t *out, size_t cap, const pid_t *except,
                            size_t n_except) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *de;
  char path[300], buf[16384];
  size_t n = 0;
  if (!d)
    return 0;
  while ((de = readdir(d))) {
    char *p, *end;
    if (de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "/proc/self/task/%s/children", de->d_name);
    if (lg__read_small(path, buf, sizeof buf) < 0)
      continue;
    for (p = buf;; p = end) {
      long c = strtol(p, &end, 10);
      size_t k;
      if (end == p)
        break;
      for (k = 0; k < n_except && except[k] != (pid_t)c; k++)
        ;
      if (c <= 0 || k < n_except)
        continue;
      if (n < cap)
        out[n] = (pid_t)c;
      n++;
    }
  }
  closedir(d);
  return n;
}

/* End every entry; describe what was ended in msg. */
static void end_all(const wd_entry *e, size_t n, char *msg, size_t cap) {
  static const char order[] = {LG_WATCH_GROUP, LG_WATCH_SESSION, LG_WATCH_PID,
                               LG_WATCH_ENV};
  size_t i, k, len = 0;
  msg[0] = '\0';
  for (k = 0; k < sizeof order; k++)
    for (i = 0; i < n; i++) {
      if (e[i].kind != order[k])
        continue;
      if (e[i].kind == LG_WATCH_ENV) {
        int hit = lg__kill_marked(e[i].label);
        if (hit > 0 && len + 1 < cap)
          len += (size_t)snprintf(msg + len, cap - len,
                                  "%s%d process%s marked %s in %s environment",
                                  len ? ", " : "", hit, hit == 1 ? "" : "es",
                                  e[i].label, hit == 1 ? "its" : "their");
        continue;
      }
      if (e[i].kind == LG_WATCH_GROUP)
        (void)kill(-e[i].id, SIGKILL);
      else if (e[i].kind == LG_WATCH_SESSION)
        (void)lg__kill_session(e[i].id);
      else
        (void)kill(e[i].id, SIGKILL);
      if (len + 1 < cap)
        len += (size_t)snprintf(msg + len, cap - len, "%s%s (%s %ld)",
                                len ? ", " : "",
                                e[i].label[0] ? e[i].label : "a process",
                                e[i].kind == LG_WATCH_GROUP ? "process group"
                                : e[i].kind == LG_WATCH_SESSION ? "session"
                                                                : "pid",
                                (long)e[i].id);
    }
}

/* The watchdog: never returns. */
static void watchdog_main(int sock, const char *name) {
  static wd_entry table[LG_WATCHDOG_MAX];
  char what[2048], msg[2300];
  size_t n = 0, i;
  int fd = lg__watchdog_detach(sock, name);

  for (;;) {
    wd_msg m;
    ssize_t r = recv(fd, &m, sizeof m, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break; /* leakgate is gone */
    if ((size_t)r != sizeof m)
      continue;
    if (m.kind == 'D')
      _exit(0);
    for (i = 0; i < n; i++)
      if (table[i].kind == m.kind && table[i].id == (pid_t)m.id)
        break;
    if (!m.on) {
      if (i < n)
        table[i] = table[--n];
    } else if (i == n && n < LG_WATCHDOG_MAX && m.id > 1) {
      table[n].kind = m.kind;
      table[n].id = (pid_t)m.id;
      memcpy(table[n].label, m.label, LABEL_MAX);
      table[n].label[LABEL_MAX - 1] = '\0';
      n++;
    }
  }
  if (n == 0)
    _exit(0);
  end_all(table, n, what, sizeof what);
  if (!what[0])
    _exit(0); /* an environment mark that found nobody */
  snprintf(msg, sizeof msg,
           "leakgate: the run ended without cleaning up (leakgate was "
           "killed?): its watchdog killed %s\n",
           what);
  lg__watchdog_say(msg);
  _exit(0);
}

int lg__watchdog_fork(int sock_type, void (*child)(int fd, void *ctx),
                      void *ctx, int *fd, pid_t *pid, lg_error *err) {
  int sv[2];
  pid_t p;
  if (socketpair(AF_UNIX, sock_type | SOCK_CLOEXEC, 0, sv) != 0)
    return lg_error_set(err, LG_ESYS, "watchdog: socketpair: %s",
                        strerror(errno));
  p = fork();
  if (p < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return lg_error_set(err, LG_ESYS, "cannot start a watchdog: %s",
                        strerror(e));
  }
  if (p == 0) {
    close(sv[1]);
    child(sv[0], ctx);
    _exit(0); /* child never returns; this is for the analyzer */
  }
  close(sv[0]);
  *fd = sv[1];
  *pid = p;
  return 0;
}

static void watchdog_child(int fd, void *name) {
  watchdog_main(fd, name);
}

int lg__watchdog_start(lg_watchdog *w, const char *name, lg_error *err) {
  w->fd = -1;
  w->pid = 0;
  return lg__watchdog_fork(SOCK_SEQPACKET, watchdog_child, (void *)name, &w->fd,
                           &w->pid, err);
}

static void send_msg(lg_watchdog *w, const wd_msg *m) {
  /* MSG_NOSIGNAL: a watchdog that died must not take leakgate with it. */
  while (send(w->fd, m, sizeof *m, MSG_NOSIGNAL) < 0 && errno == EINTR)
    ;
}

void lg__watchdog_watch(lg_watchdog *w, lg_watch_kind kind, pid_t id, bool on,
                        const char *label) {
  wd_msg m;
  if (!w || w->fd < 0 || id <= 1)
    return;
  memset(&m, 0, sizeof m);
  m.kind = (char)kind;
  m.on = on;
  m.id = (int32_t)id;
  if (label)
    snprintf(m.label, sizeof m.label, "%s", label);
  send_msg(w, &m);
}

void lg__watchdog_stop(lg_watchdog *w) {
  wd_msg m;
  if (!w || w->pid <= 0)
    return;
  memset(&m, 0, sizeof m);
  m.kind = 'D';
  send_msg(w, &m);
  close(w->fd);
  w->fd = -1;
  while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  w->pid = 0;
}
