/* tests/unit/load_test_util.h - helpers for the load engine's tests:
 * a free loopback port, fixture services started on it, an in-test HTTP
 * server with misbehaviours, and lg_load_spec builders (the tests build specs
 * in C, without the YAML loader). */
#ifndef LOAD_TEST_UTIL_H
#define LOAD_TEST_UTIL_H

#include "lg_test.h"

#include "core/clock.h"

#include <leakgate/load.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A loopback port nothing listens on right now. */
static inline unsigned lt_free_port(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static inline int lt_can_connect(unsigned port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* Start a program (argv NULL-terminated; stdout/stderr to /dev/null) and
 * wait up to 5 s until port accepts connections. The program is killed when
 * the test process ends, so a failed assertion (which skips lt_stop_service)
 * does not leave it running. */
static inline pid_t lt_start_service(char *const argv[], unsigned port) {
  double dl = lg__now_s() + 5;
  pid_t parent = getpid(), pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int nul;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
      _exit(127); /* the test is already gone */
    nul = open("/dev/null", O_RDWR);
    dup2(nul, 1);
    dup2(nul, 2);
    setpgid(0, 0);
    execv(argv[0], argv);
    _exit(127);
  }
  while (!lt_can_connect(port)) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid)
      ck_abort_msg("%s exited before listening on %u", argv[0], port);
    if (lg__now_s() > dl) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      ck_abort_msg("%s did not listen on %u within 5 s", argv[0], port);
    }
    usleep(10000);
  }
  return pid;
}

static inline void lt_stop_service(pid_t pid) {
  int st;
  if (pid <= 0)
    return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; i++) {
    if (waitpid(pid, &st, WNOHANG) == pid)
      return;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
}

/* A fixture from build/tests/fixtures started on a free port. */
static inline pid_t lt_start_fixture(const char *name, unsigned *port) {
  char path[1024], ports[16];
  *port = lt_free_port();
  snprintf(ports, sizeof ports, "%u", *port);
  lg_test_bin("tests/fixtures", path, sizeof path);
  strncat(path, "/", sizeof path - strlen(path) - 1);
  strncat(path, name, sizeof path - strlen(path) - 1);
  {
    char *argv[] = {path, "--port", ports, NULL};
    return lt_start_service(argv, *port);
  }
}

/* ---- spec builders ---------------------------------------------------- */

typedef struct lt_spec {
  lg_load_spec s;
  lg_phase ph[8];
  lg_flow_item flow[8];
  lg_kv hdr[8];
} lt_spec;

static inline void lt_spec_init(lt_spec *t, lg_driver_kind d, int conns) {
  memset(t, 0, sizeof *t);
  t->s.driver = d;
  t->s.connections = conns;
  t->s.threads = 1;
  t->s.timeout_s = 5;
  t->s.seed = 1;
  t->s.phases = t->ph;
  t->s.flow = t->flow;
}

/* rate NAN = closed model. */
static inline void lt_phase(lt_spec *t, const char *name, double dur,
                            double rate, double ramp_to) {
  lg_phase *p = &t->ph[t->s.n_phases++];
  p->name = (char *)name;
  p->duration_s = dur;
  p->rate = rate;
  p->ramp_to = ramp_to;
}

static inline void lt_flow(lt_spec *t, const char *send, const char *expect) {
  lg_flow_item *f = &t->flow[t->s.n_flow++];
  f->send = (char *)send;
  f->send_len = strlen(send);
  f->expect = (char *)expect;
  f->expect_len = strlen(expect);
}

/* Run a load to its end the way the runner does (progress + wait(0.2)),
 * check the sampler callbacks never go backwards, and fill r. */
static inline void lt_run(lg_load_opts *o, lg_load_result *r) {
  lg_load *l = NULL;
  lg_error e;
  uint64_t last = 0;
  lg_load_progress p;
  int rc = lg_load_new(o, &l, &e);
  ck_assert_msg(rc == 0, "lg_load_new: %s", e.msg);
  ck_assert_int_eq(lg_load_start(l, &e), 0);
  while (!lg_load_wait(l, 0.2)) {
    uint64_t n = lg_load_completed_cb(l);
    ck_assert_uint_ge(n, last);
    last = n;
    lg_load_progress_get(l, &p);
    ck_assert_ptr_nonnull(lg_load_phase_cb(l));
    ck_assert(p.elapsed_s <= p.total_s + 5);
  }
  lg_load_progress_get(l, &p);
  ck_assert(p.done);
  rc = lg_load_finish(l, r, &e);
  ck_assert_msg(rc == 0, "lg_load_finish: %s", e.msg);
  ck_assert_uint_eq((uint64_t)(r->requests < 0 ? 0 : r->requests),
                    lg_load_completed(l));
  lg_load_free(l);
}

/* ---- an in-test HTTP server with misbehaviours ------------------------- */

enum lt_mode {
  LT_CHUNKED,   /* 200, Transfer-Encoding: chunked, keep-alive */
  LT_CLOSE,     /* 200 with Content-Length and Connection: close, then close */
  LT_EOF_BODY,  /* 200 without length: the body ends at close */
  LT_CLOSE_ALL, /* accept, then close at once */
  LT_GARBAGE,   /* answer "garbage" */
  LT_SILENT,    /* read, never answer */
  LT_STATUS500, /* 500 with Content-Length, keep-alive */
  LT_SLOW,      /* 200 after 20 ms (the server thread sleeps) */
  LT_BIG        /* 200 with a 300 000-byte body (many reads per response) */
};

typedef struct lt_server {
  enum lt_mode mode;
  int lfd;
  unsigned port;
  pthread_t tid;
  atomic_int stop;
  atomic_ulong requests; /* requests seen */
} lt_server;

static inline void lt_reply(lt_server *s, int fd) {
  static const char *chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  static const char *closing =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  static const char *eof_body = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                                "body until the connection closes";
  static const char *garbage = "garbage\r\n\r\n";
  static const char *s500 =
      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nbad";
  static const char *slow = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow";
  const char *r = s->mode == LT_CHUNKED   ? chunked
                  : s->mode == LT_CLOSE    ? closing
                  : s->mode == LT_EOF_BODY ? eof_body
                  : s->mode == LT_GARBAGE  ? garbage
                  : s->mode == LT_SLOW     ? slow
                                           : s500;
  if (s->mode == LT_SLOW)
    usleep(20000);
  if (s->mode == LT_BIG) {
    static char big[300000 + 128];
    int n = snprintf(big, 128, "HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n");
    memset(big + n, 'x', 300000);
    if (write(fd, big, (size_t)n + 300000) < 0) {
    }
    return;
  }
  if (write(fd, r, strlen(r)) < 0) {
  }
}

static inline void *lt_server_main(void *arg) {
  lt_server *s = arg;
  struct pollfd pf[65];
  char buf[4096];
  int nfd = 1, i;
  size_t have[65] = {0};
  pf[0].fd = s->lfd;
  pf[0].events = POLLIN;
  while (!atomic_load(&s->stop)) {
    if (poll(pf, (nfds_t)nfd, 50) <= 0)
      continue;
    if (pf[0].revents & POLLIN) {
      int fd = accept(s->lfd, NULL, NULL);
      if (fd >= 0 && s->mode == LT_CLOSE_ALL) {
        close(fd);
      } else if (fd >= 0 && nfd < 65) {
        pf[nfd].fd = fd;
        pf[nfd].events = POLLIN;
        pf[nfd].revents = 0; /* not polled yet: read below in this pass */
        have[nfd] = 0;
        nfd++;
      } else if (fd >= 0) {
        close(fd);
      }
    }
    for (i = 1; i < nfd; i++) {
      ssize_t n;
      int closed = 0;
      if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      n = read(pf[i].fd, buf, sizeof buf);
      if (n <= 0) {
        closed = 1;
      } else if (s->mode != LT_SILENT) {
        /* one reply per request head ("\r\n\r\n"), heads may straddle reads */
        ssize_t k;
        for (k = 0; k < n; k++) {
          have[i] = (buf[k] == (have[i] % 2 == 0 ? '\r' : '\n')) ? have[i] + 1
                    : buf[k] == '\r'                            ? 1
                                                                : 0;
          if (have[i] == 4) {
            have[i] = 0;
            atomic_fetch_add(&s->requests, 1);
            lt_reply(s, pf[i].fd);
            if (s->mode == LT_CLOSE || s->mode == LT_EOF_BODY) {
              closed = 1;
              break;
            }
          }
        }
      }
      if (closed) {
        close(pf[i].fd);
        pf[i] = pf[nfd - 1];
        have[i] = have[nfd - 1];
        nfd--;
        i--;
      }
    }
  }
  for (i = 1; i < nfd; i++)
    close(pf[i].fd);
  return NULL;
}

static inline void lt_server_start(lt_server *s, enum lt_mode mode) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(s, 0, sizeof *s);
  s->mode = mode;
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(s->lfd, 128), 0);
  getsockname(s->lfd, (struct sockaddr *)&a, &len);
  s->port = ntohs(a.sin_port);
  ck_assert_int_eq(pthread_create(&s->tid, NULL, lt_server_main, s), 0);
}

static inline void lt_server_stop(lt_server *s) {
  atomic_store(&s->stop, 1);
  pthread_join(s->tid, NULL);
  close(s->lfd);
}

#endif
