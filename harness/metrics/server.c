/* metrics/server.c - the endpoint's thread: a poll(2) loop over the
 * listening socket, a stop eventfd and at most max_clients connections
 * (contract in leakgate/metrics.h).
 *
 * HTTP/1.x, one request per connection (`Connection: close`): Prometheus
 * and curl handle that, and it keeps the state machine to read-request,
 * write-response. GET and HEAD of /metrics (a query string is ignored);
 * another path is 404, another method 405, a request head over 8 KiB 431,
 * a malformed request line 400. The body is rendered when the request is
 * complete, from a copy of the state taken under the mutex (a memcpy: the
 * feeding threads - the sampler, the run's main loop - never wait for a
 * socket or a formatter). Everything is non-blocking; a connection that
 * has not finished within io_timeout_s is closed, and a new connection
 * when every slot is busy evicts the oldest, so neither a slow client nor
 * a flood of idle ones can lock a scraper out or grow memory.
 * Owns: the sockets, the eventfd, the thread, the per-connection buffers;
 * lg_metrics_stop releases all of them. A start failure leaves nothing.
 */
#include "metrics/metrics_int.h"

#include "core/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQ_MAX 8192
#define BODY_MAX (256 * 1024)
#define CLIENTS_MAX 64
#define DEFAULT_CLIENTS 8
#define DEFAULT_TIMEOUT_S 5.0
/* How long accepting pauses when the process is out of descriptors. */
#define ACCEPT_PAUSE_S 0.1

typedef struct client {
  int fd; /* -1: free slot */
  double deadline, opened;
  char req[REQ_MAX + 1];
  size_t req_len;
  lg_buf out; /* response: head + body */
  size_t sent;
  bool writing;
} client;

struct lg_metrics {
  int listen_fd, stop_fd;
  pthread_t thread;
  bool started;
  pthread_mutex_t mu; /* guards st only */
  mx_state st;
  char url[96];
  size_t max_clients;
  double timeout_s;
  double accept_at; /* server thread: no accept before (out of fds) */
  client *cl;
};

/* ---- feeding (any thread; the lock covers a fixed-size copy) ---- */

void lg_metrics_begin(lg_metrics *m, const char *scenario,
                      double memory_limit) {
  if (!m)
    return;
  pthread_mutex_lock(&m->mu);
  lg__mx_state_reset(&m->st);
  snprintf(m->st.scenario, sizeof m->st.scenario, "%s",
           scenario ? scenario : "");
  snprintf(m->st.stage, sizeof m->st.stage, "starting");
  m->st.memory_limit = memory_limit;
  pthread_mutex_unlock(&m->mu);
}

void lg_metrics_sample(lg_metrics *m, const lg_sample *s) {
  if (!m || !s)
    return;
  pthread_mutex_lock(&m->mu);
  lg__mx_state_sample(&m->st, s);
  pthread_mutex_unlock(&m->mu);
}

void lg_metrics_load(lg_metrics *m, const lg_load_progress *p) {
  if (!m || !p)
    return;
  pthread_mutex_lock(&m->mu);
  m->st.has_load = true;
  m->st.requests = p->completed;
  m->st.errors = p->errors;
  m->st.elapsed_s = p->elapsed_s;
  m->st.planned_s = p->total_s;
  if (p->phase_name)
    snprintf(m->st.phase, sizeof m->st.phase, "%s", p->phase_name);
  pthread_mutex_unlock(&m->mu);
}

void lg_metrics_stage(lg_metrics *m, const char *stage) {
  if (!m || !stage)
    return;
  pthread_mutex_lock(&m->mu);
  snprintf(m->st.stage, sizeof m->st.stage, "%s", stage);
  pthread_mutex_unlock(&m->mu);
}

void lg_metrics_analysis(lg_metrics *m, const lg_analysis *a, bool final) {
  if (!m || !a)
    return;
  pthread_mutex_lock(&m->mu);
  /* A running look never overwrites the run's own analysis. */
  if (!m->st.final || final) {
    m->st.has_analysis = true;
    m->st.final = final;
    if (!final)
      m->st.looks++;
    snprintf(m->st.x, sizeof m->st.x, "%s", a->x);
    m->st.leak = a->leak;
    m->st.slope = a->slope;
    m->st.slope_lo = a->slope_lo;
    m->st.slope_hi = a->slope_hi;
    m->st.slope_per_second = a->slope_per_second;
    m->st.tolerance = a->tolerance;
    m->st.time_to_limit_s = a->time_to_limit_s;
    m->st.time_to_limit_min_s = a->time_to_limit_min_s;
    m->st.points = a->points;
  }
  pthread_mutex_unlock(&m->mu);
}

static int render(lg_metrics *m, bool om, lg_buf *out) {
  mx_state copy;
  pthread_mutex_lock(&m->mu);
  copy = m->st;
  pthread_mutex_unlock(&m->mu);
  return lg__mx_render(&copy, om, out);
}

int lg_metrics_render(lg_metrics *m, bool openmetrics, char **out, size_t *len,
                      lg_error *err) {
  lg_buf b;
  int rc;
  *out = NULL;
  lg__buf_init(&b, BODY_MAX);
  rc = render(m, openmetrics, &b);
  if (rc) {
    lg__buf_cleanup(&b);
    return lg_error_set(err, rc, "metrics: cannot render: %s", lg_strerror(rc));
  }
  *len = b.len;
  *out = lg__buf_steal(&b);
  if (!*out) /* nothing appended: an empty document is still a string */
    *out = calloc(1, 1);
  return *out ? 0 : lg_error_set(err, LG_ENOMEM, "out of memory");
}

/* ---- connections ---- */

static void client_close(client *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->req_len = 0;
  c->sent = 0;
  c->writing = false;
  lg__buf_reset(&c->out);
}

static void respond(lg_metrics *m, client *c, int status, const char *reason,
                    const char *ctype, bool head, bool body_metrics, bool om) {
  lg_buf body;
  int rc = 0;
  lg__buf_init(&body, BODY_MAX);
  if (body_metrics)
    rc = render(m, om, &body);
  else
    rc = lg__buf_appendf(&body, "%d %s\n", status, reason);
  if (rc) {
    status = 500;
    reason = "Internal Server Error";
    ctype = "text/plain; charset=utf-8";
    lg__buf_reset(&body);
    lg__buf_appends(&body, "500 cannot render the metrics\n");
  }
  lg__buf_reset(&c->out);
  if (lg__buf_appendf(&c->out,
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
                      "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                      "Connection: close\r\n\r\n",
                      status, reason, ctype, body.len) != 0 ||
      (!head && body.len &&
       lg__buf_append(&c->out, body.data, body.len) != 0)) {
    client_close(c);
  } else {
    c->writing = true;
    c->sent = 0;
  }
  lg__buf_cleanup(&body);
}

/* The value of header name in a request head (NUL-terminated, lines
 * ending in \r\n), copied into out; false when absent. */
static bool header_value(const char *head, const char *name, char *out,
                         size_t cap) {
  size_t n = strlen(name);
  const char *p = strstr(head, "\r\n");
  while (p && p[2] != '\r' && p[2] != '\0') {
    const char *line = p + 2, *eol = strstr(line, "\r\n");
    if (!eol)
      break;
    if ((size_t)(eol - line) > n && strncasecmp(line, name, n) == 0 &&
        line[n] == ':') {
      const char *v = line + n + 1;
      size_t len;
      while (*v == ' ' || *v == '\t')
        v++;
      len = (size_t)(eol - v);
      if (len >= cap)
        len = cap - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      return true;
    }
    p = eol;
  }
  return false;
}

static void handle_request(lg_metrics *m, client *c) {
  char method[16], target[1024], version[16], accept[1024];
  const char *plain = "text/plain; charset=utf-8";
  bool head, om;
  size_t plen;

  if (sscanf(c->req, "%15s %1023s %15s", method, target, version) != 3 ||
      strncmp(version, "HTTP/1.", 7) != 0) {
    respond(m, c, 400, "Bad Request", plain, false, false, false);
    return;
  }
  head = strcmp(method, "HEAD") == 0;
  if (!head && strcmp(method, "GET") != 0) {
    respond(m, c, 405, "Method Not Allowed", plain, false, false, false);
    return;
  }
  plen = strcspn(target, "?#");
  if (plen != 8 || strncmp(target, "/metrics", 8) != 0) {
    respond(m, c, 404, "Not Found", plain, head, false, false);
    return;
  }
  om = header_value(c->req, "Accept", accept, sizeof accept) &&
       lg__mx_wants_openmetrics(accept);
  respond(m, c, 200, "OK",
          om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8",
          head, true, om);
}

static void on_readable(lg_metrics *m, client *c) {
  for (;;) {
    ssize_t r = recv(c->fd, c->req + c->req_len, REQ_MAX - c->req_len, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (r <= 0) {
      client_close(c);
      return;
    }
    c->req_len += (size_t)r;
    c->req[c->req_len] = '\0';
    if (strstr(c->req, "\r\n\r\n")) {
      handle_request(m, c);
      return;
    }
    if (c->req_len >= REQ_MAX) {
      respond(m, c, 431, "Request Header Fields Too Large",
              "text/plain; charset=utf-8", false, false, false);
      return;
    }
  }
}

static void on_writable(client *c) {
  while (c->sent < c->out.len) {
    ssize_t w =
        send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (w <= 0) {
      client_close(c);
      return;
    }
    c->sent += (size_t)w;
  }
  /* All sent: close our side; the client reads to EOF. */
  client_close(c);
}

static void on_accept(lg_metrics *m) {
  for (;;) {
    size_t i, slot = m->max_clients;
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      /* Out of descriptors (the load's connections share the process's
       * limit): the pending connection stays readable, so polling it again
       * at once would spin this thread on a core the load needs. Leave it
       * for a while. EAGAIN or another transient error: poll again. */
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM)
        m->accept_at = lg__now_s() + ACCEPT_PAUSE_S;
      return;
    }
    for (i = 0; i < m->max_clients; i++)
      if (m->cl[i].fd < 0) {
        slot = i;
        break;
      }
    if (slot == m->max_clients) {
      /* Full: the oldest connection makes room for the newest. */
      slot = 0;
      for (i = 1; i < m->max_clients; i++)
        if (m->cl[i].opened < m->cl[slot].opened)
          slot = i;
      client_close(&m->cl[slot]);
    }
    m->cl[slot].fd = fd;
    m->cl[slot].opened = lg__now_s();
    m->cl[slot].deadline = m->cl[slot].opened + m->timeout_s;
  }
}

static void *server_main(void *arg) {
  lg_metrics *m = arg;
  struct pollfd pfd[CLIENTS_MAX + 2];
  size_t map[CLIENTS_MAX + 2];

  for (;;) {
    size_t i, n = 2;
    double now = lg__now_s(), next = now + 60;
    int timeout_ms, r;

    pfd[0].fd = m->stop_fd;
    pfd[0].events = POLLIN;
    /* A negative fd is ignored by poll: no accepting while paused. */
    pfd[1].fd = now >= m->accept_at ? m->listen_fd : -1;
    pfd[1].events = POLLIN;
    if (now < m->accept_at && m->accept_at < next)
      next = m->accept_at;
    for (i = 0; i < m->max_clients; i++) {
      client *c = &m->cl[i];
      if (c->fd < 0)
        continue;
      if (now >= c->deadline) {
        client_close(c);
        continue;
      }
      if (c->deadline < next)
        next = c->deadline;
      pfd[n].fd = c->fd;
      pfd[n].events = c->writing ? POLLOUT : POLLIN;
      map[n++] = i;
    }
    timeout_ms = (int)ceil((next - now) * 1000);
    r = poll(pfd, n, timeout_ms < 1 ? 1 : timeout_ms);
    if (r < 0 && errno != EINTR)
      break; /* cannot wait: stop serving rather than spin */
    if (r <= 0)
      continue;
    if (pfd[0].revents)
      break;
    for (i = 2; i < n; i++) {
      client *c = &m->cl[map[i]];
      if (!pfd[i].revents || c->fd != pfd[i].fd)
        continue;
      if (pfd[i].revents & (POLLERR | POLLNVAL))
        client_close(c);
      else if (c->writing)
        on_writable(c);
      else
        on_readable(m, c);
    }
    if (pfd[1].revents & POLLIN)
      on_accept(m);
  }
  return NULL;
}

/* ---- lifetime ---- */

static void free_metrics(lg_metrics *m) {
  size_t i;
  if (!m)
    return;
  for (i = 0; m->cl && i < m->max_clients; i++) {
    client_close(&m->cl[i]);
    lg__buf_cleanup(&m->cl[i].out);
  }
  free(m->cl);
  if (m->listen_fd >= 0)
    close(m->listen_fd);
  if (m->stop_fd >= 0)
    close(m->stop_fd);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

int lg_metrics_start(const lg_metrics_opts *o, lg_metrics **out,
                     lg_error *err) {
  struct sockaddr_storage sa, bound;
  socklen_t sa_len, bound_len = sizeof bound;
  lg_metrics *m = NULL;
  char host[INET6_ADDRSTRLEN];
  sigset_t block, old;
  int one = 1, rc = 0, e;
  unsigned port;
  size_t i;

  *out = NULL;
  memset(&bound, 0, sizeof bound);
  if ((rc = lg__mx_parse_listen(o->listen, o->allow_remote, &sa, &sa_len, err)))
    return rc;
  m = calloc(1, sizeof *m);
  if (!m)
    return lg_error_set(err, LG_ENOMEM, "out of memory");
  m->listen_fd = m->stop_fd = -1;
  pthread_mutex_init(&m->mu, NULL);
  lg__mx_state_reset(&m->st);
  m->max_clients = o->max_clients ? o->max_clients : DEFAULT_CLIENTS;
  if (m->max_clients > CLIENTS_MAX)
    m->max_clients = CLIENTS_MAX;
  m->timeout_s = o->io_timeout_s > 0 ? o->io_timeout_s : DEFAULT_TIMEOUT_S;
  m->cl = calloc(m->max_clients, sizeof *m->cl);
  if (!m->cl) {
    rc = lg_error_set(err, LG_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < m->max_clients; i++) {
    m->cl[i].fd = -1;
    lg__buf_init(&m->cl[i].out, REQ_MAX + BODY_MAX);
  }
  m->listen_fd =
      socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (m->listen_fd < 0) {
    rc = lg_error_set(err, LG_ESYS, "metrics: socket: %s", strerror(errno));
    goto cleanup;
  }
  setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(m->listen_fd, (struct sockaddr *)&sa, sa_len) != 0 ||
      listen(m->listen_fd, 16) != 0) {
    rc = lg_error_set(err, LG_ESYS, "metrics: cannot listen on %s: %s",
                      o->listen, strerror(errno));
    goto cleanup;
  }
  if (getsockname(m->listen_fd, (struct sockaddr *)&bound, &bound_len) != 0) {
    rc =
        lg_error_set(err, LG_ESYS, "metrics: getsockname: %s", strerror(errno));
    goto cleanup;
  }
  if (bound.ss_family == AF_INET6) {
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&bound;
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
    snprintf(m->url, sizeof m->url, "http://[%s]:%u/metrics", host, port);
  } else {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&bound;
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
    snprintf(m->url, sizeof m->url, "http://%s:%u/metrics", host, port);
  }
  m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m->stop_fd < 0) {
    rc = lg_error_set(err, LG_ESYS, "metrics: eventfd: %s", strerror(errno));
    goto cleanup;
  }
  /* Signals stay with the command's threads; the server only serves. */
  sigfillset(&block);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  e = pthread_create(&m->thread, NULL, server_main, m);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e) {
    rc = lg_error_set(err, LG_ESYS, "metrics: cannot start thread: %s",
                      strerror(e));
    goto cleanup;
  }
  m->started = true;
  *out = m;
  m = NULL;
cleanup:
  free_metrics(m);
  return rc;
}

const char *lg_metrics_url(const lg_metrics *m) {
  return m ? m->url : "";
}

void lg_metrics_stop(lg_metrics *m) {
  uint64_t one = 1;
  if (!m)
    return;
  if (m->started) {
    if (write(m->stop_fd, &one, sizeof one) != (ssize_t)sizeof one) {
      /* an eventfd write of 1 cannot fail short of a bug; poll's EINTR
       * path still ends when the fd is closed below */
    }
    pthread_join(m->thread, NULL);
  }
  free_metrics(m);
}
